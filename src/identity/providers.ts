import type { Registry } from 'prom-client';
import type { Logger } from '../log.js';
import type { MeshguardConfig } from '../config/types.js';
import type { CertificateProvider } from './provider.js';
import { FilesProvider } from './files-provider.js';

export interface ProviderDeps {
  config: MeshguardConfig;
  /** Directory of the config file: relative paths in the config resolve against it. */
  configDir: string;
  logger: Logger;
  metrics: Registry;
}

/**
 * The certificate provider named by `certificates.provider`. The KMS side is loaded only when
 * configured, so a files-only sidecar never loads KMS adapters (or the PKCS#11 native module).
 */
export async function createCertificateProvider(deps: ProviderDeps): Promise<CertificateProvider> {
  switch (deps.config.certificates.provider) {
    case 'files':
      return new FilesProvider(deps);
    case 'kms':
      return (await import('./kms-provider.js')).createKmsProvider(deps);
  }
}
