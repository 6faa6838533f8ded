import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { coreMetrics } from '../../../src/admin/core-metrics.js';

function sample(text: string, name: string, labels: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{${labels}}`)) return Number(line.split(' ').pop());
  }
  return undefined;
}

test('request tallies reach the Prometheus exposition when it is read: counts by status, cumulative buckets, sum and count', async () => {
  const reg = new Registry();
  const m = coreMetrics(reg);
  const inbound = m.tally('inbound');
  const outbound = m.tally('outbound');
  inbound.record(200, 0.0004);
  inbound.record(200, 0.003);
  inbound.record(503, 0.02);
  inbound.record(200, 12); // above every bound: only +Inf
  outbound.record(404, 0.001);

  let text = await reg.metrics();
  assert.equal(sample(text, 'meshguard_requests_total', 'listener="inbound",status="200"'), 3);
  assert.equal(sample(text, 'meshguard_requests_total', 'listener="inbound",status="503"'), 1);
  assert.equal(sample(text, 'meshguard_requests_total', 'listener="outbound",status="404"'), 1);
  assert.equal(sample(text, 'meshguard_request_duration_seconds_bucket', 'le="0.0005",listener="inbound"'), 1);
  assert.equal(sample(text, 'meshguard_request_duration_seconds_bucket', 'le="0.005",listener="inbound"'), 2);
  assert.equal(sample(text, 'meshguard_request_duration_seconds_bucket', 'le="0.025",listener="inbound"'), 3);
  assert.equal(sample(text, 'meshguard_request_duration_seconds_bucket', 'le="10",listener="inbound"'), 3);
  assert.equal(sample(text, 'meshguard_request_duration_seconds_bucket', 'le="+Inf",listener="inbound"'), 4);
  assert.equal(sample(text, 'meshguard_request_duration_seconds_count', 'listener="inbound"'), 4);
  assert.ok(Math.abs(sample(text, 'meshguard_request_duration_seconds_sum', 'listener="inbound"')! - 12.0234) < 1e-9);
  assert.equal(sample(text, 'meshguard_request_duration_seconds_bucket', 'le="0.001",listener="outbound"'), 1);

  // A second read adds only what came since the first.
  inbound.record(200, 0.0004);
  text = await reg.metrics();
  assert.equal(sample(text, 'meshguard_requests_total', 'listener="inbound",status="200"'), 4);
  assert.equal(sample(text, 'meshguard_request_duration_seconds_bucket', 'le="0.0005",listener="inbound"'), 2);
  assert.equal(sample(text, 'meshguard_request_duration_seconds_count', 'listener="inbound"'), 5);
  text = await reg.metrics();
  assert.equal(sample(text, 'meshguard_request_duration_seconds_count', 'listener="inbound"'), 5);

  // The JSON form (what workers send the primary to aggregate) flushes too.
  outbound.record(200, 0.002);
  const json = await reg.getMetricsAsJSON();
  const req = json.find((x) => x.name === 'meshguard_requests_total')!;
  const ok = req.values.find((v) => v.labels['listener'] === 'outbound' && String(v.labels['status']) === '200');
  assert.equal(ok?.value, 1);
});
