import type { Registry } from 'prom-client';
import type { Logger } from '../log.js';
import type { MeshguardConfig } from '../config/types.js';
import type { CertificateProvider } from './provider.js';
import { FilesProvider } from './files-provider.js';
import { createKmsProvider } from './kms-provider.js';

export interface ProviderDeps {
  config: MeshguardConfig;
  /** Directory of the config file: relative paths in the config resolve against it. */
  configDir: string;
  logger: Logger;
  metrics: Registry;
}

/** The certificate provider named by `certificates.provider`. */
export function createCertificateProvider(deps: ProviderDeps): CertificateProvider {
  switch (deps.config.certificates.provider) {
    case 'files':
      return new FilesProvider(deps);
    case 'kms':
      return createKmsProvider(deps);
  }
}
