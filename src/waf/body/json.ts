import type { Collection } from '../collection.js';

export interface BodyResult {
  error?: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Text back to the engine's byte model: UTF-8 bytes, one char per byte. */
function textToBin(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'utf8').toString('latin1');
  return s;
}

/**
 * A body that is valid UTF-8 is parsed as text, so `\u00e9` and a raw `é` both become the bytes
 * C3 A9. A body that is not valid UTF-8 is parsed byte-per-char (its bytes are kept as sent;
 * only \u escapes above U+00FF are then re-encoded).
 */
function decodeBody(body: string): { text: string; toBin: (s: string) => string } {
  try {
    return { text: strictUtf8.decode(Buffer.from(body, 'latin1')), toBin: textToBin };
  } catch {
    return { text: body, toBin: wideToBin };
  }
}

function wideToBin(s: string): string {
  let wide = false;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) { wide = true; break; }
  if (!wide) return s;
  let out = '';
  for (const ch of s) out += ch.codePointAt(0)! <= 0xff ? ch : Buffer.from(ch, 'utf8').toString('latin1');
  return out;
}

/**
 * JSON body into ARGS_POST: `json.a.b` for object members, `json.a.0` for array items, scalars as
 * text (null is empty). Walked with an explicit stack: nesting deeper than `depthLimit` is an
 * error, never a stack overflow.
 */
export function parseJsonInto(body: string, into: Collection, argLimit: number, depthLimit: number): BodyResult {
  let doc: unknown;
  const { text, toBin } = decodeBody(body);
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { error: `JSON parsing error: ${(err as Error).message}` };
  }
  const stack: [string, unknown, number][] = [['json', doc, 0]];
  let count = into.size;
  while (stack.length) {
    const [name, v, depth] = stack.pop()!;
    if (depth > depthLimit) return { error: 'JSON parsing error: nesting too deep' };
    if (v !== null && typeof v === 'object') {
      const items: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v as Record<string, unknown>);
      for (let i = items.length - 1; i >= 0; i--) stack.push([`${name}.${toBin(items[i]![0])}`, items[i]![1], depth + 1]);
      continue;
    }
    if (count >= argLimit) return { error: 'JSON parsing error: too many arguments' };
    into.add(name, v === null ? '' : typeof v === 'string' ? toBin(v) : String(v));
    count++;
  }
  return {};
}
