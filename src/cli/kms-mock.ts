import type { Command } from 'commander';

// Placeholder until this command lands: it exists so --help lists it, and it fails loudly.
export function registerKmsMock(program: Command): void {
  program
    .command('kms-mock')
    .description('kms-mock — the development KMS server (not built yet)')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      process.stderr.write('meshguard kms-mock: not available in this build yet\n');
      process.exitCode = 2;
    });
}
