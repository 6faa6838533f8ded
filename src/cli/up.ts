import type { Command } from 'commander';

export function registerUp(program: Command): void {
  program.command('up').description('(being built)').action(() => { process.exitCode = 2; });
}
