import { readFileSync } from 'node:fs';
import { UserInputError } from '../../errors.js';

/** One line of a go-ftw corpus converted to JSON lines (fields as CORPUS.md describes them). */
export interface CorpusTest {
  id: string;
  uid: string;
  stage: number;
  stages: number;
  rule: number | null;
  rule_pl: number | null;
  desc: string | null;
  method: string | null;
  uri: string | null;
  version: string | null;
  headers: [string, string][] | null;
  body: string | null;
  body_b64: boolean;
  raw: string | null;
  expect_ids: number[];
  no_expect_ids: number[];
  status: number | number[] | null;
  match_regex: string | null;
  no_match_regex: string | null;
  expect_error: boolean;
  kind: string;
  reflect: { body?: string; headers?: Record<string, string>; status?: number } | null;
  wire?: string;
}

export function loadCorpus(file: string): CorpusTest[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserInputError({ file }, `cannot read corpus: ${(err as Error).message}`);
  }
  const out: CorpusTest[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l === '') continue;
    let t: CorpusTest;
    try {
      t = JSON.parse(l) as CorpusTest;
    } catch (err) {
      throw new UserInputError({ file, line: i + 1 }, `not JSON: ${(err as Error).message}`);
    }
    if (typeof t.id !== 'string' || !Array.isArray(t.expect_ids) || !Array.isArray(t.no_expect_ids)) {
      throw new UserInputError({ file, line: i + 1 }, 'not a corpus test line (id, expect_ids, no_expect_ids)');
    }
    t.uid ??= t.id;
    out.push(t);
  }
  return out;
}
