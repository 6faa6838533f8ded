import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, truncate, stat, unlink } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verifyAuditDir, type VerifyReport } from '../../../src/audit/verify.js';
import { listAuditFiles } from '../../../src/audit/audit-files.js';
import { recordHash } from '../../../src/audit/chain.js';
import { signCheckpoint } from '../../../src/audit/checkpoint.js';
import { makeKeys, writeDir, copyDir, readLines, writeLines, type Keys } from './file-helpers.js';

let keys: Keys;
let other: Keys;
let clean: string;
let files: string[];

before(async () => {
  keys = await makeKeys();
  other = await makeKeys();
  clean = await mkdtemp(path.join(tmpdir(), 'mg-audit-clean-'));
  // 40 records, a checkpoint every 5, several files.
  await writeDir(clean, keys.priv, 40, { rotateBytes: 6000, checkpointRecords: 5 }, 4);
  files = await listAuditFiles(clean);
  assert.ok(files.length >= 3);
});

async function tamper(fn: (dir: string) => Promise<void>): Promise<VerifyReport> {
  const dir = await copyDir(clean);
  await fn(dir);
  return verifyAuditDir(dir, keys.pub);
}

/** Line index (0-based) of the record with this seq in the file that holds it. */
async function locate(dir: string, seq: number): Promise<{ file: string; lines: string[]; index: number }> {
  for (const f of await listAuditFiles(dir)) {
    const lines = await readLines(path.join(dir, f));
    const index = lines.findIndex((l) => JSON.parse(l).seq === seq);
    if (index >= 0) return { file: path.join(dir, f), lines, index };
  }
  throw new Error(`seq ${seq} not found`);
}

test('a clean directory verifies', async () => {
  const r = await verifyAuditDir(clean, keys.pub);
  assert.equal(r.ok, true, JSON.stringify(r.firstBad));
  assert.equal(r.records, 40);
});

test('an edited record is named', async () => {
  const r = await tamper(async (dir) => {
    const at = await locate(dir, 17);
    at.lines[at.index] = at.lines[at.index]!.replace('"status":', '"status":1');
    await writeLines(at.file, at.lines);
  });
  assert.equal(r.ok, false);
  assert.equal(r.firstBad?.problem, 'edited');
  assert.equal(r.firstBad?.seq, 17);
});

test('an edit with every hash after it recomputed is caught by the signed checkpoint', async () => {
  const r = await tamper(async (dir) => {
    // The attacker rewrites record 12 and re-chains everything after it, but cannot sign.
    let prev: string | null = null;
    for (const f of await listAuditFiles(dir)) {
      const lines = await readLines(path.join(dir, f));
      const out = lines.map((l) => {
        const o = JSON.parse(l);
        if ('checkpoint' in o || o.seq < 12) { if (!('checkpoint' in o)) prev = o.hash; return l; }
        if (o.seq === 12) o.path = '/innocent';
        o.prevHash = prev;
        o.hash = recordHash(o);
        prev = o.hash;
        return JSON.stringify(o);
      });
      await writeLines(path.join(dir, f), out);
    }
  });
  assert.equal(r.firstBad?.problem, 'checkpoint-mismatch');
  // Named: the first record after the last checkpoint that still holds (everything from there is unproven).
  const lastGood = await (async () => {
    let seq = 0;
    for (const f of files) for (const l of await readLines(path.join(clean, f))) { const o = JSON.parse(l); if ('checkpoint' in o && o.checkpoint.seq < 12) seq = o.checkpoint.seq; }
    return seq;
  })();
  assert.equal(r.firstBad?.seq, lastGood + 1);
});

test('a deleted record is named', async () => {
  const r = await tamper(async (dir) => {
    const at = await locate(dir, 23);
    at.lines.splice(at.index, 1);
    await writeLines(at.file, at.lines);
  });
  assert.equal(r.firstBad?.problem, 'missing');
  assert.equal(r.firstBad?.seq, 23);
});

