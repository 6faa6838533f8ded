import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newRequestId, requestIdFrom } from '../../../src/proxy/request-id.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('new request ids are RFC 9562 version 4 UUIDs, all different, across pool refills', () => {
  const seen = new Set<string>();
  // 1,000 ids cross the 256-id pool refill several times.
  for (let i = 0; i < 1000; i++) {
    const id = newRequestId();
    assert.match(id, UUID_V4);
    seen.add(id);
  }
  assert.equal(seen.size, 1000);
});

test('every hex digit position varies (no constant bytes besides version and variant)', () => {
  const ids = Array.from({ length: 400 }, () => newRequestId());
  for (let pos = 0; pos < 36; pos++) {
    if (pos === 8 || pos === 13 || pos === 18 || pos === 23 || pos === 14) continue;
    const chars = new Set(ids.map((id) => id[pos]));
    assert.ok(chars.size >= (pos === 19 ? 4 : 8), `position ${pos} takes only ${chars.size} values`);
  }
});

test('a plain-token id from the caller is kept, anything else replaced', () => {
  assert.equal(requestIdFrom('abc-123_X.y'), 'abc-123_X.y');
  assert.match(requestIdFrom('a b'), UUID_V4);
  assert.match(requestIdFrom('x'.repeat(65)), UUID_V4);
  assert.match(requestIdFrom('line\nbreak'), UUID_V4);
  assert.match(requestIdFrom(['a', 'b']), UUID_V4);
  assert.match(requestIdFrom(undefined), UUID_V4);
});
