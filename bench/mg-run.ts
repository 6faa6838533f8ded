/**
 * `meshguard <args>` from the same build as the bench (bin/meshguard.js always loads dist/; a bench
 * compiled into another out dir must run the sidecar it was compiled with). Same code path as the
 * published entry point: the CLI's main() with the given arguments.
 */
import { main } from '../src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`meshguard: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
