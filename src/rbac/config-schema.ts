/** `rbac:` config section. Owned by the RBAC filter; the root schema embeds it. */
export interface RbacConfig {
  model: string;
  policy: string;
  mode?: 'enforce' | 'audit' | 'off';
  shadow?: { policy: string; model?: string };
}

export const rbacSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'policy'],
  properties: {
    model: { type: 'string', minLength: 1, description: 'Casbin model file (model.conf)' },
    policy: { type: 'string', minLength: 1, description: 'Casbin policy file (policy.csv)' },
    mode: { enum: ['enforce', 'audit', 'off'], default: 'enforce', description: 'enforce: deny answers 403; audit: log what would be denied and allow; off: no authorization' },
    shadow: {
      type: 'object',
      additionalProperties: false,
      required: ['policy'],
      description: 'A candidate policy evaluated on live traffic without effect; differences are logged and counted',
      properties: {
        policy: { type: 'string', minLength: 1 },
        model: { type: 'string', minLength: 1 },
      },
    },
  },
} as const;
