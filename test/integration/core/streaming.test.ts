import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeTestPki } from '../../helpers/pki.js';
import { startTestSidecar, addr } from '../../helpers/mesh.js';
import type { Sidecar } from '../../../src/sidecar.js';

const TD = 'example.org';
const A = 'spiffe://example.org/ns/t/sa/a';
const B = 'spiffe://example.org/ns/t/sa/b';
const stops: Array<() => Promise<void>> = [];
after(async () => {
  for (const s of stops.reverse()) await s();
});

test('1 GB streams through outbound → mTLS → inbound → app with bounded memory, both ways', async () => {
  const pki = await makeTestPki(TD);
  // The app counts the upload and answers with a download of the same size, generated on the fly.
  const app = createServer((req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => {
      res.writeHead(200, { 'x-received': String(n) });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let left = Number(req.headers['x-want'] ?? 0);
      const pump = () => {
        while (left > 0) {
          const c = left >= chunk.length ? chunk : chunk.subarray(0, left);
          left -= c.length;
          if (!res.write(c)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
  stops.push(() => new Promise((r) => app.close(() => r())));
  const b = await pki.leaf('b', { uris: [B] });
  const a = await pki.leaf('a', { uris: [A] });
  const inbound: Sidecar = (await startTestSidecar({ trustDomain: TD, identity: B, certificates: { provider: 'files', files: { cert: b.cert, key: b.key, bundle: pki.bundle } }, inbound: { listen: '127.0.0.1:0', app: `http://127.0.0.1:${(app.address() as AddressInfo).port}` } })).sidecar;
  stops.push(() => inbound.stop({ drainTimeoutMs: 0 }));
  const outbound: Sidecar = (await startTestSidecar({ trustDomain: TD, identity: A, certificates: { provider: 'files', files: { cert: a.cert, key: a.key, bundle: pki.bundle } }, outbound: { listen: '127.0.0.1:0', routes: [{ host: 'b', endpoints: [addr(inbound.inboundAddress)], spiffeIds: [B] }] } })).sidecar;
  stops.push(() => outbound.stop({ drainTimeoutMs: 0 }));

  const total = 1024 * 1024 * 1024;
  const half = total / 2;
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const result = await new Promise<{ status: number; received: string | undefined; downloaded: number }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: outbound.outboundAddress!.port, method: 'POST', path: '/upload', headers: { host: 'b', 'x-want': String(half), 'content-length': String(half) } }, (res) => {
      let downloaded = 0;
      res.on('data', (c: Buffer) => (downloaded += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, received: res.headers['x-received'] as string | undefined, downloaded }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(256 * 1024, 0x62);
    let left = half;
    const pump = () => {
      while (left > 0) {
        const c = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= c.length;
        if (!req.write(c)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
  clearInterval(sampler);
  assert.equal(result.status, 200);
  assert.equal(result.received, String(half), 'the app received every uploaded byte');
  assert.equal(result.downloaded, half, 'the caller received every downloaded byte');
  const growthMb = (peak - baseline) / 1024 / 1024;
  // Both sidecars, the app and the client share this process; buffering 512 MB anywhere would show.
  assert.ok(growthMb < 200, `RSS grew by ${growthMb.toFixed(0)} MB while streaming 1 GB`);
});
