/**
 * What the bench runs: the upstream app, the sidecar pairs (nginx, HAProxy, meshguard in several
 * configurations) and the files each one reads. Every pair is
 *
 *   wrk -> outbound (plain HTTP/1.1) -> mTLS -> inbound -> upstream app (plain HTTP/1.1)
 *
 * with keep-alive on every hop, one process (one worker) per sidecar.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, sharedDir } from '../src/paths.js';
import { CLIENT_ID, SERVER_ID, TRUST_DOMAIN, type BenchCerts } from './certs.js';
import { writeBenchPolicy } from './policy-gen.js';

export const UPSTREAM_PORT = 19080;
/** The Host every request carries (the meshguard outbound routes on it; the others ignore it). */
export const ROUTE_HOST = 'backend';
/** 100 bytes exactly, like the shared anchors' app. */
export const APP_BODY = '0123456789'.repeat(9) + '012345678\n';

export type ProcKind = 'nginx' | 'haproxy' | 'meshguard';

export interface ProcSpec {
  role: 'outbound' | 'inbound';
  kind: ProcKind;
  port: number;
  /** Rendered config file. */
  config: string;
  adminPort?: number;
  /** Filters the inbound must report in /config_dump for the topology to count as configured. */
  expectFilters?: string[];
  /** Extra environment for the process. */
  env?: Record<string, string>;
  /** meshguard: start without bin/meshguard.js's process flags (as `node bin/meshguard.js` runs), for A/B runs. */
  plainNode?: boolean;
  /** meshguard: run from the second build (`MG_B_DIST`) instead of this one. */
  build?: 'b';
}

export interface Topology {
  name: string;
  /** One line for the tables. */
  label: string;
  entry: number;
  inbound?: number;
  procs: ProcSpec[];
  /** A native proxy or nothing (direct): 2 s warm-up; meshguard (V8 JIT, pools): longer. */
  runtime: 'native' | 'node' | 'none';
  /** An inbound alone, for the handshake runs only (no keep-alive load). */
  hsOnly?: boolean;
}

export interface RenderContext {
  runDir: string;
  certs: BenchCerts;
  /** Directory of an OWASP CRS checkout. */
  crsDir: string;
  natsUrl: string;
  /**
   * Start meshguard inbounds of the keep-alive pairs with TLS session tickets off (OpenSSL config).
   * Works around the outbound refusing every resumed connection: on a resumed TLS 1.3 session Node's
   * client has no peer certificate, so the SPIFFE check finds none (see docs/bench.md).
   */
  inboundNoTickets: boolean;
}

/** OpenSSL config read by Node (section nodejs_conf): SSL_OP_NO_TICKET on every context of the process. */
function noTicketsConf(ctx: RenderContext): string {
  return write(ctx, 'openssl-no-tickets.cnf', `nodejs_conf = nodejs_init
[nodejs_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = no_tickets
[no_tickets]
Options = -SessionTicket
`);
}

