import type { Transformation } from '../types.js';

/** Valid multi-byte UTF-8 sequences become %uHHHH; ASCII and invalid bytes are kept. */
export const utf8toUnicode: Transformation = {
  name: 'utf8toUnicode',
  length: 'nonShrinking',
  joinSafe: true,
  fn(s) {
    let i = 0;
    for (; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) break;
    if (i === s.length) return s;
    // Copies the runs between sequences: a UTF-8 text (or a joined list holding one) keeps most bytes
    let out = '';
    let from = 0;
    const n = s.length;
    const cont = (k: number) => k < n && (s.charCodeAt(k) & 0xc0) === 0x80;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0xc2) continue;
      let cp = -1;
      let len = 1;
      if (c <= 0xdf && cont(i + 1)) {
        cp = ((c & 0x1f) << 6) | (s.charCodeAt(i + 1) & 0x3f); len = 2;
      } else if (c >= 0xe0 && c <= 0xef && cont(i + 1) && cont(i + 2)) {
        cp = ((c & 0x0f) << 12) | ((s.charCodeAt(i + 1) & 0x3f) << 6) | (s.charCodeAt(i + 2) & 0x3f); len = 3;
        if (cp < 0x800) cp = -1;
      } else if (c >= 0xf0 && c <= 0xf4 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
        cp = ((c & 0x07) << 18) | ((s.charCodeAt(i + 1) & 0x3f) << 12) | ((s.charCodeAt(i + 2) & 0x3f) << 6) | (s.charCodeAt(i + 3) & 0x3f); len = 4;
        if (cp < 0x10000) cp = -1;
      }
      if (cp < 0) continue;
      out += s.slice(from, i) + '%u' + cp.toString(16).padStart(4, '0');
      i += len - 1;
      from = i + 1;
    }
    return from === 0 ? s : out + s.slice(from);
  },
};
