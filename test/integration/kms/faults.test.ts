import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, kmsConfig, provider, metricValue, waitFor, sleep, TD } from './helpers.js';
import { FAULT_MODES, type FaultMode } from '../../../kms-mock/faults.js';

const ID = `spiffe://${TD}/ns/shop/sa/orders`;

/** What each fault must be counted as in rotation_failures_total{reason}. */
const EXPECTED: Record<FaultMode, string> = {
  down: 'unavailable',
  slow: 'unavailable',
  error: 'error',
  garbage: 'bad_response',
  'wrong-san': 'wrong_san',
  expired: 'expired',
  'wrong-key': 'wrong_key',
};

describe('every kms-mock fault mode: old certificate kept, failure counted, recovery after', { concurrency: true }, () => {
  for (const mode of FAULT_MODES) {
    it(mode, async () => {
      // TTL 10 s so nothing expires under a loaded machine; the renewal is forced during a 1.5 s fault.
      const env = await startMock(10);
      // The client's 500 ms timeout is what `slow` and `down` must trip; for the other modes a timeout
      // would only be the machine being slow (a second reason counted), so they get more time.
      const timeout = mode === 'slow' || mode === 'down' ? {} : { timeout: '3s' };
      const { p, metrics } = provider(kmsConfig(env, ID, { ttl: 10, bundleRefresh: '10s', ...timeout }));
      try {
        await p.start();
        const first = p.current()!;
        env.mock.setFault(mode, 1.5);
        void p.renewNow();
        const reason = EXPECTED[mode];
        assert.ok(await waitFor(async () => (await metricValue(metrics, 'meshguard_rotation_failures_total', { reason })) > 0, 5000), `a ${reason} failure is counted`);
        assert.equal(p.current()?.serial, first.serial, 'the certificate in force is kept');
        assert.ok(String(p.status().lastError).startsWith(`${reason}:`), String(p.status().lastError));
        assert.ok(await waitFor(() => p.current() !== undefined && p.current()!.serial !== first.serial, 8000), 'a new certificate once the fault ends');
        const now = p.current()!;
        assert.equal(now.spiffeId, ID);
        assert.ok(now.notAfter.getTime() > Date.now());
        assert.equal(p.status().consecutiveFailures, 0);
        // Nothing but the expected reason was counted.
        assert.equal(await metricValue(metrics, 'meshguard_rotation_failures_total'), await metricValue(metrics, 'meshguard_rotation_failures_total', { reason }));
      } finally {
        await p.stop();
        await env.close();
      }
    });
  }
});

test('KMS down past the renewal window: serving until expiry, then not ready, then ready again', async () => {
  const env = await startMock(3);
  const { p, metrics } = provider(kmsConfig(env, ID, { ttl: 3, bundleRefresh: '10s' }, { backoff: { initial: '100ms', max: '300ms' } }));
  try {
    await p.start();
    const first = p.current()!;
    env.mock.setFault('down');
    // Past the renewal point (1.5 s) but before expiry: still the old certificate.
    await sleep(Math.max(0, first.notAfter.getTime() - Date.now() - 400));
    assert.equal(p.current()?.serial, first.serial, 'still serving the old certificate before expiry');
    assert.ok((await metricValue(metrics, 'meshguard_rotation_failures_total', { reason: 'unavailable' })) > 0);
    await sleep(Math.max(0, first.notAfter.getTime() - Date.now() + 200));
    assert.equal(p.current(), undefined, 'not ready after expiry');
    assert.equal(p.status().expired, true);
    env.mock.setFault('none');
    // The SVID expired, so the first issuance after the outage goes back to the bootstrap token.
    assert.ok(await waitFor(() => p.current() !== undefined, 3000), 'ready again when the KMS returns');
    assert.notEqual(p.current()!.serial, first.serial);
  } finally {
    await p.stop();
    await env.close();
  }
});

test('a failing bundle refresh keeps the bundle in force and is counted', async () => {
  const env = await startMock(30);
  const { p, metrics } = provider(kmsConfig(env, ID, { ttl: 30, bundleRefresh: '150ms' }));
  try {
    await p.start();
    const before = p.current()!;
    env.mock.setFault('garbage', 1);
    assert.ok(await waitFor(async () => (await metricValue(metrics, 'meshguard_bundle_refresh_failures_total', { reason: 'bad_response' })) > 0, 2000));
    assert.equal(p.current()!.trustBundlePem, before.trustBundlePem);
    assert.equal(p.current()!.serial, before.serial);
    assert.equal(await metricValue(metrics, 'meshguard_rotation_failures_total'), 0, 'a bundle failure is not a rotation failure');
  } finally {
    await p.stop();
    await env.close();
  }
});
