import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { newEnforcer } from 'casbin';
import { repoRoot } from '../../../src/paths.js';
import { writeBenchPolicy } from '../../../bench/policy-gen.js';
import { CLIENT_ID } from '../../../bench/certs.js';

test('bench policy: exactly the lines asked for, and casbin allows only what the bench sends', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-policy-'));
  try {
    const file = writeBenchPolicy(path.join(dir, 'policy.csv'), 1000);
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    assert.equal(lines.length, 1000);
    assert.ok(lines.filter((l) => l.startsWith('p,')).length > 700);
    assert.ok(lines.some((l) => l.endsWith(', deny')));
    const e = await newEnforcer(path.join(repoRoot, 'policies', 'rbac', 'model.conf'), file);
    assert.equal(await e.enforce(CLIENT_ID, '/', 'GET'), true);
    assert.equal(await e.enforce(CLIENT_ID, '/', 'POST'), false);
    assert.equal(await e.enforce(CLIENT_ID, '/api/v1/res-0/7', 'GET'), false);
    // A generated service gets its role's rules: svc-0 holds role-0, which allows GET /api/v1/res-0/:id.
    assert.equal(await e.enforce('spiffe://example.org/ns/team-0/sa/svc-0', '/api/v1/res-0/7', 'GET'), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
