import { flat } from './flat.js';

/** One `name` or `name:value` item of a SecLang action list; quotes around the value removed. */
export interface RawAction {
  name: string;
  value: string | undefined;
}

/**
 * Splits `id:1,phase:2,msg:'a, b',setvar:'tx.x=1'` on commas outside single quotes. Inside a
 * quoted value `\'` is a literal quote.
 */
export function parseActionList(s: string): RawAction[] {
  const out: RawAction[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && (s[i] === ' ' || s[i] === '\t' || s[i] === ',')) i++;
    if (i >= n) break;
    let name = '';
    while (i < n && s[i] !== ':' && s[i] !== ',') name += s[i++];
    name = name.trim();
    let value: string | undefined;
    if (s[i] === ':') {
      i++;
      while (i < n && (s[i] === ' ' || s[i] === '\t')) i++;
      if (s[i] === '\'') {
        i++;
        value = '';
        while (i < n && s[i] !== '\'') {
          if (s[i] === '\\' && s[i + 1] === '\'') { value += '\''; i += 2; continue; }
          value += s[i++];
        }
        i++; // closing quote
        while (i < n && s[i] !== ',') i++;
      } else {
        let v = '';
        while (i < n && s[i] !== ',') v += s[i++];
        value = v.trim();
      }
    }
    if (name !== '') out.push({ name: flat(name), value: value === undefined ? undefined : flat(value) });
  }
  return out;
}
