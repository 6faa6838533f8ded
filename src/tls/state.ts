import type { SecureContext, SecureContextOptions, Server as TlsServer } from 'node:tls';
import type { CertificateMaterial, CertificateProvider } from '../identity/provider.js';
import { clientContext, contextOptions } from './options.js';

/**
 * The TLS contexts in force, rebuilt whenever the provider hands over new material. Servers get
 * `setSecureContext` (new handshakes use the new certificate, open connections keep theirs); the
 * outbound connector reads `client` at every new connection.
 */
export class TlsState {
  private material: CertificateMaterial;
  private clientCtx: SecureContext;
  private serverOpts: SecureContextOptions;
  private readonly servers = new Set<TlsServer>();
  private readonly unsubscribe: () => void;
  private readonly listeners = new Set<(m: CertificateMaterial) => void>();
  /** Bumped on every change, so pools can tell whether a cached TLS session predates it. */
  generation = 0;

  constructor(provider: CertificateProvider) {
    const m = provider.current();
    if (!m) throw new Error('no certificate yet');
    this.material = m;
    this.clientCtx = clientContext(m);
    this.serverOpts = contextOptions(m);
    this.unsubscribe = provider.subscribe((next) => this.update(next));
  }

  private update(next: CertificateMaterial): void {
    const client = clientContext(next);
    const opts = contextOptions(next);
    this.material = next;
    this.clientCtx = client;
    this.serverOpts = opts;
    this.generation++;
    for (const s of this.servers) s.setSecureContext(opts);
    for (const l of this.listeners) l(next);
  }

  get current(): CertificateMaterial {
    return this.material;
  }

  get client(): SecureContext {
    return this.clientCtx;
  }

  get serverOptions(): SecureContextOptions {
    return this.serverOpts;
  }

  attach(server: TlsServer): void {
    this.servers.add(server);
  }

  onChange(fn: (m: CertificateMaterial) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    this.unsubscribe();
    this.servers.clear();
    this.listeners.clear();
  }
}
