// Replays the CRS regression tests of the rules that use @detectSQLi / @detectXSS against the
// detectors alone: it pulls the values each rule inspects out of the test request and applies the
// rule's transformations approximately (the engine has the real ones). Test data is read from
// ../shared/waf-corpus, never copied.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SaxesParser } from 'saxes';
import { sharedDir } from '../../../src/paths.js';

export interface CorpusLine {
  id: string;
  uid: string;
  rule: number;
  method: string | null;
  uri: string | null;
  headers: Array<[string, string]>;
  body: string | null;
  body_b64: boolean;
  raw: string | null;
  expect_ids: number[];
  no_expect_ids: number[];
}

export const CORPUS_FILE = path.join(sharedDir, 'waf-corpus', 'crs-regression.jsonl');

export function loadCorpus(): CorpusLine[] {
  return readFileSync(CORPUS_FILE, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as CorpusLine);
}

/** UTF-8 text as a binary string (one char per byte), which is what the engine hands operators. */
export function toBinary(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

// ---- transformations (approximate; named as in SecLang) ----

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** t:utf8toUnicode — multi-byte UTF-8 sequences become %uHHHH. */
export function utf8toUnicode(bin: string): string {
  const buf = Buffer.from(bin, 'latin1');
  let out = '';
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    let len = 0;
    let cp = 0;
    if (b >= 0xc2 && b <= 0xdf) [len, cp] = [2, b & 0x1f];
    else if (b >= 0xe0 && b <= 0xef) [len, cp] = [3, b & 0x0f];
    else if (b >= 0xf0 && b <= 0xf4) [len, cp] = [4, b & 0x07];
    let ok = len > 0 && i + len <= buf.length;
    for (let k = 1; ok && k < len; k++) {
      const c = buf[i + k]!;
      if ((c & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    if (ok) {
      out += `%u${(cp & 0xffff).toString(16).padStart(4, '0')}`;
      i += len;
    } else {
      out += String.fromCharCode(b);
      i++;
    }
  }
  return out;
}

/** t:urlDecodeUni — %HH, %uHHHH (full-width ASCII folded, else the low byte) and + as space. */
export function urlDecodeUni(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2b) {
      out += ' ';
      continue;
    }
    if (c === 0x25) {
      if ((s.charCodeAt(i + 1) | 0x20) === 0x75 && i + 5 < s.length) {
        const h = [2, 3, 4, 5].map((k) => hexVal(s.charCodeAt(i + k)));
        if (h.every((v) => v >= 0)) {
          let cp = (h[0]! << 12) | (h[1]! << 8) | (h[2]! << 4) | h[3]!;
          cp = cp >= 0xff01 && cp <= 0xff5e ? cp - 0xfee0 : cp & 0xff;
          out += String.fromCharCode(cp);
          i += 5;
          continue;
        }
      }
      const a = hexVal(s.charCodeAt(i + 1));
      const b = hexVal(s.charCodeAt(i + 2));
      if (a >= 0 && b >= 0) {
        out += String.fromCharCode(a * 16 + b);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

/** The body/query parser's own decoding of a name or value (once, before the rule's t:). */
export function formDecode(s: string): string {
  return urlDecodeUni(s);
}

export function removeNulls(s: string): string {
  return s.split('\0').join('');
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: '\xa0' };

/** t:htmlEntityDecode — named basics and numeric references, with or without the ';'. */
export function htmlEntityDecode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '&') {
      out += s[i];
      continue;
    }
    let j = i + 1;
    if (s[j] === '#') {
      j++;
      const hex = s[j] === 'x' || s[j] === 'X';
      if (hex) j++;
      const st = j;
      while (j < s.length && (hex ? hexVal(s.charCodeAt(j)) >= 0 : s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39)) j++;
      if (j > st) {
        out += String.fromCharCode(parseInt(s.slice(st, j), hex ? 16 : 10) & 0xff);
        if (s[j] === ';') j++;
        i = j - 1;
        continue;
      }
    } else {
      const st = j;
      while (j < s.length && /[a-zA-Z]/.test(s[j]!)) j++;
      const name = s.slice(st, j).toLowerCase();
      if (ENTITIES[name] !== undefined) {
        out += ENTITIES[name];
        if (s[j] === ';') j++;
        i = j - 1;
        continue;
      }
    }
    out += '&';
  }
  return out;
}

/** t:jsDecode — \xHH, \uHHHH, octal, and the one-char escapes. */
export function jsDecode(s: string): string {
  let out = '';
  const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', a: '\x07' };
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '\\' || i + 1 >= s.length) {
      out += s[i];
      continue;
    }
    const n = s[i + 1]!;
    if (n === 'x' && hexVal(s.charCodeAt(i + 2)) >= 0 && hexVal(s.charCodeAt(i + 3)) >= 0) {
      out += String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (n === 'u' && [2, 3, 4, 5].every((k) => hexVal(s.charCodeAt(i + k)) >= 0)) {
      let cp = parseInt(s.slice(i + 2, i + 6), 16);
      cp = cp >= 0xff01 && cp <= 0xff5e ? cp - 0xfee0 : cp & 0xff;
      out += String.fromCharCode(cp);
      i += 5;
    } else if (n >= '0' && n <= '7') {
      let j = i + 1;
      while (j < s.length && j < i + 4 && s[j]! >= '0' && s[j]! <= '7') j++;
      out += String.fromCharCode(parseInt(s.slice(i + 1, j), 8) & 0xff);
      i = j - 1;
    } else {
      out += simple[n] ?? n;
      i += 1;
    }
  }
  return out;
}

/** t:cssDecode — \ followed by up to six hex digits (low byte kept), or an escaped char. */
export function cssDecode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '\\' || i + 1 >= s.length) {
      out += s[i];
      continue;
    }
    let j = i + 1;
    while (j < s.length && j < i + 7 && hexVal(s.charCodeAt(j)) >= 0) j++;
    if (j > i + 1) {
      out += String.fromCharCode(parseInt(s.slice(i + 1, j), 16) & 0xff);
      if (s[j] === ' ') j++;
      i = j - 1;
    } else if (s[i + 1] === '\n') {
      i += 1;
    } else {
      out += s[i + 1];
      i += 1;
    }
  }
  return out;
}

