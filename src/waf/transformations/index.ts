import type { Transformation } from '../types.js';
import { none } from './none.js';
import { lowercase } from './lowercase.js';
import { uppercase } from './uppercase.js';
import { urlDecodeUni } from './url-decode-uni.js';
import { urlDecode } from './url-decode.js';
import { urlEncode } from './url-encode.js';
import { jsDecode } from './js-decode.js';
import { htmlEntityDecode } from './html-entity-decode.js';
import { utf8toUnicode } from './utf8-to-unicode.js';
import { removeNulls } from './remove-nulls.js';
import { replaceNulls } from './replace-nulls.js';
import { cssDecode } from './css-decode.js';
import { cmdLine } from './cmd-line.js';
import { removeWhitespace } from './remove-whitespace.js';
import { compressWhitespace } from './compress-whitespace.js';
import { replaceComments } from './replace-comments.js';
import { removeComments } from './remove-comments.js';
import { removeCommentsChar } from './remove-comments-char.js';
import { normalizePath } from './normalize-path.js';
import { normalizePathWin } from './normalize-path-win.js';
import { escapeSeqDecode } from './escape-seq-decode.js';
import { base64Decode } from './base64-decode.js';
import { base64DecodeExt } from './base64-decode-ext.js';
import { base64Encode } from './base64-encode.js';
import { length } from './length.js';
import { hexEncode } from './hex-encode.js';
import { hexDecode } from './hex-decode.js';
import { sha1 } from './sha1.js';
import { md5 } from './md5.js';
import { trim, trimLeft, trimRight } from './trim.js';
import { sqlHexDecode } from './sql-hex-decode.js';

/** Every transformation, by lower-case SecLang name (`t:urlDecodeUni`). */
export const TRANSFORMATIONS: ReadonlyMap<string, Transformation> = new Map(
  [
    none, lowercase, uppercase, urlDecodeUni, urlDecode, urlEncode, jsDecode, htmlEntityDecode, utf8toUnicode,
    removeNulls, replaceNulls, cssDecode, cmdLine, removeWhitespace, compressWhitespace, replaceComments,
    removeComments, removeCommentsChar, normalizePath, normalizePathWin, escapeSeqDecode, base64Decode,
    base64DecodeExt, base64Encode, length, hexEncode, hexDecode, sha1, md5, trim, trimLeft, trimRight, sqlHexDecode,
  ].map((t) => [t.name.toLowerCase(), t]),
);
