import { Command, CommanderError } from 'commander';
import { registerRun } from './run.js';
import { registerUp } from './up.js';
import { registerCerts } from './certs.js';
import { registerConfig } from './config.js';
import { registerPolicy } from './policy.js';
import { registerWaf } from './waf.js';
import { registerAudit } from './audit.js';
import { registerKmsMock } from './kms-mock.js';

export const VERSION = '0.1.0';

/** Builds the `meshguard` command tree. Each subcommand lives in its own file and sets process.exitCode. */
export function buildProgram(): Command {
  const program = new Command('meshguard')
    .description('Zero-trust security sidecar: mTLS with SPIFFE identity, Casbin RBAC, an RE2 WAF running OWASP CRS, tamper-evident audit mirroring')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerRun(program);
  registerUp(program);
  registerCerts(program);
  registerConfig(program);
  registerPolicy(program);
  registerWaf(program);
  registerAudit(program);
  registerKmsMock(program);
  return program;
}

/** Runs the CLI; resolves with the exit code (long-running commands resolve when they stop). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    throw err;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
