import { WafEngine } from '../../../src/waf/engine.js';
import type { Transaction } from '../../../src/waf/transaction.js';

/** An engine from SecLang text (tests write small rule sets inline). */
export function engineFrom(text: string, name = 'test.conf'): WafEngine {
  return WafEngine.load({ preamble: { name, text } });
}

export interface Req {
  method?: string;
  uri?: string;
  headers?: [string, string][];
  body?: string;
}

/** Runs a request through phases 1, 2 and 5; returns the transaction. */
export function run(engine: WafEngine, req: Req = {}): Transaction {
  const tx = engine.newTransaction('test');
  tx.setConnection('127.0.0.1', 40000);
  tx.setRequest({ method: req.method ?? 'GET', uri: req.uri ?? '/', protocol: 'HTTP/1.1' }, req.headers ?? [['Host', 'localhost']]);
  if (!tx.phaseRequestHeaders()) tx.phaseRequestBody(req.body);
  tx.phaseLogging();
  return tx;
}

export function ids(tx: Transaction): number[] {
  return [...new Set(tx.matches.map((m) => m.id))];
}
