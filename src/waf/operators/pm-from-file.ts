import type { OperatorDef } from './types.js';
import { phraseMatcher, readPhraseFile } from './phrases.js';

export const pmFromFile: OperatorDef = {
  name: 'pmFromFile',
  compile(param, ctx) {
    const phrases: string[] = [];
    for (const f of param.trim().split(/\s+/)) phrases.push(...readPhraseFile(f, ctx));
    return phraseMatcher(phrases);
  },
};

export const pmf: OperatorDef = { name: 'pmf', compile: pmFromFile.compile };
