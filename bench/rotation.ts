/**
 * Rotation bench: how long after the certificate manager emits a new certificate does the first
 * handshake present it, and what does a rotation cost the requests that overlap it?
 *
 *   node dist/bench/rotation.js [--seconds 15] [--ttl 2] [--concurrency 4] [--json]
 *
 * A kms-mock, two KMS providers (server and client identity), a TLS server that swaps contexts with
 * setSecureContext on every new certificate (as the sidecar's inbound does), and client loops that
 * open a new mTLS connection per request. Each request's time covers connect + handshake + one
 * round trip; a request "overlaps" a rotation when a new certificate was emitted while it ran.
 * The first figure is bounded below by one handshake: connections already in flight at the swap
 * finish with the context they started with.
 */
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { startKmsMock } from '../kms-mock/server.js';
import { createKmsProvider } from '../src/identity/kms-provider.js';
import { silentLogger } from '../src/log.js';
import type { MeshguardConfig } from '../src/config/types.js';
import type { CertificateMaterial } from '../src/identity/provider.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

async function main(): Promise<void> {
  const seconds = arg('seconds', 15);
  const ttl = arg('ttl', 2);
  const concurrency = arg('concurrency', 4);
  const json = process.argv.includes('--json');
  const dir = await mkdtemp(path.join(tmpdir(), 'mg-bench-rot-'));
  const kms = await startKmsMock({ listen: '127.0.0.1:0', stateDir: dir, trustDomain: 'example.org', ttl });
  const cfg = (id: string): MeshguardConfig => ({
    trustDomain: 'example.org',
    identity: id,
    certificates: {
      provider: 'kms',
      kms: { adapter: 'mock', url: kms.url, ca: kms.caFile, tokenFile: kms.tokenFile, ttl, timeout: '2s', bundleRefresh: '1s' },
      rotation: { at: 0.5, jitter: 0.1 },
    },
  });
  const server = createKmsProvider({ config: cfg('spiffe://example.org/ns/bench/sa/server'), configDir: dir, logger: silentLogger, metrics: new Registry() });
  const client = createKmsProvider({ config: cfg('spiffe://example.org/ns/bench/sa/client'), configDir: dir, logger: silentLogger, metrics: new Registry() });
  await Promise.all([server.start(), client.start()]);

  const ctx = (m: CertificateMaterial): tls.SecureContextOptions => ({ cert: m.certChainPem, key: m.keyPem, ca: m.trustBundlePem });
  const tlsServer = tls.createServer({ ...ctx(server.current()!), requestCert: true, rejectUnauthorized: true }, (s) => s.once('data', () => s.end('pong')));
  const emitted: Array<{ serial: string; at: number }> = [];
  server.subscribe((m) => {
    if (emitted.at(-1)?.serial === m.serial) return; // a bundle-only change
    const at = performance.now();
    tlsServer.setSecureContext(ctx(m));
    emitted.push({ serial: m.serial, at });
  });
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
  const port = (tlsServer.address() as AddressInfo).port;

  const reqs: Array<{ start: number; end: number; serial: string; ok: boolean }> = [];
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      const m = client.current()!;
      const start = performance.now();
      await new Promise<void>((resolve) => {
        let serial = '';
        const s = tls.connect({ host: '127.0.0.1', port, cert: m.certChainPem, key: m.keyPem, ca: m.trustBundlePem, checkServerIdentity: () => undefined }, () => {
          serial = s.getPeerX509Certificate()?.serialNumber ?? '';
          s.write('ping');
        });
        s.once('data', () => {
          reqs.push({ start, end: performance.now(), serial, ok: true });
          s.destroy();
          resolve();
        });
        s.once('error', () => {
          reqs.push({ start, end: performance.now(), serial, ok: false });
          resolve();
        });
      });
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  running = false;
  await Promise.all(loops);

  const firstUse: number[] = [];
  for (const e of emitted) {
    const first = reqs.filter((q) => q.ok && q.serial.toLowerCase() === e.serial.toLowerCase() && q.end >= e.at).sort((a, b) => a.end - b.end)[0];
    if (first) firstUse.push(first.end - e.at);
  }
  // Connections opened after a swap that still got an older certificate (should be none).
  let staleAfterSwap = 0;
  for (let i = 0; i < emitted.length; i++) {
    const e = emitted[i]!;
    const next = emitted[i + 1]?.at ?? Infinity;
    // A connection begun just before the next swap may be accepted after it and get the newer one: fine.
    const stale = reqs.filter((q) => q.ok && q.start > e.at && q.start < next && emitted.findIndex((x) => x.serial.toLowerCase() === q.serial.toLowerCase()) < i);
    staleAfterSwap += stale.length;
  }
  const overlaps = (q: { start: number; end: number }) => emitted.some((e) => e.at >= q.start && e.at <= q.end);
  const over = reqs.filter((q) => q.ok && overlaps(q)).map((q) => q.end - q.start);
  const clear = reqs.filter((q) => q.ok && !overlaps(q)).map((q) => q.end - q.start);
  const result = {
    seconds,
    ttl,
    concurrency,
    rotations: emitted.length,
    requests: reqs.length,
    failed: reqs.filter((q) => !q.ok).length,
    newCertToFirstHandshakeMs: { n: firstUse.length, p50: r2(pct(firstUse, 50)), p99: r2(pct(firstUse, 99)), max: r2(Math.max(...firstUse)) },
    connectionsOpenedAfterSwapWithOldCert: staleAfterSwap,
    requestMsOverlappingRotation: { n: over.length, p50: r2(pct(over, 50)), p99: r2(pct(over, 99)) },
    requestMsWithoutRotation: { n: clear.length, p50: r2(pct(clear, 50)), p99: r2(pct(clear, 99)) },
  };
  if (json) console.log(JSON.stringify(result));
  else {
    console.log(`rotation bench: ${result.rotations} rotations in ${seconds}s (TTL ${ttl}s), ${result.requests} mTLS requests (new connection each, ${concurrency} loops), ${result.failed} failed`);
    console.log(`  new certificate → first handshake presenting it: p50 ${result.newCertToFirstHandshakeMs.p50} ms, p99 ${result.newCertToFirstHandshakeMs.p99} ms, max ${result.newCertToFirstHandshakeMs.max} ms (n=${firstUse.length})`);
    console.log(`  connections opened after a swap that still got the old certificate: ${staleAfterSwap}`);
    console.log(`  request latency overlapping a rotation: p50 ${result.requestMsOverlappingRotation.p50} ms, p99 ${result.requestMsOverlappingRotation.p99} ms (n=${over.length})`);
    console.log(`  request latency without one:           p50 ${result.requestMsWithoutRotation.p50} ms, p99 ${result.requestMsWithoutRotation.p99} ms (n=${clear.length})`);
  }
  tlsServer.close();
  await server.stop();
  await client.stop();
  await kms.close();
  await rm(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