test('a deleted file in the middle and a deleted last file are caught', async () => {
  const mid = await tamper(async (dir) => { await unlink(path.join(dir, files[1]!)); });
  assert.equal(mid.firstBad?.problem, 'missing');
  const last = await tamper(async (dir) => { await unlink(path.join(dir, files.at(-1)!)); });
  assert.equal(last.firstBad?.problem, 'missing-file');
  const first = await tamper(async (dir) => { await unlink(path.join(dir, files[0]!)); });
  assert.equal(first.firstBad?.problem, 'missing');
  assert.equal(first.firstBad?.seq, 1);
});

test('reordered records are named', async () => {
  const r = await tamper(async (dir) => {
    const at = await locate(dir, 6);
    const next = at.lines.findIndex((l) => JSON.parse(l).seq === 7);
    assert.ok(next > at.index);
    [at.lines[at.index], at.lines[next]] = [at.lines[next]!, at.lines[at.index]!];
    await writeLines(at.file, at.lines);
  });
  assert.equal(r.firstBad?.problem, 'missing'); // 7 found where 6 was expected
  assert.equal(r.firstBad?.seq, 6);
  const swapped = await tamper(async (dir) => {
    const at = await locate(dir, 3);
    const later = at.lines.findIndex((l) => JSON.parse(l).seq === 2);
    at.lines.splice(at.index + 1, 0, at.lines.splice(later, 1)[0]!); // 1,3,2,...
    await writeLines(at.file, at.lines);
  });
  assert.ok(swapped.firstBad?.problem === 'missing' || swapped.firstBad?.problem === 'reordered');
  assert.equal(swapped.firstBad?.seq, 2);
});

test('a truncated tail is caught: cut mid-line, or whole lines with the final checkpoint', async () => {
  const last = files.at(-1)!;
  const cut = await tamper(async (dir) => {
    const f = path.join(dir, last);
    await truncate(f, (await stat(f)).size - 40);
  });
  assert.equal(cut.firstBad?.problem, 'bad-json');
  const lines = await tamper(async (dir) => {
    const f = path.join(dir, last);
    const ls = await readLines(f);
    await writeLines(f, ls.slice(0, -2)); // last record and the shutdown checkpoint gone
  });
  assert.equal(lines.firstBad?.problem, 'unsigned-tail');
  const live = await verifyAuditDir(await (async () => {
    const dir = await copyDir(clean);
    const f = path.join(dir, last);
    const ls = await readLines(f);
    await writeLines(f, ls.slice(0, -1));
    return dir;
  })(), keys.pub, { live: true });
  assert.equal(live.ok, true);
  assert.equal(live.warnings.length, 1);
});

test('a forged checkpoint is caught, and so is a real one moved', async () => {
  const forged = await tamper(async (dir) => {
    const f = path.join(dir, files[0]!);
    const ls = await readLines(f);
    const i = ls.findIndex((l) => 'checkpoint' in JSON.parse(l));
    const cp = JSON.parse(ls[i]!).checkpoint;
    ls[i] = JSON.stringify(await signCheckpoint(cp, other.priv)); // same payload, attacker's key
    await writeLines(f, ls);
  });
  assert.equal(forged.firstBad?.problem, 'forged-checkpoint');
  const edited = await tamper(async (dir) => {
    const f = path.join(dir, files[0]!);
    const text = await readFile(f, 'utf8');
    const ls = text.split('\n');
    const i = ls.findIndex((l) => l.startsWith('{"checkpoint"'));
    const o = JSON.parse(ls[i]!);
    const [h, p, s] = o.jws.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    payload.seq += 1;
    o.jws = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
    ls[i] = JSON.stringify(o);
    await writeFile(f, ls.join('\n'));
  });
  assert.equal(edited.firstBad?.problem, 'forged-checkpoint');
});

