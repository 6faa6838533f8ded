import type { OperatorDef } from './types.js';
import { loadDetector } from './load-detector.js';

type SqliFn = (input: string) => { match: boolean; fingerprint: string };
const detect = await loadDetector<SqliFn>('sqli', 'detectSQLi');

/** libinjection-style SQLi detection; the fingerprint is captured as TX.0. */
export const detectSQLi: OperatorDef = {
  name: 'detectSQLi',
  compile: () => (tx, v, capture) => {
    if (!detect) return false;
    const r = detect(v);
    if (r.match && capture) tx.setCapture(0, r.fingerprint);
    return r.match;
  },
};
