import { writeFile, access } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadVerifyKey, generateSigningKeyPair } from '../audit/checkpoint.js';
import { publicKeyPath } from '../audit/ensure-key.js';
import { verifyAuditTree } from '../audit/verify.js';

/** `meshguard audit verify DIR --key PUBKEY` and `meshguard audit keygen --out FILE`. */
export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('tamper-evident audit records: verify a directory, make a signing key');

  audit
    .command('verify')
    .description('check the hash chain, sequence continuity and signed checkpoints of an audit directory; exit 1 naming the first bad record')
    .argument('<dir>', 'directory of a file sink (audit-*.jsonl)')
    .requiredOption('--key <pubkey>', 'ES256 public key (PEM) that verifies the checkpoints')
    .option('--live', 'the sink is still writing: records after the last checkpoint are a warning, not a failure')
    .option('--anchor <seq:hash>', 'a record from an earlier check (lastSeq:lastHash of its report) that must still be in the chain')
    .option('--json', 'print the report as JSON')
    .action(async (dir: string, opts: { key: string; live?: boolean; anchor?: string; json?: boolean }) => {
      try {
        let anchor: { seq: number; hash: string } | undefined;
        if (opts.anchor !== undefined) {
          const [seqText, hash] = opts.anchor.split(':');
          const seq = Number(seqText);
          if (!Number.isSafeInteger(seq) || seq < 1 || !hash || hash.length !== 64) throw new Error(`--anchor ${opts.anchor}: expected SEQ:HASH (e.g. 1200:<64 hex digits>)`);
          anchor = { seq, hash };
        }
        const key = await loadVerifyKey(opts.key);
        const tree = await verifyAuditTree(path.resolve(dir), key, { live: opts.live ?? false, ...(anchor ? { anchor } : {}) });
        if (opts.json) {
          // One chain: its report, as always. Several (cluster workers): { ok, reports }.
          process.stdout.write(JSON.stringify(tree.reports.length === 1 ? tree.reports[0] : tree, null, 2) + '\n');
        } else {
          for (const report of tree.reports) {
            if (report.ok) {
              process.stdout.write(`OK ${report.dir}: ${report.records} records (seq ${report.firstSeq ?? '-'}..${report.lastSeq ?? '-'}) in ${report.files} file(s), ${report.checkpoints} signed checkpoint(s)\n`);
              if (report.lastSeq !== null) process.stdout.write(`anchor for the next check: --anchor ${report.lastSeq}:${report.lastHash}\n`);
              for (const w of report.warnings) process.stdout.write(`warning: ${w}\n`);
            } else {
              const b = report.firstBad!;
              process.stdout.write(`FAILED ${report.dir}\n${b.file}:${b.line}: record ${b.seq}: ${b.problem}: ${b.message}\n`);
            }
          }
        }
        process.exitCode = tree.ok ? 0 : 1;
      } catch (err) {
        process.stderr.write(`meshguard audit verify: ${(err as Error).message}\n`);
        process.exitCode = 2;
      }
    });

  audit
    .command('keygen')
    .description('make an ES256 key pair for signing checkpoints: FILE (private, mode 0600) and FILE with .pub.pem')
    .requiredOption('--out <file>', 'private key file to write (PEM, PKCS#8)')
    .option('--force', 'overwrite existing files')
    .option('--json', 'print the written paths as JSON')
    .action(async (opts: { out: string; force?: boolean; json?: boolean }) => {
      const priv = path.resolve(opts.out);
      const pub = publicKeyPath(priv);
      try {
        if (!opts.force) {
          for (const f of [priv, pub]) {
            const exists = await access(f).then(() => true, () => false);
            if (exists) throw new Error(`${f} exists (use --force to overwrite)`);
          }
        }
        const { privatePem, publicPem } = generateSigningKeyPair();
        await writeFile(priv, privatePem, { mode: 0o600 });
        await writeFile(pub, publicPem, { mode: 0o644 });
        if (opts.json) process.stdout.write(JSON.stringify({ privateKey: priv, publicKey: pub }) + '\n');
        else process.stdout.write(`wrote ${priv} (private, keep it secret)\nwrote ${pub} (public: meshguard audit verify DIR --key ${pub})\n`);
        process.exitCode = 0;
      } catch (err) {
        process.stderr.write(`meshguard audit keygen: ${(err as Error).message}\n`);
        process.exitCode = 2;
      }
    });
}
