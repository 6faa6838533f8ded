import type { Command } from 'commander';
import { configSchema } from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import { UserInputErrors } from '../errors.js';
import { printError, printJson, printLine } from './output.js';

export function registerConfig(program: Command): void {
  const cmd = program.command('config').description('Config tools');
  cmd
    .command('schema')
    .description('Print the JSON Schema of meshguard.yaml (for editors)')
    .action(() => printJson(configSchema));
  cmd
    .command('check')
    .description('Validate a config file; errors name file, line and key')
    .argument('<file>', 'meshguard.yaml')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: { json?: boolean }) => {
      try {
        await loadConfig(file);
        if (opts.json) printJson({ ok: true, errors: [] });
        else printLine(`${file}: ok`);
      } catch (err) {
        const errors = err instanceof UserInputErrors ? err.errors.map((e) => ({ file: e.pos.file, line: e.pos.line ?? null, key: e.key ?? null, message: e.message })) : [{ file, line: null, key: null, message: (err as Error).message }];
        if (opts.json) printJson({ ok: false, errors });
        else for (const e of errors) printError(e.message);
        process.exitCode = 1;
      }
    });
}
