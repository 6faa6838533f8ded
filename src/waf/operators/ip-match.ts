import type { OperatorDef } from './types.js';
import { UserInputError } from '../../errors.js';

/** An address as 16 bytes (IPv4 mapped into ::ffff:0:0/96), or undefined when it is not one. */
export function parseIp(s: string): Uint8Array | undefined {
  if (s.includes(':')) return parseV6(s);
  const v4 = parseV4(s);
  if (!v4) return undefined;
  const out = new Uint8Array(16);
  out[10] = 0xff; out[11] = 0xff;
  out.set(v4, 12);
  return out;
}

function parseV4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (p === '' || p.length > 3) return undefined;
    let n = 0;
    for (let j = 0; j < p.length; j++) {
      const c = p.charCodeAt(j);
      if (c < 48 || c > 57) return undefined;
      n = n * 10 + (c - 48);
    }
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseV6(s: string): Uint8Array | undefined {
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return undefined;
  const head = dbl >= 0 ? s.slice(0, dbl) : s;
  const tail = dbl >= 0 ? s.slice(dbl + 2) : '';
  const words = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const groups = part.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseV4(g);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        continue;
      }
      if (g === '' || g.length > 4 || !/^[0-9a-fA-F]+$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const h = words(head);
  const t = words(tail);
  if (!h || !t) return undefined;
  if (dbl < 0 ? h.length !== 8 : h.length + t.length > 7) return undefined;
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) { out[2 * i] = all[i]! >> 8; out[2 * i + 1] = all[i]! & 0xff; }
  return out;
}

interface Net {
  addr: Uint8Array;
  bits: number;
}

function inNet(ip: Uint8Array, n: Net): boolean {
  let bits = n.bits;
  for (let i = 0; i < 16 && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((ip[i]! & mask) !== (n.addr[i]! & mask)) return false;
  }
  return true;
}

/** Comma-separated addresses and CIDR blocks, IPv4 and IPv6 (plain byte compares, no allocation per block). */
export const ipMatch: OperatorDef = {
  name: 'ipMatch',
  compile(param, ctx) {
    const nets: Net[] = [];
    for (const raw of param.split(',')) {
      const item = raw.trim();
      if (item === '') continue;
      const slash = item.indexOf('/');
      const addr = parseIp(slash < 0 ? item : item.slice(0, slash));
      if (!addr) throw new UserInputError(ctx.where, `@ipMatch: not an IP address: "${item}"`);
      const v4 = !item.includes(':');
      let bits = 128;
      if (slash >= 0) {
        const b = Number(item.slice(slash + 1));
        const max = v4 ? 32 : 128;
        if (!Number.isInteger(b) || b < 0 || b > max) throw new UserInputError(ctx.where, `@ipMatch: bad prefix length in "${item}"`);
        bits = v4 ? 96 + b : b;
      }
      nets.push({ addr, bits });
    }
    return (_tx, v) => {
      const ip = parseIp(v.trim());
      if (!ip) return false;
      for (const n of nets) if (inNet(ip, n)) return true;
      return false;
    };
  },
};
