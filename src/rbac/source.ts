import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Helper, newModelFromString, type Model } from 'casbin';
import { UserInputError } from '../errors.js';
import { parseSpiffeId } from '../tls/spiffe.js';

/** One `p` line of the policy file, with where it came from. */
export interface PolicyRule {
  /** Position among the rules of its ptype, in file order (casbin's evaluation order). */
  readonly index: number;
  readonly ptype: string;
  readonly values: readonly string[];
  readonly file: string;
  readonly line: number;
  /** `file:line`, as shown in logs, explain and the access log. */
  readonly origin: string;
}

/** One `g` line: `child` inherits `parent`. */
export interface GroupingRule {
  readonly gtype: string;
  readonly child: string;
  readonly parent: string;
  readonly file: string;
  readonly line: number;
  readonly origin: string;
}

/** A model and a policy as read from their files and checked by casbin's own loader. */
export interface PolicySource {
  readonly modelFile: string;
  readonly policyFile: string;
  readonly modelText: string;
  readonly policyText: string;
  /** Casbin's model with the policy loaded into it (used to validate and for the fallback enforcer). */
  readonly model: Model;
  /** Rules by ptype, each in file order. */
  readonly rules: ReadonlyMap<string, readonly PolicyRule[]>;
  readonly groupings: readonly GroupingRule[];
  /** Field names of each `p*`/`r*` definition, without the `p_` prefix. */
  readonly ptokens: ReadonlyMap<string, readonly string[]>;
  readonly rtokens: ReadonlyMap<string, readonly string[]>;
  /** `sha256:` + 16 hex digits over model and policy text: the policy version everywhere. */
  readonly version: string;
}

/** Display name of a file in `file:line` origins: the path as the user gave it. */
export function originOf(file: string, line: number): string {
  return `${file}:${line}`;
}

export function policyVersion(modelText: string, policyText: string): string {
  const h = createHash('sha256').update(modelText).update('\0').update(policyText).digest('hex');
  return `sha256:${h.slice(0, 16)}`;
}

