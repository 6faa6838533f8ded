#!/bin/sh
":" //; NODE_FLAGS="--no-parallel-scavenge --max-semi-space-size=8"; a=$0; d=$(dirname "$(dirname "$(readlink -f "$0")")"); set -- "$a" "$@"; [ -n "$OPENSSL_CONF" ] || set -- "--openssl-config=$d/src/tls/openssl-server.cnf" "$@"; exec node $NODE_FLAGS "$@"
// The line above is for sh: run as a program, this file re-executes itself under node with the process
// flags that must be set before Node starts (docs/bench.md, "Process flags"); `node bin/meshguard.js`
// skips it (a string and a comment to JavaScript) and runs without them.
// The published entry point runs the compiled CLI; `npm install` builds it (the `prepare` script).
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { process.stderr.write(`meshguard: ${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 1; },
);
