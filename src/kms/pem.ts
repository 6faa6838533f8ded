import { X509Certificate, createHash } from 'node:crypto';

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';

/** The CERTIFICATE blocks of a PEM text, each normalised to end with a newline. */
export function splitPemCerts(text: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const b = text.indexOf(BEGIN, from);
    if (b < 0) break;
    const e = text.indexOf(END, b);
    if (e < 0) break;
    out.push(text.slice(b, e + END.length) + '\n');
    from = e + END.length;
  }
  return out;
}

/** True when every entry is a PEM certificate that node:crypto can parse. */
export function allParse(pems: string[]): boolean {
  try {
    for (const p of pems) new X509Certificate(p);
    return pems.length > 0;
  } catch {
    return false;
  }
}

/** A stable version for a set of roots when the KMS publishes no sequence (Vault, a local CA). */
export function rootsDigest(rootsPem: string[]): string {
  const h = createHash('sha256');
  for (const p of [...rootsPem].map((x) => new X509Certificate(x).fingerprint256).sort()) h.update(p);
  return h.digest('hex').slice(0, 16);
}