/** The 1-based line where `key =` is defined in a model text, or undefined. */
export function modelLineOf(text: string, key: string): number | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.trim();
    if (t.startsWith(key)) {
      const rest = t.slice(key.length).trimStart();
      if (rest.startsWith('=')) return i + 1;
    }
  }
  return undefined;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserInputError({ file }, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Subjects are roles or SPIFFE IDs; anything that looks like a URI must be a valid SPIFFE ID. */
export function checkSubject(value: string, file: string, line: number): void {
  const lower = value.toLowerCase();
  if (lower.startsWith('spiffe:') || value.includes('://')) {
    const parsed = parseSpiffeId(value);
    if ('error' in parsed) throw new UserInputError({ file, line }, `bad SPIFFE ID "${value}": ${parsed.error}`);
  }
}

function roleArity(model: Model, gtype: string): number {
  const value = model.model.get('g')?.get(gtype)?.value ?? '';
  return value.split(',').length;
}

export function loadModelText(modelText: string, modelFile: string): Model {
  let model: Model;
  try {
    model = newModelFromString(modelText);
  } catch (err) {
    const msg = (err as Error).message;
    let line: number | undefined;
    if (/matcher/i.test(msg)) line = modelLineOf(modelText, 'm');
    throw new UserInputError(line ? { file: modelFile, line } : { file: modelFile }, `invalid model: ${msg}`);
  }
  return model;
}

/**
 * Loads a model and a policy text the way casbin does (its own CSV line parser), line by line, so
 * every rule keeps its `file:line`. Stricter than casbin where casbin is silently lossy: a line with
 * an unknown policy type, a wrong field count or a malformed SPIFFE ID is refused.
 */
export function loadPolicySource(opts: { modelFile: string; policyFile: string; modelText?: string; policyText?: string; displayModel?: string; displayPolicy?: string }): PolicySource {
  const modelText = opts.modelText ?? readText(opts.modelFile);
  const policyText = opts.policyText ?? readText(opts.policyFile);
  const mFile = opts.displayModel ?? opts.modelFile;
  const pFile = opts.displayPolicy ?? opts.policyFile;
  const model = loadModelText(modelText, mFile);

  const ptokens = new Map<string, string[]>();
  const rtokens = new Map<string, string[]>();
  for (const [key, ast] of model.model.get('p') ?? new Map()) ptokens.set(key, ast.tokens.map((t: string) => t.slice(key.length + 1)));
  for (const [key, ast] of model.model.get('r') ?? new Map()) rtokens.set(key, ast.tokens.map((t: string) => t.slice(key.length + 1)));

  const rules = new Map<string, PolicyRule[]>();
  const groupings: GroupingRule[] = [];
  const lines = policyText.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const lineNo = i + 1;
    if (!text || text.trim().startsWith('#') || text.trim() === '') continue;
    let tokens: string[][] | null;
    try {
      tokens = ((Helper as unknown as { policyLoader: unknown }).policyLoader as { parser: { parse(l: string): string[][] | null } }).parser.parse(text);
    } catch (err) {
      throw new UserInputError({ file: pFile, line: lineNo }, `syntax error: ${(err as Error).message}`);
    }
    if (!tokens || !tokens[0]) continue;
    let key = tokens[0][0]!.trim();
    if (key.startsWith('"') && key.endsWith('"')) key = key.slice(1, -1);
    const sec = key.slice(0, 1);
    const ast = model.model.get(sec)?.get(key);
    if (!ast || (sec !== 'p' && sec !== 'g')) {
      throw new UserInputError({ file: pFile, line: lineNo }, `unknown policy type "${key}" (the model defines ${[...(model.model.get('p')?.keys() ?? []), ...(model.model.get('g')?.keys() ?? [])].join(', ')})`);
    }
    const before = ast.policy.length;
    Helper.loadPolicyLine(text, model);
    const values = ast.policy[before] as string[] | undefined;
    if (!values || ast.policy.length !== before + 1) throw new UserInputError({ file: pFile, line: lineNo }, 'syntax error: line not understood');
    for (const v of values) {
      if (v.length === 0) throw new UserInputError({ file: pFile, line: lineNo }, 'empty field');
      for (let c = 0; c < v.length; c++) {
        const code = v.charCodeAt(c);
        if (code < 32 || code === 127) throw new UserInputError({ file: pFile, line: lineNo }, 'control character in a field');
      }
    }
    if (sec === 'p') {
      const names = ptokens.get(key)!;
      if (values.length !== names.length) {
        throw new UserInputError({ file: pFile, line: lineNo }, `expected ${names.length} fields after "${key}" (${names.join(', ')}), got ${values.length}`);
      }
      checkSubject(values[0]!, pFile, lineNo);
      const eftAt = names.indexOf('eft');
      if (eftAt >= 0 && values[eftAt] !== 'allow' && values[eftAt] !== 'deny') {
        throw new UserInputError({ file: pFile, line: lineNo }, `effect must be allow or deny, got "${values[eftAt]}"`);
      }
      let list = rules.get(key);
      if (!list) rules.set(key, (list = []));
      list.push({ index: list.length, ptype: key, values, file: pFile, line: lineNo, origin: originOf(pFile, lineNo) });
    } else {
      const arity = roleArity(model, key);
      if (values.length !== arity) throw new UserInputError({ file: pFile, line: lineNo }, `expected ${arity} fields after "${key}", got ${values.length}`);
      checkSubject(values[0]!, pFile, lineNo);
      checkSubject(values[1]!, pFile, lineNo);
      groupings.push({ gtype: key, child: values[0]!, parent: values[1]!, file: pFile, line: lineNo, origin: originOf(pFile, lineNo) });
    }
  }
  return { modelFile: mFile, policyFile: pFile, modelText, policyText, model, rules, groupings, ptokens, rtokens, version: policyVersion(modelText, policyText) };
}
