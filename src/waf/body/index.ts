import type { Transaction } from '../transaction.js';
import { parseQueryInto } from './urlencoded.js';
import { parseJsonInto } from './json.js';
import { parseMultipart } from './multipart.js';
import { parseXml } from './xml.js';

/** The processor a Content-Type selects when no rule chose one (ctl:requestBodyProcessor). */
export function processorForContentType(ct: string): string | undefined {
  const t = ct.toLowerCase();
  if (t.startsWith('application/x-www-form-urlencoded')) return 'URLENCODED';
  if (t.startsWith('multipart/form-data')) return 'MULTIPART';
  if (/^application\/(?:[a-z0-9.+-]*\+)?json/.test(t)) return 'JSON';
  if (/^(?:application(?:\/soap\+|\/)|text\/)xml/.test(t)) return 'XML';
  return undefined;
}

/**
 * Runs before phase 2: fills ARGS_POST, FILES, XML, REQUEST_BODY... and the error variables.
 * Returns the body length without uploaded file contents (what SecRequestBodyNoFilesLimit bounds).
 */
export function processRequestBody(tx: Transaction, body: string, complete: boolean): number {
  const s = tx.scalars;
  const limits = tx.rs.settings;
  s.set('REQUEST_BODY_LENGTH', String(body.length));
  s.set('REQBODY_ERROR', '0');
  s.set('REQBODY_PROCESSOR_ERROR', '0');
  const ct = tx.collection('REQUEST_HEADERS').first('content-type') ?? '';
  const proc = tx.bodyProcessor ?? processorForContentType(ct);
  let nonFile = body.length;
  if (proc) s.set('REQBODY_PROCESSOR', proc);
  let error: string | undefined;
  switch (proc) {
    case 'URLENCODED':
      if (!parseQueryInto(body, tx.collection('ARGS_POST'), limits.argumentsLimit)) error = 'URLENCODED: too many arguments';
      break;
    case 'JSON':
      error = parseJsonInto(body, tx.collection('ARGS_POST'), limits.argumentsLimit, limits.requestBodyJsonDepthLimit).error;
      break;
    case 'MULTIPART':
      error = parseMultipart(tx, body, ct, limits.argumentsLimit);
      nonFile -= Number(s.get('FILES_COMBINED_SIZE') ?? '0');
      break;
    case 'XML': {
      const r = parseXml(body);
      tx.setXml(r.text, r.attrs);
      error = r.error;
      break;
    }
    default:
      break;
  }
  if (!complete) error ??= undefined;
  // The raw body is a variable unless a structured processor (XML, MULTIPART) took it apart; CRS
  // reads it for JSON bodies too. ctl:forceRequestBodyVariable brings it back.
  if ((proc !== 'XML' && proc !== 'MULTIPART') || tx.forceRequestBodyVariable) s.set('REQUEST_BODY', body);
  if (error) {
    s.set('REQBODY_ERROR', '1');
    s.set('REQBODY_ERROR_MSG', error);
    s.set('REQBODY_PROCESSOR_ERROR', '1');
    s.set('REQBODY_PROCESSOR_ERROR_MSG', error);
  }
  return nonFile;
}
