import type { SecureContext, SecureContextOptions, Server as TlsServer } from 'node:tls';
import type { CertificateMaterial, CertificateProvider } from '../identity/provider.js';
import { clientContext, contextOptions } from './options.js';
import { TicketKeys } from './ticket-keys.js';

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
  private readonly unsubscribeKeys: () => void;
  private readonly ownKeys: boolean;
  readonly ticketKeys: TicketKeys;
  private readonly listeners = new Set<(m: CertificateMaterial) => void>();
  /** Bumped on every change, so pools can tell whether a cached TLS session predates it. */
  generation = 0;

  /** `ticketKeys`: shared keys (a worker's, from the primary); by default the state owns and rotates its own. */
  constructor(provider: CertificateProvider, ticketKeys?: TicketKeys) {
    const m = provider.current();
    if (!m) throw new Error('no certificate yet');
    this.ownKeys = ticketKeys === undefined;
    this.ticketKeys = ticketKeys ?? new TicketKeys();
    this.material = m;
    this.clientCtx = clientContext(m);
    this.serverOpts = this.serverContextOptions(m);
    this.unsubscribe = provider.subscribe((next) => this.update(next));
    this.unsubscribeKeys = this.ticketKeys.onChange((keys) => {
      this.serverOpts = { ...this.serverOpts, ticketKeys: keys };
      for (const s of this.servers) s.setTicketKeys(keys);
    });
  }

  /** The same ticket keys across certificate rotations, so a rotation does not end every resumable session. */
  private serverContextOptions(m: CertificateMaterial): SecureContextOptions {
    return { ...contextOptions(m), ticketKeys: this.ticketKeys.current() };
  }

  private update(next: CertificateMaterial): void {
    const client = clientContext(next);
    const opts = this.serverContextOptions(next);
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
    this.unsubscribeKeys();
    if (this.ownKeys) this.ticketKeys.stop();
    this.servers.clear();
    this.listeners.clear();
  }
}
