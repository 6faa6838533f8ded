/** `waf:` config section. Owned by the WAF filter; the root schema embeds it. */
export interface WafExclusion {
  /** Outbound route name / host, or `inbound` for the local app. */
  route?: string;
  spiffeId?: string;
  pathPrefix?: string;
  ruleIds?: number[];
  tags?: string[];
}

export interface WafConfig {
  mode?: 'block' | 'detect' | 'off';
  rules?: string[];
  crs?: string;
  paranoia?: 1 | 2 | 3 | 4;
  exclusions?: WafExclusion[];
  requestBodyLimit?: number;
  /** Bytes of request body other than uploaded files (every rule reads them). */
  requestBodyNoFilesLimit?: number;
  onBodyLimit?: 'reject' | 'partial';
  inspectResponse?: boolean;
  /** Listeners the WAF applies to (default: inbound only). */
  listeners?: ('inbound' | 'outbound')[];
  /** Bytes of response body inspected in phase 4 when inspectResponse is on. */
  responseBodyLimit?: number;
}

export const wafSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: { enum: ['block', 'detect', 'off'], default: 'block' },
    rules: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'SecLang rule files (globs allowed); default policies/waf/*.conf' },
    crs: { type: 'string', minLength: 1, description: 'Directory of an OWASP CRS v4 checkout (its rules/ folder or its root)' },
    paranoia: { type: 'integer', minimum: 1, maximum: 4, default: 1 },
    exclusions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          route: { type: 'string' },
          spiffeId: { type: 'string' },
          pathPrefix: { type: 'string' },
          ruleIds: { type: 'array', items: { type: 'integer' } },
          tags: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    requestBodyLimit: { type: 'integer', minimum: 0, description: 'Bytes of request body buffered for inspection' },
    requestBodyNoFilesLimit: { type: 'integer', minimum: 0, description: 'Bytes of request body other than uploaded file contents (default 131072, as ModSecurity); over it: 413 or partial, as onBodyLimit says' },
    onBodyLimit: { enum: ['reject', 'partial'], default: 'reject', description: 'reject: 413; partial: inspect the first requestBodyLimit bytes' },
    inspectResponse: { type: 'boolean', default: false, description: 'Run phases 3-4 on responses' },
    listeners: { type: 'array', items: { enum: ['inbound', 'outbound'] }, uniqueItems: true, default: ['inbound'], description: 'Listeners the WAF applies to' },
    responseBodyLimit: { type: 'integer', minimum: 0, description: 'Bytes of response body inspected (phase 4) when inspectResponse is on' },
  },
} as const;
