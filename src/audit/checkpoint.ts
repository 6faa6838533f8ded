import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CompactSign, compactVerify } from 'jose';

/**
 * A signed checkpoint: the signer vouches that the chain, in file `file`, reached record `seq` whose
 * hash is `hash`. `reason: rotate` promises that another file follows; `shutdown` closes the chain.
 */
export interface CheckpointPayload {
  v: 1;
  seq: number;
  hash: string;
  time: string;
  file: string;
  reason: 'records' | 'time' | 'rotate' | 'shutdown' | 'recovered';
}

/** The line a checkpoint occupies in an audit file. The payload outside `jws` is informative only. */
export interface CheckpointLine {
  checkpoint: CheckpointPayload;
  jws: string;
}

const ALG = 'ES256';

function assertP256(key: KeyObject, file: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`${file}: not an ES256 (EC P-256) key`);
  }
}

/** Loads the ES256 private key (PEM, PKCS#8 or SEC1) that signs checkpoints. The key stays in memory only. */
export async function loadSigningKey(file: string): Promise<KeyObject> {
  let key: KeyObject;
  try {
    key = createPrivateKey(await readFile(file));
  } catch (err) {
    throw new Error(`${file}: cannot read the checkpoint signing key (${(err as NodeJS.ErrnoException).code ?? 'not a PEM private key'})`);
  }
  assertP256(key, file);
  return key;
}

/** Loads the public key that verifies checkpoints (a PEM public key, or the private key itself). */
export async function loadVerifyKey(file: string): Promise<KeyObject> {
  let key: KeyObject;
  try {
    key = createPublicKey(await readFile(file));
  } catch (err) {
    throw new Error(`${file}: cannot read the verification key (${(err as NodeJS.ErrnoException).code ?? 'not a PEM key'})`);
  }
  assertP256(key, file);
  return key;
}

export async function signCheckpoint(payload: CheckpointPayload, key: KeyObject): Promise<CheckpointLine> {
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: ALG, typ: 'meshguard-audit-checkpoint' })
    .sign(key);
  return { checkpoint: payload, jws };
}

/** The signed payload, or null when the signature does not verify with `key`. */
export async function verifyCheckpoint(jws: string, key: KeyObject): Promise<CheckpointPayload | null> {
  try {
    const { payload } = await compactVerify(jws, key, { algorithms: [ALG] });
    return JSON.parse(new TextDecoder().decode(payload)) as CheckpointPayload;
  } catch {
    return null;
  }
}

/** A new ES256 key pair as PEM (private: PKCS#8, public: SPKI). */
export function generateSigningKeyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
