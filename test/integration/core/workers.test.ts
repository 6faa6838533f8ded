import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rename, writeFile, mkdtemp } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { makeTestPki } from '../../helpers/pki.js';
import { startEchoApp } from '../../helpers/apps.js';
import { httpReq, metricValue, mtlsGet } from '../../helpers/client.js';
import { repoRoot } from '../../../src/paths.js';
import { connect as tlsConnect } from 'node:tls';

/**
 * Opens `n` connections offering one TLS session (taken from a first full handshake with a request on
 * it, so the ticket has arrived) and counts how many resumed it.
 */
async function resumedOf(port: number, client: { certPem: string; keyPem: string }, ca: string, n: number): Promise<number> {
  const open = (session?: Buffer) =>
    new Promise<{ reused: boolean; session: Buffer | undefined }>((resolve, reject) => {
      let ticket: Buffer | undefined;
      const s = tlsConnect({ port, host: '127.0.0.1', cert: client.certPem, key: client.keyPem, ca, checkServerIdentity: () => undefined, ...(session ? { session } : {}) });
      s.on('session', (t: Buffer) => (ticket = t));
      s.on('error', reject);
      s.on('secureConnect', () => s.write('GET / HTTP/1.1\r\nHost: svc\r\n\r\n'));
      s.once('data', () => {
        const reused = s.isSessionReused();
        s.destroy();
        resolve({ reused, session: ticket });
      });
    });
  const first = await open();
  assert.ok(first.session, 'the server issued a session ticket');
  let resumed = 0;
  for (let i = 0; i < n; i++) if ((await open(first.session)).reused) resumed++;
  return resumed;
}

const TD = 'example.org';
const SVC = 'spiffe://example.org/ns/t/sa/svc';
const stops: Array<() => Promise<void>> = [];
after(async () => {
  for (const s of stops.reverse()) await s();
});


test('workers: 2 share the listener; one provider feeds both; rotation reaches both; admin aggregates; SIGTERM drains', async () => {
  const pki = await makeTestPki(TD);
  const app = await startEchoApp();
  stops.push(() => app.close());
  const svc = await pki.leaf('svc', { uris: [SVC] });
  const client = await pki.leaf('client', { uris: ['spiffe://example.org/ns/t/sa/client'] });
  const dir = await mkdtemp(path.join(tmpdir(), 'meshguard-workers-'));
  const file = path.join(dir, 'meshguard.yaml');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const adminPort = port + 1;
  await writeFile(
    file,
    stringify({
      trustDomain: TD,
      identity: SVC,
      workers: 2,
      certificates: { provider: 'files', files: { cert: svc.cert, key: svc.key, bundle: pki.bundle } },
      inbound: { listen: `127.0.0.1:${port}`, app: `http://127.0.0.1:${app.port}` },
      admin: { listen: `127.0.0.1:${adminPort}` },
    }),
  );
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'meshguard.js'), 'run', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  stops.push(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  let ready = { status: 0, body: '' };
  for (let i = 0; i < 200 && ready.status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 50));
    ready = await httpReq({ port: adminPort, path: '/ready' }).catch(() => ({ status: 0, body: '', headers: {} }));
  }
  assert.equal(ready.status, 200, out);
  assert.equal(JSON.parse(ready.body).workers, 2);

  const first = await mtlsGet(port, client, pki.ca.certPem);
  const N = 60;
  for (let i = 0; i < N - 1; i++) assert.equal((await mtlsGet(port, client, pki.ca.certPem)).status, 200);
  assert.equal(await metricValue(adminPort, 'meshguard_requests_total', { listener: 'inbound', status: '200' }), N, 'admin sums both workers');
  const workersSeen = new Set(out.split('\n').filter((l) => l.includes('"type":"access"')).map((l) => JSON.parse(l).worker));
  assert.equal(workersSeen.size, 2, `both workers served requests (${[...workersSeen].join(',')})`);

  // One set of ticket keys for both workers: a session resumes on whichever worker the connection lands on.
  assert.equal(await resumedOf(port, client, pki.ca.certPem, 8), 8, 'every connection resumed, on either worker');

  const next = await pki.leaf('svc-next', { uris: [SVC] });
  await rename(next.key, svc.key);
  await rename(next.cert, svc.cert);
  let certs = { serial: first.serial };
  for (let i = 0; i < 100 && certs.serial === first.serial; i++) {
    await new Promise((r) => setTimeout(r, 50));
    certs = JSON.parse((await httpReq({ port: adminPort, path: '/certs' })).body);
  }
  assert.notEqual(certs.serial, first.serial);
  // The primary has it; each worker gets it over IPC. Wait until 20 new connections in a row (spread
  // over both workers by the cluster's round robin) all present it, for at most 10 s.
  let serials = new Set<string>();
  for (let attempt = 0; attempt < 50; attempt++) {
    serials = new Set<string>();
    for (let i = 0; i < 20; i++) serials.add((await mtlsGet(port, client, pki.ca.certPem)).serial);
    if (serials.size === 1 && serials.has(certs.serial)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual([...serials], [certs.serial], 'every worker presents the new certificate');
  assert.equal(await resumedOf(port, client, pki.ca.certPem, 4), 4, 'ticket keys survive the certificate rotation');

  const reload = await httpReq({ port: adminPort, path: '/reload', method: 'POST' });
  assert.equal(reload.status, 200);
  assert.equal(JSON.parse(reload.body).workers.length, 2);

  app.delayMs = 800;
  const inflight = mtlsGet(port, client, pki.ca.certPem);
  await new Promise((r) => setTimeout(r, 200));
  child.kill('SIGTERM');
  assert.equal((await inflight).status, 200);
  assert.equal(await exited, 0);
});
