import { BlockList, isIP } from 'node:net';
import type { OperatorDef } from './types.js';
import { UserInputError } from '../../errors.js';

export const ipMatch: OperatorDef = {
  name: 'ipMatch',
  compile(param, ctx) {
    const list = new BlockList();
    for (const raw of param.split(',')) {
      const item = raw.trim();
      if (item === '') continue;
      const [addr, bits] = item.split('/');
      const fam = isIP(addr!);
      if (fam === 0) throw new UserInputError(ctx.where, `@ipMatch: not an IP address: "${item}"`);
      const type = fam === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) list.addAddress(addr!, type);
      else list.addSubnet(addr!, Number(bits), type);
    }
    return (_tx, v) => {
      const fam = isIP(v);
      if (fam === 0) return false;
      return list.check(v, fam === 6 ? 'ipv6' : 'ipv4');
    };
  },
};
