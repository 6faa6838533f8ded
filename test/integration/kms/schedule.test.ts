import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Registry } from 'prom-client';
import { startMock, sleep, waitFor, TD, type MockEnv } from './helpers.js';
import { CertManager } from '../../../src/identity/cert-manager.js';
import { MockKmsClient } from '../../../src/kms/mock-adapter.js';
import { silentLogger } from '../../../src/log.js';

const ID = `spiffe://${TD}/ns/shop/sa/orders`;

async function manager(env: MockEnv, random: () => number, ttlSeconds = 20, at = 0.5): Promise<CertManager> {
  return new CertManager({
    client: new MockKmsClient({ url: env.mock.url, caPem: await readFile(env.mock.caFile, 'utf8'), tokenFile: env.mock.tokenFile, timeoutMs: 1000 }),
    spiffeId: ID,
    trustDomain: TD,
    ttlSeconds,
    at,
    jitter: 0.1,
    backoffInitialMs: 100,
    backoffMaxMs: 400,
    bundleRefreshMs: 60_000,
    startTimeoutMs: 5000,
    logger: silentLogger,
    metrics: new Registry(),
    random,
  });
}

test('renewal lands at at ± jitter of the lifetime (jitter pinned to both ends)', async () => {
  const env = await startMock(20);
  const lo = await manager(env, () => 0);
  const hi = await manager(env, () => 1);
  try {
    await Promise.all([lo.start(), hi.start()]);
    for (const [m, frac] of [[lo, 0.4], [hi, 0.6]] as const) {
      const c = m.current()!;
      const start = c.notBefore.getTime();
      const got = (m.status().nextRenewal as Date).getTime();
      // The lifetime counts from notBefore (whole seconds) or from receipt, whichever is later (≤ 1 s apart).
      const expected = start + 20_000 * frac;
      assert.ok(Math.abs(got - expected) <= 1000, `${frac}: renewal ${got - start} ms after notBefore`);
    }
  } finally {
    await lo.stop();
    await hi.stop();
    await env.close();
  }
});

test('failed renewals back off exponentially up to the maximum', async () => {
  const env = await startMock(20);
  const m = await manager(env, () => 1);
  try {
    await m.start();
    env.mock.setFault('error');
    const gaps: number[] = [];
    let last = m.status().consecutiveFailures as number;
    void m.renewNow();
    const end = Date.now() + 4000;
    while (gaps.length < 4 && Date.now() < end) {
      await sleep(20);
      const st = m.status();
      const n = st.consecutiveFailures as number;
      if (n > last) {
        last = n;
        gaps.push((st.nextRenewal as Date).getTime() - (st.lastErrorAt as Date).getTime());
      }
    }
    // random pinned to 1: delay = min(max, initial · 2^(n-1)) → 100, 200, 400, 400 ms.
    assert.equal(gaps.length, 4);
    const expected = [100, 200, 400, 400];
    gaps.forEach((g, i) => assert.ok(Math.abs(g - expected[i]!) <= 15, `retry ${i + 1}: ${g} ms, expected ${expected[i]}`));
    env.mock.setFault('none');
    assert.ok(await waitFor(() => m.status().consecutiveFailures === 0, 2000), 'recovers and resets the backoff');
  } finally {
    await m.stop();
    await env.close();
  }
});

test('a renewal further away than a Node timer can wait (> 24.8 days) is not run at once', async () => {
  const env = await startMock('30d');
  const m = await manager(env, () => 0.5, 30 * 86_400, 0.9);
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    await m.start();
    const c = m.current()!;
    assert.equal(c.notAfter.getTime() - c.notBefore.getTime(), 30 * 86_400_000);
    const next = (m.status().nextRenewal as Date).getTime();
    assert.ok(next - Date.now() > 2 ** 31, 'renewal 27 days out');
    await sleep(300);
    assert.equal(m.status().rotations, 1, 'no early renewal');
    assert.ok(!warnings.includes('TimeoutOverflowWarning'));
  } finally {
    process.off('warning', onWarning);
    await m.stop();
    await env.close();
  }
});