export const SQLI_TRANSFORMS = (v: string): string => removeNulls(urlDecodeUni(utf8toUnicode(v)));
export const XSS_TRANSFORMS = (v: string): string =>
  removeNulls(cssDecode(jsDecode(htmlEntityDecode(urlDecodeUni(utf8toUnicode(v))))));

// ---- request variables ----

export interface RequestVars {
  args: Array<[string, string]>; // ARGS (names: ARGS_NAMES)
  cookies: Array<[string, string]>;
  headers: Array<[string, string]>;
  filename: string; // REQUEST_FILENAME
  basename: string; // REQUEST_BASENAME
  xmlText: string[]; // XML:/*
  xmlAttrs: string[]; // XML://@*
}

function splitForm(s: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const part of s.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    out.push([formDecode(name), formDecode(value)]);
  }
  return out;
}

function flattenJson(v: unknown, prefix: string, out: Array<[string, string]>): void {
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) flattenJson(x, `${prefix}.${k}`, out);
  } else {
    out.push([prefix, v === null ? '' : String(v)]);
  }
}

function parseXml(body: string, text: string[], attrs: string[]): void {
  const p = new SaxesParser({ xmlns: false });
  p.on('text', (t) => {
    if (t.trim() !== '') text.push(t);
  });
  p.on('opentag', (tag) => {
    for (const v of Object.values(tag.attributes as Record<string, unknown>)) attrs.push(String(v));
  });
  try {
    p.write(body).close();
  } catch {
    // a broken XML body is inspected as far as it parsed
  }
}

