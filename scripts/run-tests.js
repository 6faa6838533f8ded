#!/usr/bin/env node
// Runs every compiled test file under node:test. `node scripts/run-tests.js unit/rbac` runs only the
// files whose path contains one of the given words. The node:test summary is the last thing printed.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = process.env.MESHGUARD_OUT_DIR ?? 'dist';
const testRoot = join(root, outDir, 'test');

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = walk(testRoot)
  .filter((f) => filters.length === 0 || filters.some((w) => relative(testRoot, f).includes(w)))
  .sort();
if (files.length === 0) {
  console.error(`no test files under ${testRoot}${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}
const concurrency = process.env.MESHGUARD_TEST_CONCURRENCY ?? '2';
const res = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit', cwd: root });
process.exit(res.status ?? 1);
