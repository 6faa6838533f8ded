import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import { counter } from '../admin/metrics-util.js';
import type { CertificateMaterial, CertificateProvider, ProviderStatus } from './provider.js';
import type { ProviderDeps } from './providers.js';
import { buildMaterial } from './material.js';

const DEBOUNCE_MS = 150;

/**
 * Certificates from PEM files (cert-manager, SPIRE's file helper, or `meshguard certs dev`). The
 * directories are watched, since tools replace files by rename; a change that does not make a valid
 * identity (a half-written file, a key for another cert) is logged and counted, and the old
 * material stays in force.
 */
export class FilesProvider implements CertificateProvider {
  readonly kind = 'files';
  private material: CertificateMaterial | undefined;
  private readonly listeners = new Set<(m: CertificateMaterial) => void>();
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastError: string | null = null;
  private lastErrorAt: Date | null = null;
  private loads = 0;
  private readonly files: { cert: string; key: string; bundle: string };
  private readonly log: Logger;
  private readonly failures;
  private readonly shouldWatch: boolean;

  constructor(private readonly deps: ProviderDeps) {
    const f = deps.config.certificates.files;
    if (!f) throw new Error('certificates.files is required with provider: files');
    const r = (p: string) => path.resolve(deps.configDir, p);
    this.files = { cert: r(f.cert), key: r(f.key), bundle: r(f.bundle) };
    this.shouldWatch = f.watch !== false;
    this.log = deps.logger.child({ component: 'certs' });
    this.failures = counter(deps.metrics, 'meshguard_cert_reload_failures_total', 'Certificate files that changed but did not make a valid identity');
  }

  async start(): Promise<void> {
    this.material = await this.load();
    this.log.info({ event: 'cert_loaded', serial: this.material.serial, spiffeId: this.material.spiffeId, notAfter: this.material.notAfter }, 'certificate loaded from files');
    if (this.shouldWatch) {
      const dirs = new Set(Object.values(this.files).map((f) => path.dirname(f)));
      const names = new Set(Object.values(this.files).map((f) => path.basename(f)));
      for (const dir of dirs) {
        const w = watch(dir, (_event, name) => {
          if (name === null || names.has(name.toString())) this.schedule();
        });
        w.on('error', (err) => this.log.warn({ err: err.message, dir }, 'certificate directory watch failed'));
        this.watchers.push(w);
      }
    }
  }

  private async load(): Promise<CertificateMaterial> {
    const read = async (which: keyof FilesProvider['files']) => {
      try {
        return await readFile(this.files[which], 'utf8');
      } catch (err) {
        throw new Error(`certificates.files.${which}: cannot read ${this.files[which]}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    };
    const [certChainPem, keyPem, trustBundlePem] = await Promise.all([read('cert'), read('key'), read('bundle')]);
    try {
      return buildMaterial({ certChainPem, keyPem, trustBundlePem, trustDomain: this.deps.config.trustDomain, expectedId: this.deps.config.identity });
    } catch (err) {
      throw new Error(`certificates.files (${this.files.cert}): ${(err as Error).message}`);
    }
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reload();
    }, DEBOUNCE_MS);
  }

  /** Re-reads the files now; the material changes only when they make a valid identity. */
  async reload(): Promise<boolean> {
    try {
      const next = await this.load();
      if (this.material && next.leaf.fingerprint256 === this.material.leaf.fingerprint256 && next.trustBundlePem === this.material.trustBundlePem) return false;
      this.material = next;
      this.loads++;
      this.lastError = null;
      this.log.info({ event: 'cert_rotated', serial: next.serial, notAfter: next.notAfter }, 'certificate files changed: new handshakes use the new certificate');
      for (const l of this.listeners) l(next);
      return true;
    } catch (err) {
      this.lastError = (err as Error).message;
      this.lastErrorAt = new Date();
      this.failures.inc();
      this.log.error({ event: 'cert_reload_failed', err: this.lastError }, 'certificate files changed but are not usable; keeping the current certificate');
      return false;
    }
  }

  current(): CertificateMaterial | undefined {
    return this.material;
  }

  subscribe(listener: (m: CertificateMaterial) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): ProviderStatus {
    return { provider: 'files', files: this.files, reloads: this.loads, lastError: this.lastError, lastErrorAt: this.lastErrorAt, nextRenewal: null };
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
    this.listeners.clear();
  }
}
