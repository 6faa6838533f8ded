import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpsCall } from '../../../src/kms/https-request.js';
import { startKmsMock } from '../../../kms-mock/server.js';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

function runCli(args: string[]) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(MAIN)}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
  return { child, exit, out: () => out, err: () => err };
}

test('meshguard kms-mock: serves HTTPS with the CA it writes, stops on SIGTERM; state is reused across starts', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'mg-kms-cli-'));
  try {
    const run = runCli(['kms-mock', '--listen', '127.0.0.1:0', '--state', dir, '--trust-domain', 'example.org', '--ttl', '5s', '--json']);
    const deadline = Date.now() + 10_000;
    while (!run.out().includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const summary = JSON.parse(run.out().split('\n')[0]!) as { url: string; caFile: string; tokenFile: string };
    assert.equal(summary.caFile, path.join(dir, 'kms-ca.pem'));
    assert.equal(summary.tokenFile, path.join(dir, 'bootstrap-token'));
    const ca = await readFile(summary.caFile, 'utf8');
    const b = await httpsCall({ method: 'GET', url: new URL('/v1/bundle', summary.url), ca, timeoutMs: 3000 });
    assert.equal(b.status, 200);
    const first = JSON.parse(b.text) as { roots: string[]; sequence: number };
    const token = await readFile(summary.tokenFile, 'utf8');
    run.child.kill('SIGTERM');
    assert.equal(await run.exit, 0);

    // Second start on the same state: same root, same token, same serving CA.
    const again = await startKmsMock({ listen: '127.0.0.1:0', stateDir: dir, trustDomain: 'example.org' });
    try {
      const b2 = JSON.parse((await httpsCall({ method: 'GET', url: new URL('/v1/bundle', again.url), ca, timeoutMs: 3000 })).text) as { roots: string[]; sequence: number };
      assert.deepEqual(b2.roots, first.roots);
      assert.equal(b2.sequence, first.sequence);
      assert.equal(await readFile(again.tokenFile, 'utf8'), token);
    } finally {
      await again.close();
    }

    const bad = runCli(['kms-mock', '--listen', '127.0.0.1:0', '--state', dir, '--trust-domain', 'other.org']);
    assert.equal(await bad.exit, 1);
    assert.match(bad.err(), /belongs to trust domain example\.org/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
