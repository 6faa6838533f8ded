import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument, LineCounter, isMap, isSeq, isPair, isScalar, type Node as YamlNode } from 'yaml';
import { Ajv, type ErrorObject } from 'ajv';
import { configSchema } from './schema.js';
import type { MeshguardConfig } from './types.js';
import { UserInputError, UserInputErrors } from '../errors.js';
import { isSpiffeId, parseSpiffeId } from '../tls/spiffe.js';

export interface LoadedConfig {
  config: MeshguardConfig;
  /** Absolute path of the file. */
  file: string;
  /** Its directory: relative paths in the config resolve against it. */
  dir: string;
  /** The file's text, for content hashing and /config_dump. */
  text: string;
}

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: false });
const validate = ajv.compile<MeshguardConfig>(configSchema);

/** Walks a YAML document to the node at a JSON pointer path, for line numbers. */
function nodeAt(root: YamlNode | null, segments: string[]): { node: YamlNode | null; keyNode: YamlNode | null } {
  let node: YamlNode | null = root;
  let keyNode: YamlNode | null = null;
  for (const seg of segments) {
    if (node && isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === seg);
      if (!pair) return { node, keyNode };
      keyNode = pair.key as YamlNode;
      node = (pair.value as YamlNode | null) ?? keyNode;
    } else if (node && isSeq(node)) {
      const item = node.items[Number(seg)] as YamlNode | undefined;
      if (!item) return { node, keyNode };
      node = item;
      keyNode = null;
    } else {
      return { node, keyNode };
    }
  }
  return { node, keyNode };
}

function describe(err: ErrorObject): { key: string; message: string } {
  const segs = err.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const key = segs.join('.') || '(root)';
  switch (err.keyword) {
    case 'additionalProperties':
      return { key: key === '(root)' ? String(err.params['additionalProperty']) : `${key}.${String(err.params['additionalProperty'])}`, message: 'unknown key' };
    case 'required':
      return { key: key === '(root)' ? String(err.params['missingProperty']) : `${key}.${String(err.params['missingProperty'])}`, message: 'required key is missing' };
    case 'enum':
      return { key, message: `must be one of ${(err.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    default:
      return { key, message: err.message ?? err.keyword };
  }
}

/** Parses and validates config text. Every error names the file, the line and the key. */
export function parseConfig(text: string, file: string): MeshguardConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const errors: UserInputError[] = [];
  for (const e of doc.errors) {
    const pos = e.linePos?.[0] ?? (e.pos ? lineCounter.linePos(e.pos[0]) : undefined);
    errors.push(new UserInputError({ file, ...(pos ? { line: pos.line, column: pos.col } : {}) }, e.message.split('\n')[0]!));
  }
  if (errors.length) throw new UserInputErrors(errors);
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserInputErrors([new UserInputError({ file, line: 1 }, 'the config must be a YAML mapping')]);
  }
  const lineOf = (segments: string[]): number | undefined => {
    const { node, keyNode } = nodeAt(doc.contents as YamlNode | null, segments);
    const target = keyNode ?? node;
    const offset = target?.range?.[0];
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  if (!validate(value)) {
    const seen = new Set<string>();
    for (const err of validate.errors ?? []) {
      // if/then/else and anyOf produce a summary error beside the precise ones; keep the precise ones.
      if (err.keyword === 'if' || err.keyword === 'anyOf') continue;
      const { key, message } = describe(err);
      const id = `${key}:${message}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const segs = err.instancePath.split('/').slice(1);
      if (err.keyword === 'additionalProperties') segs.push(String(err.params['additionalProperty']));
      const line = lineOf(segs);
      errors.push(new UserInputError({ file, ...(line ? { line } : {}) }, message, key));
    }
    throw new UserInputErrors(errors);
  }
  const config = value;
  // Cross-field rules a JSON Schema cannot say.
  const id = parseSpiffeId(config.identity);
  if ('error' in id) errors.push(new UserInputError({ file, line: lineOf(['identity']) ?? 1 }, `not a SPIFFE ID: ${id.error}`, 'identity'));
  else if (id.trustDomain !== config.trustDomain) errors.push(new UserInputError({ file, line: lineOf(['identity']) ?? 1 }, `trust domain ${id.trustDomain} is not trustDomain ${config.trustDomain}`, 'identity'));
  config.outbound?.routes.forEach((r, i) => {
    r.spiffeIds.forEach((s, j) => {
      if (!isSpiffeId(s)) errors.push(new UserInputError({ file, line: lineOf(['outbound', 'routes', String(i), 'spiffeIds', String(j)]) ?? 1 }, 'not a valid SPIFFE ID', `outbound.routes[${i}].spiffeIds[${j}]`));
    });
    const dup = config.outbound!.routes.findIndex((o) => o.host.toLowerCase() === r.host.toLowerCase());
    if (dup !== i) errors.push(new UserInputError({ file, line: lineOf(['outbound', 'routes', String(i), 'host']) ?? 1 }, `duplicate route host (also routes[${dup}])`, `outbound.routes[${i}].host`));
  });
  if (!config.inbound && !config.outbound) errors.push(new UserInputError({ file, line: 1 }, 'at least one of inbound or outbound is needed'));
  if (errors.length) throw new UserInputErrors(errors);
  return config;
}

export async function loadConfig(file: string): Promise<LoadedConfig> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    throw new UserInputError({ file: abs }, `cannot read config: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { config: parseConfig(text, abs), file: abs, dir: path.dirname(abs), text };
}
