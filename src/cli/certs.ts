import type { Command } from 'commander';

export function registerCerts(program: Command): void {
  program.command('certs').description('(being built)').action(() => { process.exitCode = 2; });
}
