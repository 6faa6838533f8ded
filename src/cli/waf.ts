import type { Command } from 'commander';

// Placeholder until this command lands: it exists so --help lists it, and it fails loudly.
export function registerWaf(program: Command): void {
  program
    .command('waf')
    .description('waf test — replay a CRS regression corpus (not built yet)')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      process.stderr.write('meshguard waf: not available in this build yet\n');
      process.exitCode = 2;
    });
}
