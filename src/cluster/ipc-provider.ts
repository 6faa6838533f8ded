import type { CertificateMaterial, CertificateProvider, ProviderStatus } from '../identity/provider.js';
import { buildMaterial } from '../identity/material.js';
import type { MaterialMessage } from './messages.js';

/**
 * A worker's certificate provider: material comes from the primary, which runs the one real
 * provider (and the one KMS client) for all workers. Each update is checked again here, so a
 * worker never installs what it would not accept from files.
 */
export class IpcProvider implements CertificateProvider {
  readonly kind = 'primary';
  private material: CertificateMaterial | undefined;
  private readonly listeners = new Set<(m: CertificateMaterial) => void>();
  private first: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private lastError: string | null = null;

  constructor(private readonly trustDomain: string, private readonly expectedId: string) {}

  accept(msg: MaterialMessage): void {
    try {
      const m = buildMaterial({ ...msg, trustDomain: this.trustDomain, expectedId: this.expectedId });
      this.material = m;
      this.lastError = null;
      if (this.first) {
        this.first.resolve();
        this.first = null;
      } else {
        for (const l of this.listeners) l(m);
      }
    } catch (err) {
      this.lastError = (err as Error).message;
    }
  }

  start(): Promise<void> {
    if (this.material) return Promise.resolve();
    return new Promise((resolve, reject) => (this.first = { resolve, reject }));
  }

  current(): CertificateMaterial | undefined {
    return this.material;
  }

  subscribe(listener: (m: CertificateMaterial) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): ProviderStatus {
    return { provider: 'primary', lastError: this.lastError };
  }

  async stop(): Promise<void> {
    this.listeners.clear();
    this.first?.reject(new Error('stopped'));
  }
}
