import { hexVal } from '../transformations/util.js';

/** %XX decoding only (no `+`), invalid escapes kept: how a web server decodes a request path. */
export function percentDecode(s: string): string {
  if (s.indexOf('%') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%' && i + 2 < s.length) {
      const h = hexVal(s.charCodeAt(i + 1)), l = hexVal(s.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) { out += String.fromCharCode((h << 4) | l); i += 2; continue; }
    }
    out += s[i];
  }
  return out;
}