function write(ctx: RenderContext, name: string, text: string): string {
  const file = path.join(ctx.runDir, 'conf', name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

function nginxCommon(ctx: RenderContext, tag: string): string {
  const tmp = path.join(ctx.runDir, 'tmp', tag);
  mkdirSync(tmp, { recursive: true });
  return `daemon off;
master_process on;
worker_processes 1;
pid ${ctx.runDir}/nginx-${tag}.pid;
error_log ${ctx.runDir}/logs/nginx-${tag}.error.log warn;
events { worker_connections 8192; multi_accept on; }
`;
}

function nginxHttpCommon(ctx: RenderContext, tag: string): string {
  const tmp = path.join(ctx.runDir, 'tmp', tag);
  return `  access_log off;
  keepalive_timeout 75s;
  keepalive_requests 10000000;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
`;
}

export function renderUpstream(ctx: RenderContext): string {
  return write(
    ctx,
    'nginx-upstream.conf',
    `${nginxCommon(ctx, 'upstream')}http {
${nginxHttpCommon(ctx, 'upstream')}  default_type text/plain;
  server {
    listen 127.0.0.1:${UPSTREAM_PORT} backlog=4096;
    location / { return 200 "${APP_BODY.slice(0, -1)}\\n"; }
  }
}
`,
  );
}

function nginxPair(ctx: RenderContext, outPort: number, inPort: number): ProcSpec[] {
  const c = ctx.certs;
  // proxy_ignore_client_abort: wrk drops its in-flight requests at the end of every run; without it
  // nginx closes the matching pooled TLS connections and re-handshakes them in the next run.
  const inbound = write(
    ctx,
    'nginx-inbound.conf',
    `${nginxCommon(ctx, 'inbound')}http {
${nginxHttpCommon(ctx, 'inbound')}  upstream app {
    server 127.0.0.1:${UPSTREAM_PORT};
    keepalive 512;
    keepalive_requests 10000000;
    keepalive_timeout 75s;
  }
  server {
    listen 127.0.0.1:${inPort} ssl backlog=4096;
    ssl_certificate ${c.server.crt};
    ssl_certificate_key ${c.server.key};
    ssl_client_certificate ${c.ca};
    ssl_verify_client on;
    ssl_verify_depth 2;
    ssl_protocols TLSv1.3;
    ssl_session_cache off;
    ssl_session_tickets on;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_ignore_client_abort on;
    }
  }
}
`,
  );
  const outbound = write(
    ctx,
    'nginx-outbound.conf',
    `${nginxCommon(ctx, 'outbound')}http {
${nginxHttpCommon(ctx, 'outbound')}  upstream inbound_sidecar {
    server 127.0.0.1:${inPort};
    keepalive 512;
    keepalive_requests 10000000;
    keepalive_timeout 75s;
  }
  server {
    listen 127.0.0.1:${outPort} backlog=4096;
    location / {
      proxy_pass https://inbound_sidecar;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_ssl_certificate ${c.client.crt};
      proxy_ssl_certificate_key ${c.client.key};
      proxy_ssl_trusted_certificate ${c.ca};
      proxy_ssl_verify on;
      proxy_ssl_verify_depth 2;
      proxy_ssl_name localhost;
      proxy_ssl_server_name on;
      proxy_ssl_protocols TLSv1.3;
      proxy_ssl_session_reuse on;
      proxy_ignore_client_abort on;
    }
  }
}
`,
  );
  return [
    { role: 'inbound', kind: 'nginx', port: inPort, config: inbound },
    { role: 'outbound', kind: 'nginx', port: outPort, config: outbound },
  ];
}

function haproxyPair(ctx: RenderContext, outPort: number, inPort: number): ProcSpec[] {
  const c = ctx.certs;
  const defaults = `defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 75s
  timeout server 75s
  timeout http-keep-alive 75s
  maxconn 8000
`;
  const inbound = write(
    ctx,
    'haproxy-inbound.cfg',
    `global
  nbthread 1
  maxconn 8000
  ssl-default-bind-options ssl-min-ver TLSv1.3
  tune.ssl.cachesize 0
${defaults}frontend mtls_in
  bind 127.0.0.1:${inPort} ssl crt ${c.server.pem} ca-file ${c.ca} verify required
  default_backend app
backend app
  server app 127.0.0.1:${UPSTREAM_PORT} pool-max-conn -1
`,
  );
  const outbound = write(
    ctx,
    'haproxy-outbound.cfg',
    `global
  nbthread 1
  maxconn 8000
  ssl-default-server-options ssl-min-ver TLSv1.3
${defaults}frontend plain_in
  bind 127.0.0.1:${outPort}
  default_backend peer
backend peer
  server inbound 127.0.0.1:${inPort} ssl crt ${c.client.pem} ca-file ${c.ca} verify required verifyhost localhost sni str(localhost) pool-max-conn -1
`,
  );
  return [
    { role: 'inbound', kind: 'haproxy', port: inPort, config: inbound },
    { role: 'outbound', kind: 'haproxy', port: outPort, config: outbound },
  ];
}

/** Which filters a meshguard inbound runs, and how. */
interface MeshguardVariant {
  rbac?: boolean;
  waf?: boolean;
  /** Mirror sample rate and sink type. */
  mirror?: { sample: number; sink: 'file' | 'nats' };
}

/** The JetStream stream a nats-mirror topology publishes to (deleted when the bench ends). */
export function natsStreamName(topo: string): string {
  return `MGBENCH_${topo.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;
}

function yamlQuote(s: string): string {
  return JSON.stringify(s);
}

function meshguardPair(ctx: RenderContext, name: string, outPort: number, inPort: number, v: MeshguardVariant, inboundOnly = false): ProcSpec[] {
  const c = ctx.certs;
  const dir = path.join(ctx.runDir, 'mg', name);
  mkdirSync(dir, { recursive: true });
  const files = (id: 'server' | 'client') => `certificates:
  provider: files
  files: { cert: ${yamlQuote(c[id].crt)}, key: ${yamlQuote(c[id].key)}, bundle: ${yamlQuote(c.ca)}, watch: false }
`;
  // Access log off, like the nginx and HAProxy pairs (access_log off / no log lines).
  const common = `trustDomain: ${TRUST_DOMAIN}
log: { level: warn, access: false }
`;
  let inbound = `${common}identity: ${yamlQuote(SERVER_ID)}
${files('server')}inbound:
  listen: 127.0.0.1:${inPort}
  app: http://127.0.0.1:${UPSTREAM_PORT}
admin:
  listen: 127.0.0.1:${inPort + 1}
`;
  const expect: string[] = [];
  if (v.rbac) {
    const policy = writeBenchPolicy(path.join(dir, 'policy.csv'), 1000);
    inbound += `rbac:
  model: ${yamlQuote(path.join(repoRoot, 'policies', 'rbac', 'model.conf'))}
  policy: ${yamlQuote(policy)}
  mode: enforce
`;
    expect.push('rbac');
  }
  if (v.waf) {
    inbound += `waf:
  mode: block
  crs: ${yamlQuote(ctx.crsDir)}
  paranoia: 1
`;
    expect.push('waf');
  }
  if (v.mirror) {
    const sink =
      v.mirror.sink === 'file'
        ? `    - name: bench-file
      type: file
      dir: ${yamlQuote(path.join(dir, 'audit'))}
      signingKey: ${yamlQuote(c.auditKey)}
`
        : `    - name: bench-nats
      type: nats
      url: ${yamlQuote(ctx.natsUrl)}
      stream: ${natsStreamName(name)}
      subject: ${yamlQuote(`mgbench.${name}`)}
      spoolDir: ${yamlQuote(path.join(dir, 'spool'))}
`;
    inbound += `audit:
  sinks:
${sink}  mirror:
    - match: { listener: inbound }
      sample: ${v.mirror.sample}
      sinks: [bench-${v.mirror.sink}]
`;
    expect.push('mirror');
  }
  const outbound = `${common}identity: ${yamlQuote(CLIENT_ID)}
${files('client')}outbound:
  listen: 127.0.0.1:${outPort}
  routes:
    - host: ${ROUTE_HOST}
      endpoints: [127.0.0.1:${inPort}]
      spiffeIds: [${yamlQuote(SERVER_ID)}]
      sni: localhost
admin:
  listen: 127.0.0.1:${outPort + 3}
`;
  const inFile = path.join(dir, 'inbound.yaml');
  const outFile = path.join(dir, 'outbound.yaml');
  writeFileSync(inFile, inbound);
  writeFileSync(outFile, outbound);
  const inSpec: ProcSpec = { role: 'inbound', kind: 'meshguard', port: inPort, config: inFile, adminPort: inPort + 1, expectFilters: expect };
  if (inboundOnly) return [inSpec];
  if (ctx.inboundNoTickets) inSpec.env = { OPENSSL_CONF: noTicketsConf(ctx) };
  return [inSpec, { role: 'outbound', kind: 'meshguard', port: outPort, config: outFile, adminPort: outPort + 3 }];
}

interface TopologyDef {
  label: string;
  runtime: Topology['runtime'];
  hsOnly?: boolean;
  build?: (ctx: RenderContext, name: string, out: number, inb: number) => ProcSpec[];
  out?: number;
}

const mg = (v: MeshguardVariant) => (ctx: RenderContext, name: string, out: number, inb: number) => meshguardPair(ctx, name, out, inb, v);

/** Ports: outbound N, inbound N+1, inbound admin N+2, outbound admin N+3 (meshguard). */
const DEFS: Record<string, TopologyDef> = {
  direct: { label: 'direct (wrk → app)', runtime: 'none' },
  nginx: { label: 'nginx 1.22 pair', runtime: 'native', out: 19101, build: (ctx, _n, o, i) => nginxPair(ctx, o, i) },
  haproxy: { label: 'HAProxy 2.6 pair', runtime: 'native', out: 19201, build: (ctx, _n, o, i) => haproxyPair(ctx, o, i) },
  'mg-mtls': { label: 'meshguard (a) mTLS only', runtime: 'node', out: 19301, build: mg({}) },
  'mg-rbac': { label: 'meshguard (b) + RBAC 1,000 lines', runtime: 'node', out: 19311, build: mg({ rbac: true }) },
  'mg-waf': { label: 'meshguard (c) + WAF CRS PL1', runtime: 'node', out: 19321, build: mg({ rbac: true, waf: true }) },
  'mg-full': { label: 'meshguard (d) + 100% mirror to file', runtime: 'node', out: 19331, build: mg({ rbac: true, waf: true, mirror: { sample: 1, sink: 'file' } }) },
  // Issue 6: the mirror's cost on its own (mTLS + mirror, no RBAC/WAF); mirror off is mg-mtls.
  'mg-mirror10': { label: 'meshguard mTLS + 10% mirror to file', runtime: 'node', out: 19341, build: mg({ mirror: { sample: 0.1, sink: 'file' } }) },
  'mg-mirror100': { label: 'meshguard mTLS + 100% mirror to file', runtime: 'node', out: 19351, build: mg({ mirror: { sample: 1, sink: 'file' } }) },
  'mg-nats100': { label: 'meshguard mTLS + 100% mirror to nats', runtime: 'node', out: 19361, build: mg({ mirror: { sample: 1, sink: 'nats' } }) },
  // Handshake runs: a meshguard inbound (mTLS only) exactly as configured, session tickets as Node issues them.
  'mg-hs': { label: 'meshguard inbound (mTLS only)', runtime: 'node', hsOnly: true, out: 19371, build: (ctx, name, o, i) => meshguardPair(ctx, name, o, i, {}, true) },
  // The same inbound started as `node bin/meshguard.js` would, without the launcher's process flags.
  'mg-hs-plain': { label: 'meshguard inbound (mTLS only), no launcher flags', runtime: 'node', hsOnly: true, out: 19381, build: (ctx, name, o, i) => meshguardPair(ctx, name, o, i, {}, true).map((p) => ({ ...p, plainNode: true })) },
};

export const TOPOLOGY_NAMES = Object.keys(DEFS);

/**
 * The node flags bin/meshguard.js starts a sidecar with: the NODE_FLAGS of its sh line, and the
 * OpenSSL config unless OPENSSL_CONF is set in `env`. The bench starts its own build (bench/mg-run.js)
 * with these, so it measures what `meshguard run` runs.
 */
export function launcherNodeFlags(env: Record<string, string | undefined>): string[] {
  const text = readFileSync(path.join(repoRoot, 'bin', 'meshguard.js'), 'utf8');
  const m = /NODE_FLAGS="([^"]*)"/.exec(text);
  if (!m) throw new Error('bin/meshguard.js: no NODE_FLAGS="..." on its sh line');
  const flags = m[1]!.split(' ').filter(Boolean);
  if (!env['OPENSSL_CONF']) flags.push(`--openssl-config=${path.join(repoRoot, 'src', 'tls', 'openssl-server.cnf')}`);
  return flags;
}

/** `mg-mtls@b`: the same meshguard topology run from a second build (`MG_B_DIST`), for A/B runs of a change. */
export const B_SUFFIX = '@b';
const B_PORT_OFFSET = 1000;

export function isKnownTopology(name: string): boolean {
  const base = name.endsWith(B_SUFFIX) ? name.slice(0, -B_SUFFIX.length) : name;
  const d = DEFS[base];
  return d !== undefined && (base === name || d.runtime === 'node');
}

export function buildTopology(ctx: RenderContext, name: string): Topology {
  const b = name.endsWith(B_SUFFIX);
  const base = b ? name.slice(0, -B_SUFFIX.length) : name;
  const d = DEFS[base];
  if (!d || (b && d.runtime !== 'node')) throw new Error(`unknown topology ${name} (known: ${TOPOLOGY_NAMES.join(', ')}; meshguard ones also as NAME${B_SUFFIX} with MG_B_DIST)`);
  if (!d.build || d.out === undefined) return { name, label: d.label, entry: UPSTREAM_PORT, procs: [], runtime: d.runtime };
  const out = d.out + (b ? B_PORT_OFFSET : 0);
  // The meshguard inbound's admin listener takes inbound+1, hence the gap of 4 per pair.
  const inPort = out + 1;
  let procs = d.build(ctx, name.replace(B_SUFFIX, '-b'), out, inPort);
  if (b) procs = procs.map((p) => ({ ...p, build: 'b' as const }));
  return { name, label: b ? `${d.label} [B]` : d.label, entry: out, inbound: inPort, procs, runtime: d.runtime, ...(d.hsOnly ? { hsOnly: true } : {}) };
}

export function defaultCrsDir(): string {
  return path.join(sharedDir, 'crs');
}
