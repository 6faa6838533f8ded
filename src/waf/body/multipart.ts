import type { Transaction } from '../transaction.js';

/** Boundary from a Content-Type `multipart/form-data; boundary=...` (quotes removed). */
export function multipartBoundary(contentType: string): { boundary?: string; quoted: boolean; whitespace: boolean } {
  const m = /boundary\s*=\s*("?)([^";,]*)\1/i.exec(contentType);
  if (!m || m[2] === '') return { quoted: false, whitespace: false };
  const b = m[2]!;
  return { boundary: b.trim(), quoted: m[1] === '"', whitespace: b !== b.trim() || /boundary\s+=|=\s+/i.test(contentType) };
}

function dispositionParam(h: string, name: string): string | undefined {
  // name="..." or name=token; the `filename` search must not hit `name` inside it
  const re = name === 'name' ? /(?:^|[;\s])name\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/i : /(?:^|[;\s])filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/i;
  const m = re.exec(h);
  if (!m) return undefined;
  // only \" and \\ are escapes in a quoted value; any other backslash is data (C:\path)
  return m[1] !== undefined ? m[1].replace(/\\(["\\])/g, '$1') : m[2];
}

/**
 * multipart/form-data into ARGS_POST (fields), FILES / FILES_SIZES (uploads) and
 * MULTIPART_PART_HEADERS, with ModSecurity's strictness flags. Linear in the body: parts are found
 * with indexOf on the boundary line, never by backtracking.
 */
export function parseMultipart(tx: Transaction, body: string, contentType: string, argLimit: number): string | undefined {
  const s = tx.scalars;
  const flags: Record<string, number> = {
    MULTIPART_BOUNDARY_QUOTED: 0, MULTIPART_BOUNDARY_WHITESPACE: 0, MULTIPART_DATA_AFTER: 0, MULTIPART_DATA_BEFORE: 0,
    MULTIPART_HEADER_FOLDING: 0, MULTIPART_LF_LINE: 0, MULTIPART_MISSING_SEMICOLON: 0, MULTIPART_INVALID_QUOTING: 0,
    MULTIPART_INVALID_PART: 0, MULTIPART_INVALID_HEADER_FOLDING: 0, MULTIPART_FILE_LIMIT_EXCEEDED: 0,
    MULTIPART_UNMATCHED_BOUNDARY: 0, MULTIPART_CRLF_LF_LINES: 0,
  };
  const finish = (err?: string) => {
    let strict = 0;
    for (const [k, v] of Object.entries(flags)) {
      s.set(k, String(v));
      if (v && k !== 'MULTIPART_UNMATCHED_BOUNDARY') strict = 1;
    }
    s.set('MULTIPART_STRICT_ERROR', String(strict || (err ? 1 : 0)));
    return err;
  };
  const b = multipartBoundary(contentType);
  if (!b.boundary) return finish('Multipart: Boundary not found in C-T');
  if (b.quoted) flags['MULTIPART_BOUNDARY_QUOTED'] = 1;
  if (b.whitespace) flags['MULTIPART_BOUNDARY_WHITESPACE'] = 1;
  const delim = '--' + b.boundary;
  let pos = body.indexOf(delim);
  if (pos < 0) return finish('Multipart: No boundaries found in payload');
  if (pos > 0) flags['MULTIPART_DATA_BEFORE'] = 1;
  const args = tx.collection('ARGS_POST');
  const files = tx.collection('FILES');
  const sizes = tx.collection('FILES_SIZES');
  const partHeaders = tx.collection('MULTIPART_PART_HEADERS');
  let filesSize = 0;
  let count = args.size;
  let sawCrlf = false, sawLf = false;
  let err: string | undefined;
  let closed = false;
  while (pos >= 0) {
    let p = pos + delim.length;
    if (body.startsWith('--', p)) {
      closed = true;
      const rest = body.slice(p + 2);
      if (rest.replace(/^\r?\n/, '') !== '') flags['MULTIPART_DATA_AFTER'] = 1;
      break;
    }
    // end of boundary line
    if (body.startsWith('\r\n', p)) { p += 2; sawCrlf = true; }
    else if (body[p] === '\n') { p += 1; sawLf = true; flags['MULTIPART_LF_LINE'] = 1; }
    else { flags['MULTIPART_INVALID_PART'] = 1; }
    // the part ends at the next delimiter at a line start
    let next = body.indexOf('\n' + delim, p);
    if (next < 0) { flags['MULTIPART_UNMATCHED_BOUNDARY'] = 1; err = 'Multipart: final boundary missing'; next = body.length; }
    let partEnd = next;
    if (next < body.length && body[next - 1] === '\r') partEnd = next - 1;
    else if (next < body.length) { sawLf = true; flags['MULTIPART_LF_LINE'] = 1; }
    const part = body.slice(p, partEnd);
    // headers: up to the first empty line
    let hdrEnd = part.indexOf('\r\n\r\n');
    let sepLen = 4;
    const lfEnd = part.indexOf('\n\n');
    if (hdrEnd < 0 || (lfEnd >= 0 && lfEnd < hdrEnd)) { hdrEnd = lfEnd; sepLen = 2; }
    if (hdrEnd < 0) { flags['MULTIPART_INVALID_PART'] = 1; err ??= 'Multipart: part without header terminator'; pos = next < body.length ? next + 1 : -1; continue; }
    const headerLines = part.slice(0, hdrEnd).split(/\r?\n/);
    const content = part.slice(hdrEnd + sepLen);
    const headers: string[] = [];
    for (const line of headerLines) {
      if ((line.startsWith(' ') || line.startsWith('\t')) && headers.length) {
        flags['MULTIPART_HEADER_FOLDING'] = 1;
        headers[headers.length - 1] += line;
        continue;
      }
      headers.push(line);
    }
    let name: string | undefined;
    let filename: string | undefined;
    for (const h of headers) {
      for (let i = 0; i < h.length; i++) {
        const c = h.charCodeAt(i);
        if ((c < 0x20 && c !== 9) || c === 0x7f) { err ??= 'Multipart: Invalid part header (contains invalid character)'; flags['MULTIPART_INVALID_PART'] = 1; break; }
      }
      const colon = h.indexOf(':');
      if (colon <= 0) { flags['MULTIPART_INVALID_PART'] = 1; continue; }
      const hn = h.slice(0, colon).trim().toLowerCase();
      const hv = h.slice(colon + 1).trim();
      if (hn === 'content-disposition') {
        if (!/^form-data\s*;/i.test(hv)) flags['MULTIPART_MISSING_SEMICOLON'] = /^form-data\s/i.test(hv) ? 1 : flags['MULTIPART_MISSING_SEMICOLON']!;
        name = dispositionParam(hv, 'name');
        filename = dispositionParam(hv, 'filename');
        if (/name\s*=\s*'|=\s*"[^"]*$/i.test(hv)) flags['MULTIPART_INVALID_QUOTING'] = 1;
      }
    }
    const key = name ?? '';
    for (const h of headers) partHeaders.add(key, h);
    if (filename !== undefined) {
      files.add(key, filename);
      sizes.add(key, String(content.length));
      filesSize += content.length;
    } else {
      if (count < argLimit) { args.add(key, content); count++; }
    }
    pos = next < body.length ? next + 1 : -1;
  }
  if (!closed) { flags['MULTIPART_UNMATCHED_BOUNDARY'] = 1; err ??= 'Multipart: final boundary missing'; }
  if (sawCrlf && sawLf) flags['MULTIPART_CRLF_LF_LINES'] = 1;
  s.set('FILES_COMBINED_SIZE', String(filesSize));
  return finish(err);
}
