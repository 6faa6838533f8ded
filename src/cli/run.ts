import type { Command } from 'commander';

export function registerRun(program: Command): void {
  program.command('run').description('(being built)').action(() => { process.exitCode = 2; });
}
