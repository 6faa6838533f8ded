// @peculiar/x509 needs the Reflect metadata polyfill loaded before it (tsyringe throws otherwise).
import 'reflect-metadata';
import { randomUUID, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { Gauge, type Counter, type Registry } from 'prom-client';
import type { Logger } from '../log.js';
import { counter } from '../admin/metrics-util.js';
import { KmsError, type KmsClient, type TrustBundle } from '../kms/client.js';
import type { CertificateMaterial, CertificateProvider, ProviderStatus } from './provider.js';
import { checkIssued, chainsTo, type RefusalReason } from './cert-manager-checks.js';
import { BundleState } from './bundle.js';
import { splitPemCerts } from '../kms/pem.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface CertManagerOptions {
  client: KmsClient;
  spiffeId: string;
  trustDomain: string;
  ttlSeconds: number;
  /** Renew at this fraction of the lifetime (0.5), ± jitter (0.1) of the lifetime. */
  at: number;
  jitter: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  bundleRefreshMs: number;
  startTimeoutMs: number;
  logger: Logger;
  metrics: Registry;
  /** For tests that pin the jitter; Math.random otherwise. */
  random?: () => number;
}

/** A key and CSR made for one rotation, reused across retries so the idempotency key means something. */
interface Pending {
  keys: CryptoKeyPair;
  spkiDer: Buffer;
  csrPem: string;
  idempotencyKey: string;
}

class Refused extends Error {
  constructor(readonly reason: RefusalReason, message: string) {
    super(message);
  }
}

type FailureReason = RefusalReason | KmsError['reason'] | 'internal';

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const MAX_TIMER_MS = 2 ** 31 - 1;

