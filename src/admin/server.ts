import { createServer, type Server, type ServerResponse } from 'node:http';
import { X509Certificate } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { Snapshot } from '../snapshot.js';
import type { CertificateProvider } from '../identity/provider.js';
import { splitPemCerts } from '../identity/material.js';
import { redactConfig } from './redact.js';

export type ReloadResult = { ok: true; version: string } | { ok: false; error: string };

/** What the admin endpoints read; a single sidecar and a multi-worker primary supply their own. */
export interface AdminDeps {
  metricsText(): Promise<{ contentType: string; text: string }>;
  configDump(): Promise<unknown>;
  certs(): unknown;
  ready(): { ok: boolean; [key: string]: unknown };
  reload(): Promise<ReloadResult | (ReloadResult & { workers: unknown[] })>;
}

/** /config_dump for one snapshot. */
export function snapshotDump(snap: Snapshot): Record<string, unknown> {
  const filters = (chain: Snapshot['inbound']) => chain.filters.map((f) => ({ name: f.name, ...(f.describe?.() ?? {}) }));
  return {
    version: snap.version,
    builtAt: snap.builtAt.toISOString(),
    config: redactConfig(snap.config),
    filters: { inbound: filters(snap.inbound), outbound: filters(snap.outbound) },
  };
}

export async function registryText(reg: Registry): Promise<{ contentType: string; text: string }> {
  return { contentType: reg.contentType, text: await reg.metrics() };
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export function certsView(provider: CertificateProvider): Record<string, unknown> {
  const m = provider.current();
  const status = provider.status();
  if (!m) return { ready: false, status };
  return {
    spiffeId: m.spiffeId,
    serial: m.serial,
    notBefore: m.notBefore.toISOString(),
    notAfter: m.notAfter.toISOString(),
    secondsToExpiry: Math.floor((m.notAfter.getTime() - Date.now()) / 1000),
    chainLength: splitPemCerts(m.certChainPem).length,
    trustBundle: {
      version: m.bundleVersion ?? null,
      roots: splitPemCerts(m.trustBundlePem).map((pem) => {
        const c = new X509Certificate(pem);
        return { subject: c.subject, serial: c.serialNumber, fingerprint256: c.fingerprint256, notAfter: new Date(c.validTo).toISOString() };
      }),
    },
    ...status,
  };
}

/**
 * Admin endpoints (loopback by default): /ready, /live, /stats/prometheus, /config_dump, /certs and
 * POST /reload. Nothing here shows a key or a token.
 */
export function createAdminServer(deps: AdminDeps): Server {
  return createServer({ connectionsCheckingInterval: 1000, headersTimeout: 5000, requestTimeout: 10_000 }, (req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    if (method === 'GET' && url === '/live') return send(res, 200, { live: true });
    if (method === 'GET' && url === '/ready') {
      const r = deps.ready();
      return send(res, r.ok ? 200 : 503, { ...r, ready: r.ok, ok: undefined });
    }
    if (method === 'GET' && url === '/stats/prometheus') {
      deps.metricsText().then(
        (m) => send(res, 200, m.text, m.contentType),
        (err: Error) => send(res, 500, { error: err.message }),
      );
      return;
    }
    if (method === 'GET' && url === '/config_dump') {
      deps.configDump().then(
        (d) => send(res, 200, d),
        (err: Error) => send(res, 500, { error: err.message }),
      );
      return;
    }
    if (method === 'GET' && url === '/certs') return send(res, 200, deps.certs());
    if (method === 'POST' && url === '/reload') {
      deps.reload().then(
        (r) => send(res, r.ok ? 200 : 400, r),
        (err: Error) => send(res, 500, { ok: false, error: err.message }),
      );
      return;
    }
    send(res, 404, { error: 'not_found', endpoints: ['/ready', '/live', '/stats/prometheus', '/config_dump', '/certs', 'POST /reload'] });
  });
}