const mainJs = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
function cli(args: string[]): { status: number | null; stdout: string } {
  const code = `import { main } from ${JSON.stringify(mainJs)}; process.exitCode = await main(process.argv.slice(1));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout };
}

test('meshguard audit verify: exit 0 on a clean directory, 1 naming the first bad record', async () => {
  const ok = cli(['audit', 'verify', clean, '--key', keys.pubFile]);
  assert.equal(ok.status, 0, ok.stdout);
  assert.match(ok.stdout, /^OK .*40 records/);
  const dir = await copyDir(clean);
  const at = await locate(dir, 5);
  assert.match(at.lines[at.index]!, /"\/orders\/4"/);
  at.lines[at.index] = at.lines[at.index]!.replace('"/orders/4"', '"/orders/44"');
  await writeLines(at.file, at.lines);
  const bad = cli(['audit', 'verify', dir, '--key', keys.pubFile, '--json']);
  assert.equal(bad.status, 1);
  const rep = JSON.parse(bad.stdout) as VerifyReport;
  assert.equal(rep.firstBad?.seq, 5);
  assert.equal(rep.firstBad?.problem, 'edited');
  const wrongKey = cli(['audit', 'verify', clean, '--key', other.pubFile]);
  assert.equal(wrongKey.status, 1);
  assert.match(wrongKey.stdout, /forged-checkpoint/);
});

test('meshguard audit keygen writes a key pair the sink and verify accept', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'mg-keygen-'));
  const out = path.join(dir, 'audit-key.pem');
  const r = cli(['audit', 'keygen', '--out', out, '--json']);
  assert.equal(r.status, 0);
  const { privateKey, publicKey } = JSON.parse(r.stdout);
  assert.equal(publicKey, path.join(dir, 'audit-key.pub.pem'));
  assert.equal(((await stat(privateKey)).mode & 0o777), 0o600);
  assert.equal(cli(['audit', 'keygen', '--out', out]).status, 2); // refuses to overwrite
});

test('a tail cut back exactly to an earlier checkpoint is caught: only a shutdown checkpoint ends a directory', async () => {
  const r = await tamper(async (dir) => {
    const f = path.join(dir, files.at(-1)!);
    const ls = await readLines(f);
    // Keep everything up to the last "records" checkpoint of the last file.
    const cut = ls.map((l) => JSON.parse(l)).map((o, i) => (o.checkpoint?.reason === 'records' ? i : -1)).filter((i) => i >= 0).at(-1)!;
    assert.ok(cut >= 0 && cut < ls.length - 1);
    await writeLines(f, ls.slice(0, cut + 1));
  });
  assert.equal(r.firstBad?.problem, 'unsigned-tail');
});

test('an anchor from an earlier check catches whole files removed from the end, and a rewritten chain', async () => {
  // Two sidecar lives: the second one's file can be deleted without a trace inside the directory.
  const dir = await mkdtemp(path.join(tmpdir(), 'mg-audit-anchor-'));
  await writeDir(dir, keys.priv, 7);
  await writeDir(dir, keys.priv, 4);
  const full = await verifyAuditDir(dir, keys.pub);
  assert.equal(full.ok, true, JSON.stringify(full.firstBad));
  assert.equal(full.lastSeq, 11);
  const anchor = { seq: full.lastSeq!, hash: full.lastHash! };
  const all = await listAuditFiles(dir);
  assert.equal(all.length, 2);
  await unlink(path.join(dir, all[1]!));
  const without = await verifyAuditDir(dir, keys.pub);
  assert.equal(without.ok, true); // the limit of a self-contained log
  const withAnchor = await verifyAuditDir(dir, keys.pub, { anchor });
  assert.equal(withAnchor.firstBad?.problem, 'missing');
  const wrong = await verifyAuditDir(clean, keys.pub, { anchor: { seq: 3, hash: 'f'.repeat(64) } });
  assert.equal(wrong.firstBad?.problem, 'edited');
  assert.equal(wrong.firstBad?.seq, 3);
  const ok = cli(['audit', 'verify', clean, '--key', keys.pubFile]);
  const printed = /--anchor (\d+:[0-9a-f]{64})/.exec(ok.stdout)?.[1];
  assert.ok(printed);
  assert.equal(cli(['audit', 'verify', clean, '--key', keys.pubFile, '--anchor', printed]).status, 0);
  assert.equal(cli(['audit', 'verify', dir, '--key', keys.pubFile, '--anchor', `${anchor.seq}:${anchor.hash}`]).status, 1);
  assert.equal(cli(['audit', 'verify', clean, '--key', keys.pubFile, '--anchor', 'nonsense']).status, 2);
});