function pkcs8Pem(der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

/**
 * The certificate manager: gets our SVID from a KMS and keeps it fresh. A new P-256 key for every
 * rotation, made here and never sent anywhere (only the CSR is). Renews at `at` of the lifetime ±
 * `jitter` (Istio, SPIRE); on failure retries with jittered exponential backoff and keeps the
 * certificate in force until it expires (Linkerd, Envoy). What the KMS returns is checked before it
 * is used, and refused (and counted) when it is not ours. Subscribers get every new material: a new
 * certificate, or the same one with a changed trust bundle.
 */
export class CertManager implements CertificateProvider {
  readonly kind = 'kms';
  private material: CertificateMaterial | undefined;
  private readonly bundle = new BundleState();
  private pending: Pending | undefined;
  private readonly listeners = new Set<(m: CertificateMaterial) => void>();
  private renewTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private bundleTimer: NodeJS.Timeout | undefined;
  private stopWatch: (() => void) | undefined;
  private inFlight: Promise<void> | undefined;
  private failuresInRow = 0;
  private nextRenewal: Date | null = null;
  private lastError: string | null = null;
  private lastErrorAt: Date | null = null;
  private rotationCount = 0;
  private stopped = false;
  private readonly log: Logger;
  private readonly random: () => number;
  private readonly rotations: Counter<string>;
  private readonly failures: Counter<'reason'>;
  private readonly bundleFailures: Counter<'reason'>;

  constructor(private readonly opts: CertManagerOptions) {
    this.log = opts.logger.child({ component: 'cert-manager', adapter: opts.client.adapter });
    this.random = opts.random ?? Math.random;
    this.rotations = counter(opts.metrics, 'meshguard_rotations_total', 'Certificates obtained from the KMS and put in force');
    this.failures = counter(opts.metrics, 'meshguard_rotation_failures_total', 'Failed certificate issuances, by reason', ['reason']);
    this.bundleFailures = counter(opts.metrics, 'meshguard_bundle_refresh_failures_total', 'Failed trust bundle refreshes, by reason', ['reason']);
    if (!opts.metrics.getSingleMetric('meshguard_cert_expiry_seconds')) {
      // Computed at scrape time so it is never stale; negative once expired.
      const current = () => this.material;
      new Gauge({
        name: 'meshguard_cert_expiry_seconds',
        help: 'Seconds until the certificate in force expires',
        registers: [opts.metrics],
        collect() {
          const m = current();
          if (m) this.set((m.notAfter.getTime() - Date.now()) / 1000);
        },
      });
    }
  }

  async start(): Promise<void> {
    const deadline = Date.now() + this.opts.startTimeoutMs;
    for (;;) {
      if (this.stopped) throw new Error('certificate manager stopped before the first certificate');
      try {
        await this.rotate();
        break;
      } catch (err) {
        const delay = this.failureDelay();
        if (Date.now() + delay > deadline) {
          throw new Error(`no certificate from the KMS within ${this.opts.startTimeoutMs} ms: ${(err as Error).message}`);
        }
        await new Promise<void>((r) => setTimeout(r, delay));
      }
    }
    this.startBundleRefresh();
  }

  current(): CertificateMaterial | undefined {
    const m = this.material;
    // An expired certificate is not an identity: /ready goes false until a new one arrives.
    return m && m.notAfter.getTime() > Date.now() ? m : undefined;
  }

  subscribe(listener: (m: CertificateMaterial) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): ProviderStatus {
    const m = this.material;
    return {
      provider: 'kms',
      adapter: this.opts.client.adapter,
      nextRenewal: this.nextRenewal,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      rotations: this.rotationCount,
      consecutiveFailures: this.failuresInRow,
      expired: m ? m.notAfter.getTime() <= Date.now() : null,
      bundleSequence: this.bundle.current?.sequence ?? null,
      bundleRoots: this.bundle.current?.rootsPem.length ?? 0,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.renewTimer);
    clearTimeout(this.expiryTimer);
    clearInterval(this.bundleTimer);
    this.stopWatch?.();
    try {
      await this.inFlight;
    } catch {
      /* stopping */
    }
    await this.opts.client.close();
  }

  /** Renew now (outside the schedule); resolves when done or failed. Used on a bundle change and by tests. */
  renewNow(): Promise<void> {
    return this.rotate().then(
      () => undefined,
      () => undefined,
    );
  }

  private rotate(): Promise<void> {
    if (!this.inFlight) {
      this.inFlight = this.attempt().finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async newPending(): Promise<Pending> {
    const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: this.opts.spiffeId }], true)],
    });
    return {
      keys,
      spkiDer: Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey)),
      csrPem: csr.toString('pem'),
      idempotencyKey: randomUUID(),
    };
  }

  /** One issuance: bundle if needed, CSR, sign, check, swap. Schedules the next step either way. */
  private async attempt(): Promise<void> {
    clearTimeout(this.renewTimer);
    try {
      if (!this.bundle.current) await this.refreshBundle(true);
      const pending = (this.pending ??= await this.newPending());
      const res = await this.opts.client.sign({ csrPem: pending.csrPem, spiffeId: this.opts.spiffeId, ttlSeconds: this.opts.ttlSeconds, idempotencyKey: pending.idempotencyKey });
      let check = checkIssued({ chainPem: res.chainPem, ourSpkiDer: pending.spkiDer, spiffeId: this.opts.spiffeId, trustDomain: this.opts.trustDomain, rootsPem: this.bundle.current!.rootsPem });
      if (!check.ok && check.reason === 'untrusted_chain') {
        // The KMS may have rotated its root since we last looked: one fresh look at the bundle.
        await this.refreshBundle(true);
        check = checkIssued({ chainPem: res.chainPem, ourSpkiDer: pending.spkiDer, spiffeId: this.opts.spiffeId, trustDomain: this.opts.trustDomain, rootsPem: this.bundle.current!.rootsPem });
      }
      if (!check.ok) {
        // A refused answer burns this key: the next attempt asks for a new certificate, not a replay.
        this.pending = undefined;
        throw new Refused(check.reason, `refused the certificate the KMS returned: ${check.detail}`);
      }
      const keyPem = pkcs8Pem(await webcrypto.subtle.exportKey('pkcs8', pending.keys.privateKey));
      this.pending = undefined;
      const previous = this.material;
      this.material = this.build(res.chainPem.join(''), keyPem, check.leaf);
      this.opts.client.setIdentity?.({ certChainPem: this.material.certChainPem, keyPem, notAfter: this.material.notAfter });
      this.failuresInRow = 0;
      this.rotationCount++;
      this.rotations.inc();
      this.scheduleRenewal(this.material);
      this.scheduleExpiry(this.material);
      this.log.info(
        { event: 'cert_issued', spiffeId: this.material.spiffeId, serial: this.material.serial, notBefore: this.material.notBefore, notAfter: this.material.notAfter, previousSerial: previous?.serial ?? null, nextRenewal: this.nextRenewal },
        'new certificate from the KMS in force',
      );
      this.emit(this.material);
    } catch (err) {
      this.recordFailure(err);
      if (!this.stopped && this.material) this.scheduleRetry();
      throw err;
    }
  }

  private build(certChainPem: string, keyPem: string, leaf: X509Certificate): CertificateMaterial {
    const b = this.bundle.current!;
    return {
      certChainPem,
      keyPem,
      trustBundlePem: b.rootsPem.join(''),
      leaf,
      spiffeId: this.opts.spiffeId,
      serial: leaf.serialNumber,
      notBefore: new Date(leaf.validFrom),
      notAfter: new Date(leaf.validTo),
      bundleVersion: b.sequence,
    };
  }

  private emit(m: CertificateMaterial): void {
    for (const l of this.listeners) {
      try {
        l(m);
      } catch (err) {
        this.log.error({ err }, 'certificate subscriber failed');
      }
    }
  }

  private recordFailure(err: unknown): void {
    const reason: FailureReason = err instanceof Refused ? err.reason : err instanceof KmsError ? err.reason : 'internal';
    this.failuresInRow++;
    this.lastError = `${reason}: ${(err as Error).message}`;
    this.lastErrorAt = new Date();
    this.failures.inc({ reason });
    this.log.warn({ event: 'cert_issue_failed', reason, err: (err as Error).message, consecutiveFailures: this.failuresInRow, keepingSerial: this.material?.serial ?? null }, 'certificate issuance failed; keeping the certificate in force');
  }

  /** Jittered exponential backoff ("equal jitter"): half fixed, half random, so a fleet does not retry in step. */
  private failureDelay(): number {
    const base = Math.min(this.opts.backoffMaxMs, this.opts.backoffInitialMs * 2 ** Math.max(0, this.failuresInRow - 1));
    return Math.round(base / 2 + (this.random() * base) / 2);
  }

  private scheduleRetry(): void {
    const delay = this.failureDelay();
    this.nextRenewal = new Date(Date.now() + delay);
    this.setRenewTimer(delay);
  }

  private scheduleRenewal(m: CertificateMaterial): void {
    // KMSs backdate notBefore against clock skew (Vault by 30 s): count the lifetime from when we got
    // the certificate, or a short TTL would be "half over" on arrival and renew in a tight loop.
    const start = Math.max(m.notBefore.getTime(), Date.now() - 1000);
    const life = m.notAfter.getTime() - start;
    const frac = this.opts.at + (2 * this.random() - 1) * this.opts.jitter;
    const at = Math.min(Math.max(start + life * frac, Date.now() + 50), m.notAfter.getTime() - 50);
    this.nextRenewal = new Date(at);
    this.setRenewTimer(at - Date.now());
  }

  private setRenewTimer(ms: number): void {
    this.armRenew(Date.now() + Math.max(0, ms));
  }

  /** Node timers overflow past 2^31-1 ms (~24.8 days; a Vault certificate may live a year): re-arm in steps. */
  private armRenew(at: number): void {
    clearTimeout(this.renewTimer);
    if (this.stopped) return;
    this.renewTimer = setTimeout(() => {
      if (Date.now() < at - 5) return this.armRenew(at);
      this.rotate().catch(() => {
        /* recorded and rescheduled in attempt() */
      });
    }, Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS));
    this.renewTimer.unref();
  }

  private scheduleExpiry(m: CertificateMaterial): void {
    clearTimeout(this.expiryTimer);
    if (this.stopped) return;
    const at = m.notAfter.getTime();
    this.expiryTimer = setTimeout(() => {
      if (Date.now() < at - 5) return this.scheduleExpiry(m);
      if (this.material === m) {
        this.log.error({ event: 'cert_expired', serial: m.serial, notAfter: m.notAfter, lastError: this.lastError }, 'certificate expired without a renewal; not ready until the KMS issues a new one');
      }
    }, Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS));
    this.expiryTimer.unref();
  }

  private startBundleRefresh(): void {
    if (this.stopped) return;
    if (this.opts.client.watchBundle) {
      this.stopWatch = this.opts.client.watchBundle((b) => this.acceptBundle(b));
    }
    this.bundleTimer = setInterval(() => {
      this.refreshBundle(false).catch(() => {
        /* counted and logged in refreshBundle */
      });
    }, this.opts.bundleRefreshMs);
    this.bundleTimer.unref();
  }

  /** Fetches the bundle; `strict` rethrows (issuance needs it), otherwise a failure is only counted. */
  private async refreshBundle(strict: boolean): Promise<void> {
    let b: TrustBundle;
    try {
      b = await this.opts.client.fetchBundle();
      if (b.trustDomain !== this.opts.trustDomain) throw new KmsError('bad_response', `KMS bundle is for trust domain ${b.trustDomain}, not ${this.opts.trustDomain}`);
    } catch (err) {
      const reason = err instanceof KmsError ? err.reason : 'internal';
      this.bundleFailures.inc({ reason });
      if (strict) throw err;
      this.log.warn({ event: 'bundle_refresh_failed', reason, err: (err as Error).message }, 'trust bundle refresh failed; keeping the bundle in force');
      return;
    }
    this.acceptBundle(b);
  }

  private acceptBundle(b: TrustBundle): void {
    const change = this.bundle.offer(b);
    if (change.kind === 'stale') {
      this.log.warn({ event: 'bundle_stale', offered: b.sequence, current: this.bundle.current?.sequence }, 'KMS offered an older trust bundle; ignored');
      return;
    }
    if (change.kind === 'same') return;
    this.log.info({ event: 'bundle_changed', sequence: b.sequence, roots: change.roots, added: change.added, removed: change.removed }, 'trust bundle changed');
    const m = this.material;
    if (!m) return;
    this.material = { ...m, trustBundlePem: b.rootsPem.join(''), bundleVersion: b.sequence };
    this.emit(this.material);
    const chain = splitPemCerts(m.certChainPem).map((p) => new X509Certificate(p));
    if (!chainsTo(chain, this.bundle.current!.rootsPem.map((p) => new X509Certificate(p)))) {
      // Our own certificate lost its root: get one from the new CA now rather than at the schedule.
      this.log.warn({ event: 'cert_untrusted_by_bundle', serial: m.serial }, 'certificate no longer chains to the trust bundle; renewing now');
      void this.renewNow();
    }
  }
}
