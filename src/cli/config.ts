import type { Command } from 'commander';

export function registerConfig(program: Command): void {
  program.command('config').description('(being built)').action(() => { process.exitCode = 2; });
}
