// A small HTML5-style tokenizer, enough to see what a browser would see: tag names, attribute names
// and values, comments and markup declarations. It can start inside an attribute value (quoted or
// not), which is how an injected value is read when the page echoes it into an attribute.
// One pass, every step consumes input: linear time. Chars are bytes; 0x80-0xFF are opaque.

export const enum HtmlStart {
  Data,
  ValueUnquoted,
  ValueSingle,
  ValueDouble,
  ValueBacktick,
}

export type HtmlEvent =
  | { kind: 'tag'; name: string }
  | { kind: 'attr'; name: string; hasValue: boolean; value: string; quote: string }
  | { kind: 'comment'; text: string }
  | { kind: 'decl'; text: string };

/** Longest name or value kept for inspection; longer ones are scanned but cut. */
const MAX_KEEP = 256;

/** Longest attribute name kept: every name we look for is shorter; `on` handlers only need the start. */
const MAX_NAME = 40;

const SPACE = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0c, 0x0d, 0x0b, 0x00]) SPACE[c] = 1;
/** Chars that end an attribute name: space, '/', '>', '='. */
const NAME_END = new Uint8Array(256);
NAME_END.set(SPACE);
NAME_END[0x2f] = 1;
NAME_END[0x3e] = 1;
NAME_END[0x3d] = 1;

function isSpace(c: number): boolean {
  return c < 256 && SPACE[c] === 1;
}

// Plain loops instead of String#indexOf with a start offset: under some V8 optimization states that
// call degraded to a cost proportional to the whole string, which made a loop over 1 MB of '<'
// take seconds. A loop over char codes is linear whatever the JIT does.
function findChar(s: string, c: number, from: number): number {
  for (let i = from; i < s.length; i++) if (s.charCodeAt(i) === c) return i;
  return -1;
}

function findCommentEnd(s: string, from: number): number {
  for (let i = from; i + 2 < s.length; i++) {
    if (s.charCodeAt(i) === 0x2d && s.charCodeAt(i + 1) === 0x2d && s.charCodeAt(i + 2) === 0x3e) return i;
  }
  return -1;
}

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * Tokenizes `s` starting in `start`, calling `onEvent` for each tag, attribute, comment and
 * declaration. Stops early when `onEvent` returns true; returns whether it did.
 */
export function scanHtml(s: string, start: HtmlStart, onEvent: (e: HtmlEvent) => boolean): boolean {
  const n = s.length;
  let i = 0;

  // Attribute parsing shared by tags and by the attribute-value starts.
  const attributes = (): boolean => {
    // before-attribute-name: at i
    for (;;) {
      while (i < n && (isSpace(s.charCodeAt(i)) || s.charCodeAt(i) === 0x2f)) i++;
      if (i >= n) return false;
      if (s.charCodeAt(i) === 0x3e) {
        i++;
        return false;
      }
      // attribute name (a leading '=' is part of the name, as in HTML5)
      const nameStart = i;
      i++;
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c < 256 && NAME_END[c] === 1) break;
        i++;
      }
      const name = s.slice(nameStart, Math.min(i, nameStart + MAX_NAME)).toLowerCase();
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      if (i >= n || s.charCodeAt(i) !== 0x3d) {
        if (onEvent({ kind: 'attr', name, hasValue: false, value: '', quote: '' })) return true;
        continue;
      }
      i++; // '='
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      const v = value();
      if (onEvent({ kind: 'attr', name, hasValue: true, value: v.value, quote: v.quote })) return true;
      if (v.endTag) return false;
    }
  };

  const value = (): { value: string; quote: string; endTag: boolean } => {
    if (i >= n) return { value: '', quote: '', endTag: false };
    const q = s.charCodeAt(i);
    if (q === 0x22 || q === 0x27 || q === 0x60) {
      const close = findChar(s, q, i + 1);
      const end = close === -1 ? n : close;
      const v = s.slice(i + 1, Math.min(end, i + 1 + MAX_KEEP));
      const quote = s[i]!;
      i = close === -1 ? n : close + 1;
      return { value: v, quote, endTag: false };
    }
    if (q === 0x3e) {
      i++;
      return { value: '', quote: '', endTag: true };
    }
    const vs = i;
    while (i < n && !isSpace(s.charCodeAt(i)) && s.charCodeAt(i) !== 0x3e) i++;
    const v = s.slice(vs, Math.min(i, vs + MAX_KEEP));
    if (i < n && s.charCodeAt(i) === 0x3e) {
      i++;
      return { value: v, quote: '', endTag: true };
    }
    return { value: v, quote: '', endTag: false };
  };

  // Attribute-value starts: the rest of an unknown attribute's value, then attributes, then data.
  if (start !== HtmlStart.Data) {
    if (start === HtmlStart.ValueUnquoted) {
      while (i < n && !isSpace(s.charCodeAt(i)) && s.charCodeAt(i) !== 0x3e) i++;
      if (i < n && s.charCodeAt(i) === 0x3e) i++;
      else if (attributes()) return true;
    } else {
      const quote = start === HtmlStart.ValueSingle ? 0x27 : start === HtmlStart.ValueDouble ? 0x22 : 0x60;
      const close = findChar(s, quote, 0);
      if (close === -1) return false; // never leaves the value
      i = close + 1;
      if (attributes()) return true;
    }
  }

  // Data state.
  while (i < n) {
    const lt = findChar(s, 0x3c, i);
    if (lt === -1) return false;
    i = lt + 1;
    if (i >= n) return false;
    const c = s.charCodeAt(i);
    if (isAlpha(c)) {
      const ns = i;
      while (i < n) {
        const d = s.charCodeAt(i);
        // HTML5 keeps '<' in a tag name; we end the name there so that `<scr<script>` still shows
        // the inner tag, which is what a filter that strips tags would leave behind.
        if (isSpace(d) || d === 0x2f || d === 0x3e || d === 0x3c) break;
        i++;
      }
      if (onEvent({ kind: 'tag', name: s.slice(ns, Math.min(i, ns + MAX_KEEP)).toLowerCase() })) return true;
      if (i < n && s.charCodeAt(i) === 0x3c) continue;
      if (attributes()) return true;
    } else if (c === 0x2f) {
      // end tag: its attributes are ignored by browsers; skip to '>'
      const gt = findChar(s, 0x3e, i);
      i = gt === -1 ? n : gt + 1;
    } else if (c === 0x21) {
      if (s.charCodeAt(i + 1) === 0x2d && s.charCodeAt(i + 2) === 0x2d) {
        const end = findCommentEnd(s, i + 3);
        const stop = end === -1 ? n : end;
        if (onEvent({ kind: 'comment', text: s.slice(i + 3, Math.min(stop, i + 3 + MAX_KEEP)) })) return true;
        i = end === -1 ? n : end + 3;
      } else {
        const gt = findChar(s, 0x3e, i);
        const stop = gt === -1 ? n : gt;
        if (onEvent({ kind: 'decl', text: s.slice(i + 1, Math.min(stop, i + 1 + MAX_KEEP)) })) return true;
        i = gt === -1 ? n : gt + 1;
      }
    } else if (c === 0x3f) {
      // processing instruction: a bogus comment to HTML
      const gt = findChar(s, 0x3e, i);
      const stop = gt === -1 ? n : gt;
      if (onEvent({ kind: 'comment', text: s.slice(i, Math.min(stop, i + MAX_KEEP)) })) return true;
      i = gt === -1 ? n : gt + 1;
    }
  }
  return false;
}
