import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../../src/paths.js';
import { createRootCa, issueCert } from '../../../src/tls/dev-pki.js';
import { launcherNodeFlags } from '../../../bench/topologies.js';

const bin = path.join(repoRoot, 'bin', 'meshguard.js');
const cnf = path.join(repoRoot, 'src', 'tls', 'openssl-server.cnf');

/** Runs bin/meshguard.js as a program with a `node` on PATH that prints its arguments, one a line. */
function launcherArgs(env: Record<string, string>, ...args: string[]): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mg-launcher-'));
  try {
    writeFileSync(path.join(dir, 'node'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
    chmodSync(path.join(dir, 'node'), 0o755);
    const { OPENSSL_CONF: _drop, ...base } = process.env;
    const r = spawnSync(bin, args, { env: { ...base, PATH: `${dir}:${process.env['PATH'] ?? ''}`, ...env }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('bin/meshguard.js re-executes itself under node with the OpenSSL config, and the bench uses the same flags', () => {
  const args = launcherArgs({}, 'run', '--config', 'a b.yaml');
  assert.deepEqual(args, [...launcherNodeFlags({}), bin, 'run', '--config', 'a b.yaml']);
  assert.ok(args.includes(`--openssl-config=${cnf}`), args.join(' '));
  // Scavenges on the main thread only: a sidecar pinned to (or limited to) one core paid for the
  // hand-off to GC helper threads in pause time (docs/bench.md, "Process flags").
  assert.ok(args.includes('--no-parallel-scavenge'), args.join(' '));
  // A 16 MB young generation (two 8 MB semi-spaces) instead of V8's 32 MB: the largest fixed part of
  // a sidecar's RSS, at no CPU cost measured (docs/bench.md, "Process flags")
  assert.ok(args.includes('--max-semi-space-size=8'), args.join(' '));
});

test("the launcher's semi-space flag holds V8's young generation at 16 MB", () => {
  const script = `
    const v8 = require('node:v8');
    const keep = [];
    // survivors make V8 grow the young generation to its limit
    for (let i = 0; i < 400000; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 50000) keep.splice(0, 25000); }
    const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(String(ns.space_size / 1048576));`;
  const young = (flags: string[]) => {
    const r = spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    return Number(r.stdout);
  };
  assert.ok(young([]) > 16, 'V8 default grows past 16 MB');
  assert.ok(young(launcherNodeFlags({}).filter((f) => !f.startsWith('--openssl-config'))) <= 16);
});

test('an OPENSSL_CONF set by the operator is left in force', () => {
  const args = launcherArgs({ OPENSSL_CONF: '/etc/ssl/fips.cnf' }, 'run');
  assert.ok(!args.some((a) => a.startsWith('--openssl-config')), args.join(' '));
  assert.deepEqual(args, [...launcherNodeFlags({ OPENSSL_CONF: '/etc/ssl/fips.cnf' }), bin, 'run']);
});

/** Counts the TLS 1.3 session tickets a Node server with a required client certificate sends in one handshake. */
async function ticketsPerHandshake(nodeFlags: string[]): Promise<number> {
  const ca = await createRootCa({ commonName: 'tickets' });
  const server = await issueCert(ca, { uris: ['spiffe://example.org/server'], dnsNames: ['localhost'] });
  const client = await issueCert(ca, { uris: ['spiffe://example.org/client'] });
  const script = `
    import tls from 'node:tls';
    const e = process.env;
    const srv = tls.createServer({ cert: e.S_CERT, key: e.S_KEY, ca: e.CA, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' }, (s) => setTimeout(() => s.end('x'), 50));
    srv.listen(0, '127.0.0.1', () => {
      let n = 0;
      const c = tls.connect({ port: srv.address().port, host: '127.0.0.1', servername: 'localhost', cert: e.C_CERT, key: e.C_KEY, ca: e.CA });
      c.on('session', () => n++);
      c.on('error', (err) => { console.error(err.message); process.exit(2); });
      c.on('close', () => { process.stdout.write(String(n)); srv.close(); });
      c.resume();
    });`;
  const { OPENSSL_CONF: _drop, ...base } = process.env;
  const r = spawnSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', script], {
    env: { ...base, CA: ca.certPem, S_CERT: server.certPem, S_KEY: server.keyPem, C_CERT: client.certPem, C_KEY: client.keyPem },
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout);
}

test("the launcher's OpenSSL config makes a server send one session ticket instead of two", async () => {
  assert.equal(await ticketsPerHandshake([]), 2, "OpenSSL's default");
  assert.equal(await ticketsPerHandshake([`--openssl-config=${cnf}`]), 1);
});