export function requestVars(line: CorpusLine): RequestVars {
  const vars: RequestVars = { args: [], cookies: [], headers: [], filename: '', basename: '', xmlText: [], xmlAttrs: [] };
  if (line.raw !== null || line.uri === null) return vars;
  vars.headers = line.headers.map(([k, v]) => [k, toBinary(v)]);
  const uri = toBinary(line.uri);
  const q = uri.indexOf('?');
  let p = q === -1 ? uri : uri.slice(0, q);
  const scheme = p.indexOf('://');
  if (scheme !== -1) {
    const slash = p.indexOf('/', scheme + 3);
    p = slash === -1 ? '/' : p.slice(slash);
  }
  vars.filename = p;
  vars.basename = p.slice(p.lastIndexOf('/') + 1);
  if (q !== -1) vars.args.push(...splitForm(uri.slice(q + 1)));
  for (const [k, v] of vars.headers) {
    if (k.toLowerCase() !== 'cookie') continue;
    for (const c of v.split(';')) {
      const t = c.trim();
      if (t === '') continue;
      const eq = t.indexOf('=');
      vars.cookies.push(eq === -1 ? [t, ''] : [t.slice(0, eq), t.slice(eq + 1)]);
    }
  }
  if (line.body !== null) {
    const body = line.body_b64 ? Buffer.from(line.body, 'base64').toString('latin1') : toBinary(line.body);
    const ct = (line.headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '').toLowerCase();
    if (ct.startsWith('application/x-www-form-urlencoded')) vars.args.push(...splitForm(body));
    else if (ct.includes('json')) {
      try {
        flattenJson(JSON.parse(Buffer.from(body, 'latin1').toString('utf8')), 'json', vars.args);
      } catch {
        // not JSON after all
      }
    } else if (ct.includes('xml')) parseXml(Buffer.from(body, 'latin1').toString('utf8'), vars.xmlText, vars.xmlAttrs);
  }
  vars.xmlText = vars.xmlText.map(toBinary);
  vars.xmlAttrs = vars.xmlAttrs.map(toBinary);
  return vars;
}

function header(vars: RequestVars, name: string): string[] {
  return vars.headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
}

/** The values a rule inspects, before its transformations, labelled with the variable name. */
export function ruleTargets(rule: number, vars: RequestVars): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const argLike = (): void => {
    for (const [k, v] of vars.cookies) out.push([`REQUEST_COOKIES:${k}`, v], ['REQUEST_COOKIES_NAMES', k]);
    for (const [k, v] of vars.args) out.push([`ARGS:${k}`, v], ['ARGS_NAMES', k]);
    for (const v of vars.xmlText) out.push(['XML:/*', v]);
    for (const v of vars.xmlAttrs) out.push(['XML://@*', v]);
    for (const v of header(vars, 'user-agent')) out.push(['REQUEST_HEADERS:User-Agent', v]);
  };
  switch (rule) {
    case 942100:
      argLike();
      for (const v of header(vars, 'referer')) out.push(['REQUEST_HEADERS:Referer', v]);
      break;
    case 941100:
      argLike();
      break;
    case 942101:
      out.push(['REQUEST_BASENAME', vars.basename], ['REQUEST_FILENAME', vars.filename]);
      break;
    case 941101:
      out.push(['REQUEST_FILENAME', vars.filename]);
      for (const v of header(vars, 'referer')) out.push(['REQUEST_HEADERS:Referer', v]);
      break;
    default:
      throw new Error(`no targets known for rule ${rule}`);
  }
  return out;
}

export const DETECTOR_RULES = [942100, 942101, 941100, 941101] as const;
export type DetectorRule = (typeof DETECTOR_RULES)[number];

export interface RuleOutcome {
  uid: string;
  rule: DetectorRule;
  expected: boolean;
  fired: boolean;
  /** The variable and transformed value that fired (or all inspected values when none did). */
  detail: string;
}

/** Evaluates one rule on one corpus line with the given detectors. */
export function evaluate(
  line: CorpusLine,
  rule: DetectorRule,
  detectors: { sqli: (s: string) => boolean; xss: (s: string) => boolean },
): { fired: boolean; detail: string } {
  const vars = requestVars(line);
  const isSqli = rule === 942100 || rule === 942101;
  const transform = isSqli ? SQLI_TRANSFORMS : XSS_TRANSFORMS;
  const detect = isSqli ? detectors.sqli : detectors.xss;
  const seen: string[] = [];
  for (const [name, raw] of ruleTargets(rule, vars)) {
    const v = transform(raw);
    if (detect(v)) return { fired: true, detail: `${name}=${JSON.stringify(v)}` };
    seen.push(`${name}=${JSON.stringify(v)}`);
  }
  return { fired: false, detail: seen.join(' ') };
}

/** Every corpus line that says whether one of our rules must or must not fire. */
export function detectorCases(corpus: CorpusLine[]): Array<{ line: CorpusLine; rule: DetectorRule; expected: boolean }> {
  const out: Array<{ line: CorpusLine; rule: DetectorRule; expected: boolean }> = [];
  for (const line of corpus) {
    for (const rule of DETECTOR_RULES) {
      if (line.expect_ids.includes(rule)) out.push({ line, rule, expected: true });
      else if (line.no_expect_ids.includes(rule)) out.push({ line, rule, expected: false });
    }
  }
  return out;
}
