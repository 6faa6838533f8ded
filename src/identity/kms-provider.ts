import type { CertificateProvider } from './provider.js';
import type { ProviderDeps } from './providers.js';

// Placeholder until the KMS certificate manager lands: `provider: kms` is refused at startup.
export function createKmsProvider(_deps: ProviderDeps): CertificateProvider {
  throw new Error('certificates.provider: kms is not available in this build yet');
}
