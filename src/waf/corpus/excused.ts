import { readFileSync, existsSync } from 'node:fs';
import { UserInputError } from '../../errors.js';

/** The excused-tests file: `[{ "id": "932200-13", "reason": "..." }]`, every entry with a reason. */
export function loadExcused(file: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(file)) return out;
  let list: unknown;
  try {
    list = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserInputError({ file }, `not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(list)) throw new UserInputError({ file }, 'expected an array of {id, reason}');
  for (const e of list as { id?: unknown; reason?: unknown }[]) {
    if (typeof e.id !== 'string' || typeof e.reason !== 'string' || e.reason.trim() === '') {
      throw new UserInputError({ file }, `every entry needs an id and a reason: ${JSON.stringify(e)}`);
    }
    out.set(e.id, e.reason);
  }
  return out;
}
