import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import type * as Pkcs11Types from 'pkcs11js';

// pkcs11js is a native CommonJS addon; load it only when a pkcs11-ca adapter is configured.
const require = createRequire(import.meta.url);
type Pkcs11Module = typeof Pkcs11Types;

// DER of the P-256 OID (1.2.840.10045.3.1.7) as CKA_EC_PARAMS holds it, and the SPKI prefix for a
// P-256 public key: SEQUENCE { SEQUENCE { ecPublicKey, prime256v1 }, BIT STRING 0x00 || point }.
const P256_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

interface Loaded {
  lib: Pkcs11Types.PKCS11;
  refs: number;
}

const loaded = new Map<string, Loaded>();

function acquire(mod: Pkcs11Module, modulePath: string): Pkcs11Types.PKCS11 {
  let l = loaded.get(modulePath);
  if (!l) {
    const lib = new mod.PKCS11();
    lib.load(modulePath);
    try {
      lib.C_Initialize();
    } catch (err) {
      if (!String((err as Error).message).includes('CKR_CRYPTOKI_ALREADY_INITIALIZED')) throw err;
    }
    l = { lib, refs: 0 };
    loaded.set(modulePath, l);
  }
  l.refs++;
  return l.lib;
}

function release(modulePath: string): void {
  const l = loaded.get(modulePath);
  if (!l) return;
  if (--l.refs > 0) return;
  loaded.delete(modulePath);
  try {
    l.lib.C_Finalize();
  } finally {
    l.lib.close();
  }
}

export interface TokenSelector {
  module: string;
  /** Index into the slots that hold a token. */
  slot?: number;
  /** Token label (blank padding ignored); wins over `slot`. */
  tokenLabel?: string;
  pin: string;
}

/**
 * A logged-in session on a PKCS#11 token. The CA's private key is only ever a handle here: the
 * token signs a digest and returns the signature; the key's value is never asked for.
 */
export class Pkcs11Token {
  private closed = false;
  private constructor(
    private readonly mod: Pkcs11Module,
    private readonly lib: Pkcs11Types.PKCS11,
    private readonly session: Buffer,
    private readonly modulePath: string,
  ) {}

  static open(sel: TokenSelector): Pkcs11Token {
    const mod = require('pkcs11js') as Pkcs11Module;
    const lib = acquire(mod, sel.module);
    try {
      const slots = lib.C_GetSlotList(true);
      let slot: Buffer | undefined;
      if (sel.tokenLabel !== undefined) slot = slots.find((s) => lib.C_GetTokenInfo(s).label.trim() === sel.tokenLabel);
      else slot = slots[sel.slot ?? 0];
      if (!slot) throw new Error(sel.tokenLabel !== undefined ? `no PKCS#11 token labelled "${sel.tokenLabel}"` : `no PKCS#11 token in slot index ${sel.slot ?? 0} (${slots.length} with a token)`);
      const session = lib.C_OpenSession(slot, mod.CKF_SERIAL_SESSION | mod.CKF_RW_SESSION);
      try {
        lib.C_Login(session, mod.CKU_USER, sel.pin);
      } catch (err) {
        if (!String((err as Error).message).includes('CKR_USER_ALREADY_LOGGED_IN')) {
          lib.C_CloseSession(session);
          throw new Error(`PKCS#11 login failed: ${(err as Error).message.split('\n')[0]}`);
        }
      }
      return new Pkcs11Token(mod, lib, session, sel.module);
    } catch (err) {
      release(sel.module);
      throw err;
    }
  }

  private findOne(cls: number, label: string): Buffer | null {
    this.lib.C_FindObjectsInit(this.session, [
      { type: this.mod.CKA_CLASS, value: cls },
      { type: this.mod.CKA_LABEL, value: label },
    ]);
    try {
      return this.lib.C_FindObjects(this.session);
    } finally {
      this.lib.C_FindObjectsFinal(this.session);
    }
  }

