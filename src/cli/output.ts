/** CLI output helpers: commands print either human text or, with --json, one JSON document. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printLine(text: string): void {
  process.stdout.write(text + '\n');
}

export function printError(text: string): void {
  process.stderr.write(text + '\n');
}
