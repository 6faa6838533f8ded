import type { OperatorDef } from './types.js';
import { rx } from './rx.js';
import { pm } from './pm.js';
import { pmFromFile, pmf } from './pm-from-file.js';
import { streq } from './streq.js';
import { contains } from './contains.js';
import { containsWord } from './contains-word.js';
import { beginsWith } from './begins-with.js';
import { endsWith } from './ends-with.js';
import { within } from './within.js';
import { eq } from './eq.js';
import { ne } from './ne.js';
import { lt } from './lt.js';
import { le } from './le.js';
import { gt } from './gt.js';
import { ge } from './ge.js';
import { validateByteRange } from './validate-byte-range.js';
import { validateUrlEncoding } from './validate-url-encoding.js';
import { validateUtf8Encoding } from './validate-utf8-encoding.js';
import { ipMatch } from './ip-match.js';
import { unconditionalMatch } from './unconditional-match.js';
import { noMatch } from './no-match.js';
import { detectSQLi } from './detect-sqli.js';
import { detectXSS } from './detect-xss.js';

/** Every operator, by lower-case SecLang name (`@pmFromFile`). */
export const OPERATORS: ReadonlyMap<string, OperatorDef> = new Map(
  [
    rx, pm, pmFromFile, pmf, streq, contains, containsWord, beginsWith, endsWith, within, eq, ne, lt, le, gt, ge,
    validateByteRange, validateUrlEncoding, validateUtf8Encoding, ipMatch, unconditionalMatch, noMatch,
    detectSQLi, detectXSS,
  ].map((o) => [o.name.toLowerCase(), o]),
);
