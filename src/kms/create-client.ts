import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { KmsClient } from './client.js';
import type { KmsConfig } from './config-schema.js';
import { MockKmsClient } from './mock-adapter.js';
import { VaultKmsClient } from './vault-adapter.js';
import { Pkcs11CaClient } from './pkcs11-ca-adapter.js';
import { parseDurationMs } from '../config/duration.js';

export interface ClientContext {
  trustDomain: string;
  /** Relative paths in the config resolve against this directory. */
  configDir: string;
}

function need<T>(v: T | undefined, key: string, adapter: string): T {
  if (v === undefined || v === '') throw new Error(`certificates.kms.${key} is required with adapter: ${adapter}`);
  return v;
}

function readPem(file: string, key: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`certificates.kms.${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The adapter named by `certificates.kms.adapter`, with its files resolved against the config's directory. */
export function createKmsClient(cfg: KmsConfig, ctx: ClientContext): KmsClient {
  const r = (p: string) => path.resolve(ctx.configDir, p);
  const timeoutMs = parseDurationMs(cfg.timeout ?? '10s');
  switch (cfg.adapter) {
    case 'mock':
      return new MockKmsClient({
        url: need(cfg.url, 'url', 'mock'),
        caPem: readPem(r(need(cfg.ca, 'ca', 'mock')), 'ca'),
        tokenFile: r(need(cfg.tokenFile, 'tokenFile', 'mock')),
        timeoutMs,
      });
    case 'vault':
      return new VaultKmsClient({
        url: need(cfg.url, 'url', 'vault'),
        ...(cfg.ca ? { caPem: readPem(r(cfg.ca), 'ca') } : {}),
        tokenFile: r(need(cfg.tokenFile, 'tokenFile', 'vault')),
        mount: cfg.mount ?? 'pki',
        role: need(cfg.role, 'role', 'vault'),
        ...(cfg.commonName ? { commonName: cfg.commonName } : {}),
        ...(cfg.namespace ? { namespace: cfg.namespace } : {}),
        trustDomain: ctx.trustDomain,
        timeoutMs,
      });
    case 'pkcs11-ca':
      return new Pkcs11CaClient({
        module: need(cfg.module, 'module', 'pkcs11-ca'),
        ...(cfg.slot !== undefined ? { slot: cfg.slot } : {}),
        ...(cfg.tokenLabel ? { tokenLabel: cfg.tokenLabel } : {}),
        pinFile: r(need(cfg.pinFile, 'pinFile', 'pkcs11-ca')),
        keyLabel: need(cfg.keyLabel, 'keyLabel', 'pkcs11-ca'),
        caCertPem: readPem(r(need(cfg.caCert, 'caCert', 'pkcs11-ca')), 'caCert'),
        ...(cfg.bundle ? { bundlePem: readPem(r(cfg.bundle), 'bundle') } : {}),
        trustDomain: ctx.trustDomain,
      });
  }
}
