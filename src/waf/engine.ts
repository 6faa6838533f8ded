import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserInputError } from '../errors.js';
import { RuleSetBuilder, type EngineSettings, type RuleSet } from './ruleset.js';
import { Transaction } from './transaction.js';

export interface WafSource {
  /** SecLang text loaded first (our own setup: engine settings, CRS tx variables). */
  preamble?: { text: string; name: string };
  /** A CRS checkout (its root or its rules/ folder): every REQUEST-*.conf and RESPONSE-*.conf, in name order. */
  crsDir?: string;
  /** More SecLang files, loaded after CRS (or alone). */
  files?: string[];
  settings?: Partial<EngineSettings>;
}

/** The files `crsDir` stands for, in load order. */
export function crsRuleFiles(crsDir: string): string[] {
  const rulesDir = existsSync(path.join(crsDir, 'rules')) && statSync(path.join(crsDir, 'rules')).isDirectory() ? path.join(crsDir, 'rules') : crsDir;
  let names: string[];
  try {
    names = readdirSync(rulesDir);
  } catch (err) {
    throw new UserInputError({ file: crsDir }, `cannot read CRS directory: ${(err as Error).message}`);
  }
  const files = names.filter((n) => /^(REQUEST|RESPONSE)-\d+-.*\.conf$/.test(n)).sort().map((n) => path.join(rulesDir, n));
  if (files.length === 0) throw new UserInputError({ file: crsDir }, 'no REQUEST-*.conf / RESPONSE-*.conf rule files found');
  return files;
}

/** A compiled rule set; transactions share it read-only. Build a new engine to reload. */
export class WafEngine {
  readonly ruleSet: RuleSet;
  readonly files: string[];

  private constructor(rs: RuleSet, files: string[]) {
    this.ruleSet = rs;
    this.files = files;
  }

  static load(src: WafSource): WafEngine {
    const b = new RuleSetBuilder(src.settings);
    const files: string[] = [];
    if (src.preamble) b.addText(src.preamble.text, src.preamble.name);
    if (src.crsDir) for (const f of crsRuleFiles(src.crsDir)) { b.addFile(f); files.push(f); }
    for (const f of src.files ?? []) { b.addFile(f); files.push(f); }
    return new WafEngine(b.build(), files);
  }

  get ruleCount(): number {
    return this.ruleSet.rules.length;
  }

  newTransaction(id?: string): Transaction {
    return new Transaction(this.ruleSet, id ?? randomBytes(12).toString('base64url'));
  }
}
