import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main.js';
import { repoRoot, sharedDir } from '../../../src/paths.js';

const corpus = path.join(sharedDir, 'waf-corpus', 'crs-regression.jsonl');

async function cli(args: string[]): Promise<number> {
  const code = await main(args);
  process.exitCode = 0;
  return code;
}

test('meshguard waf test: exit 0 when the tests pass, 1 when one fails, 3 on bad input; waf lint names file and line', { skip: !existsSync(corpus) && 'no corpus' }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'meshguard-waf-cli-'));
  const lines = (await readFile(corpus, 'utf8')).split('\n').filter((l) => l.includes('"id": "942100-1"') || l.includes('"id": "911100-1"'));
  assert.equal(lines.length, 2);
  const small = path.join(dir, 'small.jsonl');
  await writeFile(small, lines.join('\n') + '\n');
  assert.equal(await cli(['waf', 'test', '--corpus', small, '--json']), 0);
  const rm = path.join(dir, 'rm.conf');
  await writeFile(rm, 'SecRuleRemoveById 942100\n');
  assert.equal(await cli(['waf', 'test', '--corpus', small, '--rules', rm]), 1);
  // an excused test with its reason turns the failure into a pass of the run
  const excused = path.join(dir, 'excused.json');
  await writeFile(excused, JSON.stringify([{ id: '942100-1', reason: 'removed on purpose in this test' }]));
  assert.equal(await cli(['waf', 'test', '--corpus', small, '--rules', rm, '--excused', excused]), 0);
  await writeFile(excused, JSON.stringify([{ id: '942100-1' }]));
  assert.equal(await cli(['waf', 'test', '--corpus', small, '--excused', excused]), 3, 'an excuse needs a reason');
  assert.equal(await cli(['waf', 'test', '--corpus', path.join(dir, 'missing.jsonl')]), 3);
  const bad = path.join(dir, 'bad.conf');
  await writeFile(bad, 'SecRule ARGS "@rx ok" "id:1,phase:2,pass"\nSecRule ARGS "@rx (?<=x)" "id:2,phase:2,pass"\n');
  assert.equal(await cli(['waf', 'lint', bad]), 3);
  assert.equal(await cli(['waf', 'lint', path.join(repoRoot, 'policies', 'waf', '20-attacks.conf')]), 0);
});
