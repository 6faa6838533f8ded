import { X509Certificate } from 'node:crypto';
import { KmsError, type KmsClient, type SignRequest, type SignResult, type TrustBundle } from './client.js';
import { httpsCall, jsonAnswer } from './https-request.js';
import { readToken } from './mock-adapter.js';
import { allParse, rootsDigest, splitPemCerts } from './pem.js';

export interface VaultAdapterOptions {
  url: string;
  /** PEM CA that verifies Vault's HTTPS certificate; absent → the system roots. */
  caPem?: string;
  /** File holding the Vault token, sent as X-Vault-Token; read on every call so a rotated token is picked up. */
  tokenFile: string;
  /** PKI secrets engine mount (default `pki`) and role. */
  mount: string;
  role: string;
  /** Vault roles require a common name unless `require_cn=false`; an SVID needs none. */
  commonName?: string;
  /** Vault Enterprise namespace (X-Vault-Namespace). */
  namespace?: string;
  trustDomain: string;
  timeoutMs: number;
}

function isSelfSigned(pem: string): boolean {
  const c = new X509Certificate(pem);
  return c.checkIssued(c) && c.verify(c.publicKey);
}

/**
 * HashiCorp Vault's PKI secrets engine, as its API documents it: `POST /v1/<mount>/sign/<role>`
 * with `csr`, `uri_sans` and `ttl`; `GET /v1/<mount>/ca_chain` (a bare PEM answer) for the trust
 * bundle, whose self-signed members are the roots.
 */
export class VaultKmsClient implements KmsClient {
  readonly adapter = 'vault';
  private readonly base: URL;

  constructor(private readonly opts: VaultAdapterOptions) {
    this.base = new URL(opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
  }

  private async headers(): Promise<Record<string, string>> {
    const h: Record<string, string> = { 'x-vault-token': await readToken(this.opts.tokenFile) };
    if (this.opts.namespace) h['x-vault-namespace'] = this.opts.namespace;
    return h;
  }

  async sign(req: SignRequest): Promise<SignResult> {
    const body: Record<string, unknown> = {
      csr: req.csrPem,
      uri_sans: req.spiffeId,
      ttl: `${req.ttlSeconds}s`,
      format: 'pem',
    };
    if (this.opts.commonName) body['common_name'] = this.opts.commonName;
    const ans = await httpsCall({
      method: 'POST',
      url: new URL(`v1/${encodeURIComponent(this.opts.mount)}/sign/${encodeURIComponent(this.opts.role)}`, this.base),
      ...(this.opts.caPem ? { ca: this.opts.caPem } : {}),
      headers: await this.headers(),
      body,
      timeoutMs: this.opts.timeoutMs,
    });
    const parsed = jsonAnswer(ans, 'vault sign') as { data?: { certificate?: unknown; ca_chain?: unknown; issuing_ca?: unknown } };
    const data = parsed?.data;
    if (typeof data?.certificate !== 'string') throw new KmsError('bad_response', 'vault sign: answer has no data.certificate');
    let cas: string[] = [];
    if (Array.isArray(data.ca_chain) && data.ca_chain.every((c) => typeof c === 'string')) cas = (data.ca_chain as string[]).flatMap(splitPemCerts);
    else if (typeof data.issuing_ca === 'string') cas = splitPemCerts(data.issuing_ca);
    const leaf = splitPemCerts(data.certificate);
    if (leaf.length === 0 || !allParse(leaf) || (cas.length > 0 && !allParse(cas))) throw new KmsError('bad_response', 'vault sign: certificate is not readable PEM');
    // Roots travel in the bundle, not in the chain we present.
    return { chainPem: [...leaf, ...cas.filter((c) => !isSelfSigned(c))] };
  }

  async fetchBundle(): Promise<TrustBundle> {
    const ans = await httpsCall({
      method: 'GET',
      url: new URL(`v1/${encodeURIComponent(this.opts.mount)}/ca_chain`, this.base),
      ...(this.opts.caPem ? { ca: this.opts.caPem } : {}),
      headers: await this.headers(),
      timeoutMs: this.opts.timeoutMs,
    });
    if (ans.status === 401 || ans.status === 403) throw new KmsError('unauthorized', `vault ca_chain: HTTP ${ans.status}`, ans.status);
    if (ans.status < 200 || ans.status >= 300) throw new KmsError('error', `vault ca_chain: HTTP ${ans.status}`, ans.status);
    const certs = splitPemCerts(ans.text);
    if (!allParse(certs)) throw new KmsError('bad_response', 'vault ca_chain: answer is not a PEM chain');
    const roots = certs.filter(isSelfSigned);
    if (roots.length === 0) throw new KmsError('bad_response', 'vault ca_chain: no self-signed root in the chain (import the root into the mount)');
    return { trustDomain: this.opts.trustDomain, rootsPem: roots, sequence: rootsDigest(roots) };
  }

  async close(): Promise<void> {}
}
