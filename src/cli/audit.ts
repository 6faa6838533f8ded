import type { Command } from 'commander';

// Placeholder until this command lands: it exists so --help lists it, and it fails loudly.
export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('audit verify — check an audit directory (not built yet)')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      process.stderr.write('meshguard audit: not available in this build yet\n');
      process.exitCode = 2;
    });
}
