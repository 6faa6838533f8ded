import { readFile } from 'node:fs/promises';
import { KmsError, type CurrentIdentity, type KmsClient, type SignRequest, type SignResult, type TrustBundle } from './client.js';
import { httpsCall, jsonAnswer } from './https-request.js';
import { allParse } from './pem.js';

export interface MockAdapterOptions {
  url: string;
  /** PEM text of the CA that signed kms-mock's HTTPS certificate (DIR/kms-ca.pem). */
  caPem: string;
  /** File holding the bootstrap token; read when needed, never logged. */
  tokenFile?: string;
  timeoutMs: number;
}

/**
 * kms-mock over HTTPS. As in SPIRE, the first SVID is bought with a bootstrap token and every
 * renewal is authenticated by the SVID still in force, over mTLS. Once the SVID has expired the
 * token is the only way back in.
 */
export class MockKmsClient implements KmsClient {
  readonly adapter = 'mock';
  private identity: CurrentIdentity | undefined;
  private readonly base: URL;

  constructor(private readonly opts: MockAdapterOptions) {
    this.base = new URL(opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
  }

  setIdentity(identity: CurrentIdentity | undefined): void {
    this.identity = identity;
  }

  async sign(req: SignRequest): Promise<SignResult> {
    const id = this.identity;
    const useMtls = id !== undefined && id.notAfter.getTime() > Date.now();
    try {
      return await this.signOnce(req, useMtls ? id : undefined);
    } catch (err) {
      // The KMS no longer accepts our SVID (its root was withdrawn early, or it lost its state):
      // fall back to the bootstrap token when we have one, as a fresh workload would.
      if (useMtls && err instanceof KmsError && err.reason === 'unauthorized' && this.opts.tokenFile) return this.signOnce(req, undefined);
      throw err;
    }
  }

  private async signOnce(req: SignRequest, id: CurrentIdentity | undefined): Promise<SignResult> {
    const headers: Record<string, string> = { 'idempotency-key': req.idempotencyKey };
    const useMtls = id !== undefined;
    if (!useMtls) {
      if (!this.opts.tokenFile) throw new KmsError('unauthorized', 'no valid SVID to renew with and no tokenFile for the first issuance');
      headers['authorization'] = `Bearer ${(await readToken(this.opts.tokenFile))}`;
    }
    const ans = await httpsCall({
      method: 'POST',
      url: new URL('v1/svid/sign', this.base),
      ca: this.opts.caPem,
      ...(useMtls ? { cert: id.certChainPem, key: id.keyPem } : {}),
      headers,
      body: { csr: req.csrPem, spiffeId: req.spiffeId, ttl: req.ttlSeconds, idempotencyKey: req.idempotencyKey },
      timeoutMs: this.opts.timeoutMs,
    });
    const body = jsonAnswer(ans, 'sign') as { chain?: unknown };
    const chain = body?.chain;
    if (!Array.isArray(chain) || !chain.every((c) => typeof c === 'string') || !allParse(chain as string[])) {
      throw new KmsError('bad_response', 'sign: KMS answer has no readable certificate chain');
    }
    return { chainPem: chain as string[] };
  }

  async fetchBundle(): Promise<TrustBundle> {
    const ans = await httpsCall({ method: 'GET', url: new URL('v1/bundle', this.base), ca: this.opts.caPem, timeoutMs: this.opts.timeoutMs });
    return parseBundle(ans);
  }

  /**
   * Long-polls `GET /v1/bundle/watch?after=SEQ`: kms-mock answers as soon as the sequence moves past
   * SEQ (or after `wait` seconds with the bundle unchanged). Errors back off 1–2 s and retry.
   */
  watchBundle(onChange: (bundle: TrustBundle) => void): () => void {
    const ctl = new AbortController();
    const waitS = 25;
    void (async () => {
      let after = -1;
      while (!ctl.signal.aborted) {
        try {
          const url = new URL('v1/bundle/watch', this.base);
          url.searchParams.set('after', String(after));
          url.searchParams.set('wait', String(waitS));
          const ans = await httpsCall({ method: 'GET', url, ca: this.opts.caPem, timeoutMs: (waitS + 5) * 1000, signal: ctl.signal });
          const b = parseBundle(ans);
          after = b.sequence as number;
          onChange(b);
        } catch {
          if (ctl.signal.aborted) break;
          await new Promise<void>((r) => setTimeout(r, 1000 + Math.random() * 1000).unref());
        }
      }
    })();
    return () => ctl.abort();
  }

  async close(): Promise<void> {
    this.identity = undefined;
  }
}

function parseBundle(ans: Parameters<typeof jsonAnswer>[0]): TrustBundle {
  const b = jsonAnswer(ans, 'bundle') as { trustDomain?: unknown; sequence?: unknown; roots?: unknown };
  if (typeof b?.trustDomain !== 'string' || typeof b.sequence !== 'number' || !Array.isArray(b.roots) || !b.roots.every((r) => typeof r === 'string') || !allParse(b.roots as string[])) {
    throw new KmsError('bad_response', 'bundle: KMS answer is not a trust bundle');
  }
  return { trustDomain: b.trustDomain, sequence: b.sequence, rootsPem: b.roots as string[] };
}

export async function readToken(file: string): Promise<string> {
  let t: string;
  try {
    t = (await readFile(file, 'utf8')).trim();
  } catch (err) {
    throw new KmsError('unauthorized', `cannot read token file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (!t) throw new KmsError('unauthorized', `token file ${file} is empty`);
  return t;
}
