import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureSigningKey } from '../../../src/audit/ensure-key.js';
import { loadSigningKey, loadVerifyKey } from '../../../src/audit/checkpoint.js';

test('ensureSigningKey makes a usable pair once and never replaces it', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'mg-ensure-'));
  const file = path.join(dir, 'sub', 'audit-key.pem');
  const a = await ensureSigningKey(file);
  assert.equal(a.created, true);
  assert.equal(a.publicKey, path.join(dir, 'sub', 'audit-key.pub.pem'));
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  await loadSigningKey(a.privateKey);
  await loadVerifyKey(a.publicKey);
  const before = await readFile(file, 'utf8');
  const b = await ensureSigningKey(file);
  assert.equal(b.created, false);
  assert.equal(await readFile(file, 'utf8'), before);
});
