import type { CertificateMaterial, CertificateProvider, ProviderStatus } from './provider.js';
import type { ProviderDeps } from './providers.js';

// Being written (core issue): loads cert/key/bundle files and watches them.
export class FilesProvider implements CertificateProvider {
  readonly kind = 'files';
  constructor(_deps: ProviderDeps) {}
  async start(): Promise<void> { throw new Error('files provider not built yet'); }
  current(): CertificateMaterial | undefined { return undefined; }
  subscribe(): () => void { return () => {}; }
  status(): ProviderStatus { return { provider: 'files' }; }
  async stop(): Promise<void> {}
}
