import { Command, CommanderError } from 'commander';

export const VERSION = '0.1.0';

type Register = (program: Command) => void;

/**
 * Subcommands, each in its own file, loaded only when asked for: `meshguard run` must not carry the
 * WAF corpus runner, the policy tooling or kms-mock in its memory.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  run: async () => (await import('./run.js')).registerRun,
  up: async () => (await import('./up.js')).registerUp,
  certs: async () => (await import('./certs.js')).registerCerts,
  config: async () => (await import('./config.js')).registerConfig,
  policy: async () => (await import('./policy.js')).registerPolicy,
  waf: async () => (await import('./waf.js')).registerWaf,
  audit: async () => (await import('./audit.js')).registerAudit,
  'kms-mock': async () => (await import('./kms-mock.js')).registerKmsMock,
};

/** Builds the `meshguard` command tree: every subcommand, or only `only` when it names one. */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('meshguard')
    .description('Zero-trust security sidecar: mTLS with SPIFFE identity, Casbin RBAC, an RE2 WAF running OWASP CRS, tamper-evident audit mirroring')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  const names = only !== undefined && only in COMMANDS ? [only] : Object.keys(COMMANDS);
  for (const name of names) (await COMMANDS[name]!())(program);
  return program;
}

/** Runs the CLI; resolves with the exit code (long-running commands resolve when they stop). */
export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv[0]);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    throw err;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