  privateKey(label: string): Buffer {
    const h = this.findOne(this.mod.CKO_PRIVATE_KEY, label);
    if (!h) throw new Error(`no private key labelled "${label}" in the PKCS#11 token`);
    return h;
  }

  /** SPKI DER of the P-256 public key object with this label. */
  publicKeySpki(label: string): Buffer {
    const h = this.findOne(this.mod.CKO_PUBLIC_KEY, label);
    if (!h) throw new Error(`no public key labelled "${label}" in the PKCS#11 token`);
    const [params, point] = this.lib.C_GetAttributeValue(this.session, h, [{ type: this.mod.CKA_EC_PARAMS }, { type: this.mod.CKA_EC_POINT }]);
    if (!params?.value.equals(P256_PARAMS)) throw new Error(`key "${label}" is not an EC P-256 key`);
    // CKA_EC_POINT is a DER OCTET STRING (04 41) around the uncompressed point (04 || X || Y).
    const raw = point!.value.length === 67 && point!.value[0] === 0x04 && point!.value[1] === 0x41 ? point!.value.subarray(2) : point!.value;
    if (raw.length !== 65 || raw[0] !== 0x04) throw new Error(`key "${label}" has an unexpected EC point encoding`);
    return Buffer.concat([P256_SPKI_PREFIX, raw]);
  }

  /** ECDSA P-256 over SHA-256 of `data`: the digest is made here, the token signs it (CKM_ECDSA). Raw r||s. */
  signEcdsaSha256(key: Buffer, data: Uint8Array): Buffer {
    const digest = createHash('sha256').update(data).digest();
    this.lib.C_SignInit(this.session, { mechanism: this.mod.CKM_ECDSA }, key);
    return this.lib.C_Sign(this.session, digest, Buffer.alloc(128));
  }

  /**
   * Makes a P-256 key pair in the token that can sign and can never be read out
   * (CKA_SENSITIVE true, CKA_EXTRACTABLE false). For setting up a CA and for tests.
   */
  generateCaKey(label: string): { spki: Buffer } {
    const m = this.mod;
    const id = createHash('sha256').update(label).digest().subarray(0, 8);
    this.lib.C_GenerateKeyPair(
      this.session,
      { mechanism: m.CKM_EC_KEY_PAIR_GEN },
      [
        { type: m.CKA_TOKEN, value: true },
        { type: m.CKA_VERIFY, value: true },
        { type: m.CKA_EC_PARAMS, value: P256_PARAMS },
        { type: m.CKA_LABEL, value: label },
        { type: m.CKA_ID, value: id },
      ],
      [
        { type: m.CKA_TOKEN, value: true },
        { type: m.CKA_PRIVATE, value: true },
        { type: m.CKA_SIGN, value: true },
        { type: m.CKA_SENSITIVE, value: true },
        { type: m.CKA_EXTRACTABLE, value: false },
        { type: m.CKA_LABEL, value: label },
        { type: m.CKA_ID, value: id },
      ],
    );
    return { spki: this.publicKeySpki(label) };
  }

  /** The raw PKCS#11 attributes of the private key, for tests that prove it cannot be read. */
  privateKeyAttributes(label: string): { extractable: boolean; sensitive: boolean; readValue: () => Buffer } {
    const h = this.privateKey(label);
    const [ext, sens] = this.lib.C_GetAttributeValue(this.session, h, [{ type: this.mod.CKA_EXTRACTABLE }, { type: this.mod.CKA_SENSITIVE }]);
    return {
      extractable: ext!.value[0] === 1,
      sensitive: sens!.value[0] === 1,
      readValue: () => this.lib.C_GetAttributeValue(this.session, h, [{ type: this.mod.CKA_VALUE }])[0]!.value,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.lib.C_CloseSession(this.session);
    } finally {
      release(this.modulePath);
    }
  }
}
