// @peculiar/x509 needs the Reflect metadata polyfill loaded before it (tsyringe throws otherwise).
import 'reflect-metadata';
import { randomBytes, webcrypto, X509Certificate as NodeCert } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { KmsError, type KmsClient, type SignRequest, type SignResult, type TrustBundle } from './client.js';
import { readToken } from './mock-adapter.js';
import { allParse, rootsDigest, splitPemCerts } from './pem.js';
import { Pkcs11Token } from './pkcs11-token.js';
import { parseSpiffeId } from '../tls/spiffe.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface Pkcs11CaOptions {
  module: string;
  slot?: number;
  tokenLabel?: string;
  pinFile: string;
  keyLabel: string;
  /** PEM: the CA certificate whose key is in the token, then its intermediates up to (optionally) the root. */
  caCertPem: string;
  /** PEM roots; default: the self-signed certificates of caCertPem. */
  bundlePem?: string;
  trustDomain: string;
  /** Longest lifetime it signs (default 24 h). */
  maxTtlSeconds?: number;
}

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN_ALG = { name: 'ECDSA', hash: 'SHA-256' } as const;

function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}

/**
 * A WebCrypto facade whose only signing key is a PKCS#11 handle, so @peculiar/x509 can build and
 * sign a certificate while the CA key stays in the token. Everything else is Node's WebCrypto.
 */
function tokenCrypto(token: Pkcs11Token, key: Buffer): Crypto {
  const subtle = {
    sign: async (_alg: unknown, _key: unknown, data: BufferSource) => {
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array((data as ArrayBufferView).buffer, (data as ArrayBufferView).byteOffset, (data as ArrayBufferView).byteLength);
      const sig = token.signEcdsaSha256(key, bytes);
      return sig.buffer.slice(sig.byteOffset, sig.byteOffset + sig.byteLength);
    },
  };
  return new Proxy(webcrypto as unknown as Crypto, {
    get(target, prop) {
      if (prop === 'subtle') return new Proxy(target.subtle, { get: (s, p) => (p === 'sign' ? subtle.sign : (s as unknown as Record<string | symbol, unknown>)[p]) });
      return (target as unknown as Record<string | symbol, unknown>)[prop];
    },
  });
}

/** The stand-in CryptoKey @peculiar/x509 reads the signature algorithm from; never used to sign. */
const TOKEN_KEY = { algorithm: EC_KEY, type: 'private', extractable: false, usages: ['sign'] } as unknown as CryptoKey;

/**
 * A self-signed CA certificate for the key labelled `keyLabel` in the token, signed by the token.
 * For teams that start their HSM CA from scratch (and for tests); otherwise the CA certificate
 * comes from the offline root that signed the token's key.
 */
export async function selfSignedTokenCa(token: Pkcs11Token, keyLabel: string, opts: { commonName: string; days?: number }): Promise<string> {
  const spki = token.publicKeySpki(keyLabel);
  const pub = new x509.PublicKey(new Uint8Array(spki));
  const notBefore = new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: `CN=${opts.commonName}`,
      issuer: `CN=${opts.commonName}`,
      notBefore,
      notAfter: new Date(notBefore.getTime() + (opts.days ?? 3650) * 86_400_000),
      publicKey: pub,
      signingKey: TOKEN_KEY,
      signingAlgorithm: SIGN_ALG,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(pub),
      ],
    },
    tokenCrypto(token, token.privateKey(keyLabel)),
  );
  return cert.toString('pem') + '\n';
}

function isSelfSigned(pem: string): boolean {
  const c = new NodeCert(pem);
  return c.checkIssued(c) && c.verify(c.publicKey);
}

/**
 * `pkcs11-ca`: an in-process CA whose signing key lives in a PKCS#11 token (an HSM, or SoftHSM2 in
 * development). It signs our own CSRs the way kms-mock does (one URI SAN, our trust domain), with
 * @peculiar/x509 building the certificate and the token making the signature.
 */
export class Pkcs11CaClient implements KmsClient {
  readonly adapter = 'pkcs11-ca';
  private token: Pkcs11Token | undefined;
  private key: Buffer | undefined;
  private readonly chain: string[];
  private readonly caCert: x509.X509Certificate;
  private readonly roots: string[];

