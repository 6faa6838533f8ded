import type { CertificateProvider } from './provider.js';
import type { ProviderDeps } from './providers.js';
import { CertManager } from './cert-manager.js';
import { createKmsClient } from '../kms/create-client.js';
import { parseDurationMs } from '../config/duration.js';

/** `certificates.provider: kms`: the certificate manager over the configured KMS adapter. */
export function createKmsProvider(deps: ProviderDeps): CertificateProvider {
  const { config } = deps;
  const kms = config.certificates.kms;
  if (!kms) throw new Error('certificates.kms is required with provider: kms');
  const rot = config.certificates.rotation ?? {};
  const client = createKmsClient(kms, { trustDomain: config.trustDomain, configDir: deps.configDir });
  return new CertManager({
    client,
    spiffeId: config.identity,
    trustDomain: config.trustDomain,
    ttlSeconds: Math.max(1, Math.round(parseDurationMs(kms.ttl ?? '1h') / 1000)),
    at: rot.at ?? 0.5,
    jitter: rot.jitter ?? 0.1,
    backoffInitialMs: parseDurationMs(rot.backoff?.initial ?? '1s'),
    backoffMaxMs: parseDurationMs(rot.backoff?.max ?? '30s'),
    bundleRefreshMs: parseDurationMs(kms.bundleRefresh ?? '60s'),
    startTimeoutMs: parseDurationMs(kms.startTimeout ?? '60s'),
    logger: deps.logger,
    metrics: deps.metrics,
  });
}
