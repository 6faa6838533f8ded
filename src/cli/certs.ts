import type { Command } from 'commander';
import { makeDevPki } from '../tls/dev-pki.js';
import { parseSpiffeId } from '../tls/spiffe.js';
import { printError, printJson, printLine } from './output.js';

export function registerCerts(program: Command): void {
  const certs = program.command('certs').description('Certificate tools');
  certs
    .command('dev')
    .description('Make a dev CA (reused if DIR has one) and an ECDSA P-256 X.509-SVID per --id; keys are written 0600')
    .requiredOption('--out <dir>', 'output directory')
    .requiredOption('--trust-domain <td>', 'SPIFFE trust domain')
    .requiredOption('--id <spiffeId...>', 'SPIFFE ID of a workload (repeatable)')
    .option('--days <n>', 'validity of the SVIDs in days', '30')
    .option('--json', 'machine-readable output')
    .action(async (opts: { out: string; trustDomain: string; id: string[]; days: string; json?: boolean }) => {
      for (const id of opts.id) {
        const p = parseSpiffeId(id);
        if ('error' in p) {
          printError(`--id ${id}: not a SPIFFE ID: ${p.error}`);
          process.exitCode = 1;
          return;
        }
        if (p.trustDomain !== opts.trustDomain) {
          printError(`--id ${id}: trust domain ${p.trustDomain} is not ${opts.trustDomain}`);
          process.exitCode = 1;
          return;
        }
      }
      const days = Number(opts.days);
      if (!Number.isFinite(days) || days <= 0) {
        printError('--days must be a positive number');
        process.exitCode = 1;
        return;
      }
      const r = await makeDevPki({ dir: opts.out, trustDomain: opts.trustDomain, ids: opts.id, days });
      if (opts.json) printJson(r);
      else {
        printLine(`trust bundle: ${r.bundle}`);
        for (const w of r.workloads) printLine(`${w.id}\n  cert: ${w.cert}\n  key:  ${w.key}`);
      }
    });
}
