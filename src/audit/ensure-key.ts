import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateSigningKeyPair } from './checkpoint.js';

/** The public key file that goes with a private key file: `x.pem` → `x.pub.pem`. */
export function publicKeyPath(privateKeyFile: string): string {
  return privateKeyFile.endsWith('.pem') ? `${privateKeyFile.slice(0, -4)}.pub.pem` : `${privateKeyFile}.pub.pem`;
}

/**
 * For the demo and first runs: makes an ES256 key pair at `privateKeyFile` (0600) and its `.pub.pem`
 * unless the private key is already there. An existing key is never replaced (records signed with it
 * would no longer verify).
 */
export async function ensureSigningKey(privateKeyFile: string): Promise<{ privateKey: string; publicKey: string; created: boolean }> {
  const priv = path.resolve(privateKeyFile);
  const pub = publicKeyPath(priv);
  const exists = await access(priv).then(() => true, () => false);
  if (exists) return { privateKey: priv, publicKey: pub, created: false };
  await mkdir(path.dirname(priv), { recursive: true, mode: 0o700 });
  const { privatePem, publicPem } = generateSigningKeyPair();
  await writeFile(priv, privatePem, { mode: 0o600, flag: 'wx' });
  await writeFile(pub, publicPem, { mode: 0o644 });
  return { privateKey: priv, publicKey: pub, created: true };
}
