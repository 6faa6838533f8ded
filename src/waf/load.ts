import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { UserInputError } from '../errors.js';
import { repoRoot } from '../paths.js';
import type { WafConfig } from './config-schema.js';
import { WafEngine, crsRuleFiles } from './engine.js';

export const DEFAULT_REQUEST_BODY_LIMIT = 8 * 1024 * 1024;
export const DEFAULT_RESPONSE_BODY_LIMIT = 512 * 1024;
/** ModSecurity's default: every rule reads non-file body bytes (about 0.5 s of CPU per MiB with CRS PL1). */
export const DEFAULT_NO_FILES_LIMIT = 128 * 1024;
export const DEFAULT_RULES = 'policies/waf/*.conf';

/**
 * Expands one `rules:` entry: a file, or a glob whose last segment holds `*` (`policies/waf/*.conf`),
 * matched in name order. A pattern that matches nothing is an error (a typo must not mean "no rules").
 */
export function expandRuleGlob(entry: string, baseDir: string): string[] {
  const abs = path.resolve(baseDir, entry);
  const base = path.basename(abs);
  if (!base.includes('*')) {
    if (!existsSync(abs)) throw new UserInputError({ file: entry }, 'rule file not found');
    return [abs];
  }
  const dir = path.dirname(abs);
  const [pre, ...rest] = base.split('*');
  const post = rest.join('*');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new UserInputError({ file: entry }, 'rule directory not found');
  }
  const out = names.filter((n) => n.startsWith(pre!) && n.endsWith(post) && n.length >= pre!.length + post.length).sort().map((n) => path.join(dir, n));
  if (out.length === 0) throw new UserInputError({ file: entry }, 'no rule file matches');
  return out;
}

/**
 * Our own SecLang preamble for a deployment: engine settings from the config and, with CRS, the
 * tx variables crs-setup.conf would set (paranoia, setup version). `block` runs the engine `On`;
 * `detect` runs it DetectionOnly and the filter logs what would have blocked.
 */
export function deploymentPreamble(cfg: WafConfig): string {
  const pl = cfg.paranoia ?? 1;
  const lines = [
    `SecRuleEngine ${cfg.mode === 'detect' ? 'DetectionOnly' : 'On'}`,
    'SecRequestBodyAccess On',
    `SecResponseBodyAccess ${cfg.inspectResponse ? 'On' : 'Off'}`,
    'SecResponseBodyMimeType text/plain text/html text/xml application/json',
    `SecRequestBodyLimit ${cfg.requestBodyLimit ?? DEFAULT_REQUEST_BODY_LIMIT}`,
    `SecRequestBodyNoFilesLimit ${cfg.requestBodyNoFilesLimit ?? DEFAULT_NO_FILES_LIMIT}`,
    `SecResponseBodyLimit ${cfg.responseBodyLimit ?? DEFAULT_RESPONSE_BODY_LIMIT}`,
    `SecRequestBodyLimitAction ${cfg.onBodyLimit === 'partial' ? 'ProcessPartial' : 'Reject'}`,
    ...[1, 2, 3, 4, 5].map((p) => `SecDefaultAction "phase:${p},log,auditlog,pass"`),
  ];
  if (cfg.crs) {
    lines.push(`SecAction "id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=${pl}"`);
    lines.push('SecAction "id:900990,phase:1,pass,t:none,nolog,setvar:tx.crs_setup_version=4280"');
  } else {
    lines.push(`SecAction "id:900000,phase:1,pass,t:none,nolog,setvar:tx.paranoia_level=${pl}"`);
  }
  return lines.join('\n') + '\n';
}

/** Every file a WAF config reads (to watch), and the compiled engine. Throws UserInputError with file:line. */
export function loadWafEngine(cfg: WafConfig, configDir: string): { engine: WafEngine; files: string[] } {
  const files: string[] = [];
  let crsDir: string | undefined;
  if (cfg.crs) {
    crsDir = path.resolve(configDir, cfg.crs);
    files.push(...crsRuleFiles(crsDir));
  }
  const ruleFiles: string[] = [];
  if (cfg.rules && cfg.rules.length) for (const r of cfg.rules) ruleFiles.push(...expandRuleGlob(r, configDir));
  else if (!cfg.crs) ruleFiles.push(...expandRuleGlob(DEFAULT_RULES, repoRoot));
  files.push(...ruleFiles);
  const src: Parameters<typeof WafEngine.load>[0] = { preamble: { name: 'meshguard-waf-setup', text: deploymentPreamble(cfg) }, files: ruleFiles };
  if (crsDir) src.crsDir = crsDir;
  return { engine: WafEngine.load(src), files };
}
