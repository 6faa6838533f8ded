import { HtmlStart, scanHtml, type HtmlEvent } from './html-tokenizer.js';
import { BoundedMemo, MEMO_MAX_INPUT } from './memo.js';
import { CODE_ATTRS, CODE_SCHEMES, DANGEROUS_TAGS, DANGEROUS_WITH_ATTRS, EVENT_HANDLERS, URL_ATTRS } from './xss-lists.js';

// @detectXSS: the input is read as HTML five ways — as page text, and as the rest of an attribute
// value that was opened without quotes, with ', with " and with ` (old IE). Any reading that yields
// a dangerous element, an event-handler or code attribute, a code URL, a markup declaration or a
// conditional comment is XSS.

const STARTS = [HtmlStart.Data, HtmlStart.ValueUnquoted, HtmlStart.ValueSingle, HtmlStart.ValueDouble, HtmlStart.ValueBacktick];

const memo = new BoundedMemo<boolean>(8192);

export function detectXSS(input: string): boolean {
  if (input.length > MEMO_MAX_INPUT) return detectXSSUncached(input);
  const known = memo.get(input);
  if (known !== undefined) return known;
  const r = detectXSSUncached(input);
  memo.set(input, r);
  return r;
}

/** The detector without the memo (for measurement and tests). */
export function detectXSSUncached(input: string): boolean {
  if (input.length === 0) return false;
  for (const start of STARTS) {
    if (start === HtmlStart.ValueSingle && !input.includes("'")) continue;
    if (start === HtmlStart.ValueDouble && !input.includes('"')) continue;
    if (start === HtmlStart.ValueBacktick && !input.includes('`')) continue;
    // Outside a tag, only markup starts something.
    if (start === HtmlStart.Data && !input.includes('<')) continue;
    const inTag = start === HtmlStart.Data;
    // Attribute events belong to the last tag event (or, before any, to the injected-into tag).
    let armed = false;
    const hit = scanHtml(input, start, (e) => {
      if (e.kind === 'tag') {
        const d = tagDanger(e.name);
        armed = d === Danger.WithAttributes;
        return d === Danger.Always;
      }
      if (e.kind === 'attr' && armed) return true;
      return isDangerous(e, inTag);
    });
    if (hit) return true;
  }
  return false;
}

function isDangerous(e: HtmlEvent, fromData: boolean): boolean {
  switch (e.kind) {
    case 'tag':
      return tagDanger(e.name) === Danger.Always;
    case 'attr':
      return isDangerousAttr(e.name, e.hasValue, e.value, fromData);
    case 'comment':
      // IE conditional comments and backticks run or break out of markup.
      return e.text.includes('[if') || e.text.includes('<![endif') || e.text.includes('`') || e.text.startsWith('?import');
    case 'decl': {
      const t = e.text.toLowerCase();
      return t.startsWith('doctype') || t.startsWith('entity') || t.startsWith('element') || t.startsWith('attlist') || t.startsWith('[cdata[');
    }
  }
}

const enum Danger {
  None,
  Always,
  WithAttributes,
}

function tagDanger(name: string): Danger {
  // Namespaced names (x:script) are the element after the prefix to an XML-aware browser.
  // C++-style `a::b` is no namespace.
  const colon = name.indexOf(':');
  const local = colon > 0 && name.indexOf(':', colon + 1) === -1 ? name.slice(colon + 1) : name;
  // XSLT elements, whichever prefix they are written with, and script-like names.
  if (DANGEROUS_TAGS.has(local) || name.startsWith('xsl') || local.startsWith('script')) return Danger.Always;
  if (DANGEROUS_WITH_ATTRS.has(local) || local.startsWith('svg')) return Danger.WithAttributes;
  return Danger.None;
}

function isDangerousAttr(rawName: string, hasValue: boolean, value: string, fromData: boolean): boolean {
  const name = rawName.startsWith('=') ? rawName.slice(1) : rawName;
  // Event handlers. Outside a real tag (attribute-value readings) a word like "online" is text, so
  // there it has to be a handler browsers know and carry a value.
  if (name.length > 2 && name.charCodeAt(0) === 0x6f && name.charCodeAt(1) === 0x6e && isLetter(name.charCodeAt(2))) {
    if (fromData || (hasValue && EVENT_HANDLERS.has(name))) return true;
  }
  if (!hasValue && !fromData) return false;
  if (CODE_ATTRS.has(name)) return true;
  if (URL_ATTRS.has(name) && hasValue) return isCodeUrl(value);
  // Netscape JavaScript entities: &{code};
  return hasValue && value.includes('&{');
}

function isLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

// Character references a browser decodes inside attribute values before reading the URL.
const NAMED_REFS: Record<string, number> = { colon: 0x3a, tab: 0x09, newline: 0x0a, nbsp: 0xa0, lpar: 0x28, rpar: 0x29 };

/** Decodes one character reference at `i` (which is '&'); returns [char code, length] or null. */
function charRef(v: string, i: number): [number, number] | null {
  let j = i + 1;
  if (v.charCodeAt(j) === 0x23) {
    j++;
    const hex = (v.charCodeAt(j) | 0x20) === 0x78;
    if (hex) j++;
    let code = 0;
    const st = j;
    while (j < v.length && j - st < 8) {
      const c = v.charCodeAt(j);
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : hex && (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
      if (d < 0) break;
      code = code * (hex ? 16 : 10) + d;
      j++;
    }
    if (j === st) return null;
    if (v.charCodeAt(j) === 0x3b) j++;
    return [code, j - i];
  }
  const st = j;
  while (j < v.length && j - st < 10 && isLetter(v.charCodeAt(j))) j++;
  const code = NAMED_REFS[v.slice(st, j).toLowerCase()];
  if (code === undefined) return null;
  if (v.charCodeAt(j) === 0x3b) j++;
  return [code, j - i];
}

/**
 * Whether a URL's scheme runs code. Browsers decode character references in attribute values and
 * ignore whitespace and control chars inside the scheme, so both are undone here.
 */
export function isCodeUrl(value: string): boolean {
  let scheme = '';
  for (let i = 0; i < value.length && scheme.length < 16; i++) {
    let c = value.charCodeAt(i);
    if (c === 0x26) {
      const ref = charRef(value, i);
      if (ref) {
        c = ref[0];
        i += ref[1] - 1;
      }
    }
    if (c <= 0x20) continue;
    scheme += String.fromCharCode(c).toLowerCase();
    if (c === 0x3a) break;
  }
  for (const sch of CODE_SCHEMES) {
    if (scheme === sch) {
      if (sch === 'data:') return !isInertDataUrl(value);
      return true;
    }
  }
  return false;
}

/** data: URLs of raster images cannot run script. */
function isInertDataUrl(value: string): boolean {
  const v = value.trim().toLowerCase();
  return v.startsWith('data:image/') && !v.startsWith('data:image/svg');
}
