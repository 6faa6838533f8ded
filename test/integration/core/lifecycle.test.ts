import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { rename, writeFile, mkdtemp } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { makeTestPki } from '../../helpers/pki.js';
import { startEchoApp } from '../../helpers/apps.js';
import { startTestSidecar } from '../../helpers/mesh.js';
import { httpReq, mtlsGet } from '../../helpers/client.js';
import { repoRoot } from '../../../src/paths.js';

const TD = 'example.org';
const SVC = 'spiffe://example.org/ns/t/sa/svc';
const CLIENT = 'spiffe://example.org/ns/t/sa/client';
const stops: Array<() => Promise<void>> = [];
after(async () => {
  for (const s of stops.reverse()) await s();
});


test('replaced certificate files: new handshakes use the new certificate, an open keep-alive connection keeps working', async () => {
  const pki = await makeTestPki(TD);
  const app = await startEchoApp();
  stops.push(() => app.close());
  const svc = await pki.leaf('svc', { uris: [SVC] });
  const client = await pki.leaf('client', { uris: [CLIENT] });
  const { sidecar } = await startTestSidecar({
    trustDomain: TD,
    identity: SVC,
    certificates: { provider: 'files', files: { cert: svc.cert, key: svc.key, bundle: pki.bundle } },
    inbound: { listen: '127.0.0.1:0', app: `http://127.0.0.1:${app.port}` },
    admin: { listen: '127.0.0.1:0' },
  });
  stops.push(() => sidecar.stop({ drainTimeoutMs: 0 }));
  const port = sidecar.inboundAddress!.port;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  stops.push(async () => agent.destroy());
  const first = await mtlsGet(port, client, pki.ca.certPem, agent);
  assert.equal(first.status, 200);

  // Replace both files the way cert-manager or SPIRE helpers do: write aside, then rename over.
  const next = await pki.leaf('svc-next', { uris: [SVC] });
  await rename(next.key, svc.key);
  await rename(next.cert, svc.cert);
  let certs: { serial: string } = { serial: first.serial };
  for (let i = 0; i < 100 && certs.serial === first.serial; i++) {
    await new Promise((r) => setTimeout(r, 50));
    certs = JSON.parse((await httpReq({ port: sidecar.adminAddress!.port, path: '/certs' })).body);
  }
  assert.notEqual(certs.serial, first.serial, '/certs shows the new serial');

  const fresh = await mtlsGet(port, client, pki.ca.certPem, false);
  assert.equal(fresh.status, 200);
  assert.equal(fresh.serial, certs.serial, 'a new handshake presents the new certificate');

  const again = await mtlsGet(port, client, pki.ca.certPem, agent);
  assert.equal(again.status, 200);
  assert.equal(again.socket, first.socket, 'the same keep-alive connection served it');

  // A broken replacement is refused and the current certificate stays.
  await writeFile(svc.cert, '-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n');
  await new Promise((r) => setTimeout(r, 600));
  const still = JSON.parse((await httpReq({ port: sidecar.adminAddress!.port, path: '/certs' })).body);
  assert.equal(still.serial, certs.serial);
  assert.ok(still.lastError, 'the failure is reported in /certs');
  assert.equal((await mtlsGet(port, client, pki.ca.certPem, false)).status, 200);
});

test('SIGTERM: stop accepting, finish the in-flight request, exit 0', async () => {
  const pki = await makeTestPki(TD);
  const app = await startEchoApp();
  app.delayMs = 1500;
  stops.push(() => app.close());
  const svc = await pki.leaf('svc', { uris: [SVC] });
  const client = await pki.leaf('client', { uris: [CLIENT] });
  const dir = await mkdtemp(path.join(tmpdir(), 'meshguard-sigterm-'));
  const file = path.join(dir, 'meshguard.yaml');
  // A fixed high port: the child picks it; 0 would hide which port it chose.
  const port = 20000 + Math.floor(Math.random() * 20000);
  await writeFile(
    file,
    stringify({
      trustDomain: TD,
      identity: SVC,
      certificates: { provider: 'files', files: { cert: svc.cert, key: svc.key, bundle: pki.bundle } },
      inbound: { listen: `127.0.0.1:${port}`, app: `http://127.0.0.1:${app.port}` },
      limits: { drainTimeout: '10s' },
      log: { level: 'info' },
    }),
  );
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'meshguard.js'), 'run', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  for (let i = 0; i < 100 && !out.includes('meshguard sidecar started'); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(out.includes('meshguard sidecar started'), out);

  const inflight = mtlsGet(port, client, pki.ca.certPem, false);
  await new Promise((r) => setTimeout(r, 400));
  child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  await assert.rejects(mtlsGet(port, client, pki.ca.certPem, false), () => true, 'new connections are refused while draining');
  const r = await inflight;
  assert.equal(r.status, 200, 'the in-flight request completed');
  assert.equal(await exited, 0);
  assert.match(out, /"drained":true/);
});

test('limits: connections beyond maxConnections are closed; a socket serves at most maxRequestsPerSocket requests', async () => {
  const pki = await makeTestPki(TD);
  const app = await startEchoApp();
  stops.push(() => app.close());
  const svc = await pki.leaf('svc2', { uris: [SVC] });
  const { sidecar } = await startTestSidecar({
    trustDomain: TD,
    identity: SVC,
    certificates: { provider: 'files', files: { cert: svc.cert, key: svc.key, bundle: pki.bundle } },
    outbound: { listen: '127.0.0.1:0', routes: [] },
    limits: { maxConnections: 2, maxRequestsPerSocket: 3 },
  });
  stops.push(() => sidecar.stop({ drainTimeoutMs: 0 }));
  const { connect } = await import('node:net');
  const port = sidecar.outboundAddress!.port;
  const open = () =>
    new Promise<import('node:net').Socket>((resolve) => {
      const s = connect(port, '127.0.0.1', () => resolve(s));
      s.on('error', () => undefined);
    });
  const held = [await open(), await open()];
  await new Promise((r) => setTimeout(r, 100));
  const third = await open();
  const closed = await new Promise<boolean>((resolve) => {
    third.on('close', () => resolve(true));
    setTimeout(() => resolve(false), 2000);
  });
  assert.ok(closed, 'the third connection is closed');
  for (const s of held) s.destroy();
  await new Promise((r) => setTimeout(r, 100));

  // Four requests on one keep-alive socket: the third answer says close, the fourth needs a new socket.
  const s = await open();
  let text = '';
  s.on('data', (c: Buffer) => (text += c.toString()));
  s.write('GET / HTTP/1.1\r\nHost: nowhere\r\n\r\n'.repeat(4));
  await new Promise<void>((resolve) => s.on('close', () => resolve()));
  assert.equal(text.match(/HTTP\/1\.1 404/g)?.length, 3, 'three answers on the socket');
  assert.match(text, /connection: close/i);
});
