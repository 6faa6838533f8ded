import type { ActionDef } from './types.js';
import { UserInputError } from '../../errors.js';
import { TRANSFORMATIONS } from '../transformations/index.js';
/** `t:name` appends a transformation; `t:none` drops those inherited so far. */
export const t: ActionDef = {
  name: 't',
  kind: 'nondisruptive',
  apply(rule, value, ctx) {
    const name = (value ?? '').trim();
    const tr = TRANSFORMATIONS.get(name.toLowerCase());
    if (!tr) throw new UserInputError(ctx.where, `unknown transformation "t:${name}"`);
    if (tr.name === 'none') rule.transforms = [];
    else rule.transforms.push(tr);
    rule.tkey = rule.transforms.map((x) => x.name).join(',');
  },
};
