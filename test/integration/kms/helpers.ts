import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { startKmsMock, type KmsMock } from '../../../kms-mock/server.js';
import { createKmsProvider } from '../../../src/identity/kms-provider.js';
import { silentLogger } from '../../../src/log.js';
import type { MeshguardConfig } from '../../../src/config/types.js';
import type { CertManager } from '../../../src/identity/cert-manager.js';
import type { KmsConfig, RotationConfig } from '../../../src/kms/config-schema.js';

export const TD = 'example.org';

export interface MockEnv {
  dir: string;
  mock: KmsMock;
  close(): Promise<void>;
}

export async function startMock(ttl: number | string = 3, extra: { rotateDelay?: number } = {}): Promise<MockEnv> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mg-kms-'));
  const mock = await startKmsMock({ listen: '127.0.0.1:0', stateDir: dir, trustDomain: TD, ttl, ...(extra.rotateDelay !== undefined ? { rotateDelay: extra.rotateDelay } : {}) });
  return {
    dir,
    mock,
    async close() {
      await mock.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function kmsConfig(env: MockEnv, identity: string, kms: Partial<KmsConfig> = {}, rotation: RotationConfig = {}): MeshguardConfig {
  return {
    trustDomain: TD,
    identity,
    certificates: {
      provider: 'kms',
      kms: { adapter: 'mock', url: env.mock.url, ca: env.mock.caFile, tokenFile: env.mock.tokenFile, ttl: 3, timeout: '500ms', bundleRefresh: '300ms', startTimeout: '10s', ...kms },
      rotation: { at: 0.5, jitter: 0, backoff: { initial: '100ms', max: '400ms' }, ...rotation },
    },
  };
}

export function provider(config: MeshguardConfig, metrics = new Registry()): { p: CertManager; metrics: Registry } {
  const p = createKmsProvider({ config, configDir: process.cwd(), logger: silentLogger, metrics }) as CertManager;
  return { p, metrics };
}

export async function metricValue(reg: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = reg.getSingleMetric(name);
  if (!m) return 0;
  const data = await m.get();
  let sum = 0;
  for (const v of data.values) {
    if (Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val)) sum += v.value;
  }
  return sum;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond` until true or the deadline; returns whether it became true. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, every = 50): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await sleep(every);
  }
  return cond();
}