  constructor(private readonly opts: Pkcs11CaOptions) {
    this.chain = splitPemCerts(opts.caCertPem);
    if (!allParse(this.chain)) throw new Error('certificates.kms.caCert holds no readable PEM certificate');
    this.caCert = new x509.X509Certificate(this.chain[0]!);
    this.roots = opts.bundlePem ? splitPemCerts(opts.bundlePem) : this.chain.filter(isSelfSigned);
    if (this.roots.length === 0 || !allParse(this.roots)) throw new Error('certificates.kms: no trust bundle (set kms.bundle, or end caCert with the root)');
  }

  private async open(): Promise<{ token: Pkcs11Token; key: Buffer }> {
    if (this.token && this.key) return { token: this.token, key: this.key };
    let token: Pkcs11Token;
    try {
      token = Pkcs11Token.open({ module: this.opts.module, ...(this.opts.slot !== undefined ? { slot: this.opts.slot } : {}), ...(this.opts.tokenLabel !== undefined ? { tokenLabel: this.opts.tokenLabel } : {}), pin: await readToken(this.opts.pinFile) });
    } catch (err) {
      if (err instanceof KmsError) throw err;
      throw new KmsError('unavailable', `PKCS#11 token: ${(err as Error).message}`);
    }
    try {
      const key = token.privateKey(this.opts.keyLabel);
      const spki = token.publicKeySpki(this.opts.keyLabel);
      // A CA certificate for another key would make every certificate we sign fail to verify.
      if (!Buffer.from(this.caCert.publicKey.rawData).equals(spki)) throw new Error(`caCert is not the certificate of the token key "${this.opts.keyLabel}"`);
      this.token = token;
      this.key = key;
      return { token, key };
    } catch (err) {
      token.close();
      throw new KmsError('error', `PKCS#11 token: ${(err as Error).message}`);
    }
  }

  async sign(req: SignRequest): Promise<SignResult> {
    const { token, key } = await this.open();
    const id = parseSpiffeId(req.spiffeId);
    if ('error' in id || id.trustDomain !== this.opts.trustDomain) throw new KmsError('error', `will not sign ${req.spiffeId}: not a SPIFFE ID of ${this.opts.trustDomain}`);
    const csr = new x509.Pkcs10CertificateRequest(req.csrPem);
    if (!(await csr.verify())) throw new KmsError('error', 'CSR signature does not verify');
    const uris: string[] = [];
    for (const ext of csr.extensions) {
      if (ext.type !== '2.5.29.17') continue;
      for (const n of new x509.SubjectAlternativeNameExtension(ext.rawData).names.items) if (n.type === 'url') uris.push(n.value);
    }
    if (uris.length !== 1 || uris[0] !== req.spiffeId) throw new KmsError('error', 'CSR must carry exactly one URI SAN, the SPIFFE ID asked for');
    const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
    const ttl = Math.min(req.ttlSeconds, this.opts.maxTtlSeconds ?? 86_400);
    const notAfter = new Date(Math.min(notBefore.getTime() + ttl * 1000, this.caCert.notAfter.getTime()));
    const leaf = await x509.X509CertificateGenerator.create(
      {
        serialNumber: serial(),
        subject: '',
        issuer: this.caCert.subject,
        notBefore,
        notAfter,
        publicKey: csr.publicKey,
        signingKey: TOKEN_KEY,
        signingAlgorithm: SIGN_ALG,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
          new x509.SubjectAlternativeNameExtension([{ type: 'url', value: req.spiffeId }], true),
          await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
          await x509.AuthorityKeyIdentifierExtension.create(this.caCert),
        ],
      },
      tokenCrypto(token, key),
    );
    return { chainPem: [leaf.toString('pem') + '\n', ...this.chain.filter((c) => !isSelfSigned(c))] };
  }

  async fetchBundle(): Promise<TrustBundle> {
    return { trustDomain: this.opts.trustDomain, rootsPem: this.roots, sequence: rootsDigest(this.roots) };
  }

  async close(): Promise<void> {
    this.token?.close();
    this.token = undefined;
    this.key = undefined;
  }
}
