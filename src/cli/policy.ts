import type { Command } from 'commander';

// Placeholder until this command lands: it exists so --help lists it, and it fails loudly.
export function registerPolicy(program: Command): void {
  program
    .command('policy')
    .description('policy lint|test|explain|diff — RBAC review tooling (not built yet)')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      process.stderr.write('meshguard policy: not available in this build yet\n');
      process.exitCode = 2;
    });
}
