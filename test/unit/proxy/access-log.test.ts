import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogCapture } from '../../helpers/mesh.js';
import { AccessLog } from '../../../src/proxy/access-log.js';
import { RequestContext, type RequestHead } from '../../../src/proxy/context.js';

test('access-log lines are valid JSON in pino’s shape, with hostile fields escaped', () => {
  const cap = new LogCapture('info');
  const log = new AccessLog(cap.logger.child({ sidecar: 'payments' }));
  const req = { method: 'GET', url: '/x', socket: { remoteAddress: '127.0.0.1', remotePort: 1 } } as unknown as RequestHead;
  const ctx = new RequestContext({ requestId: 'r1', listener: 'inbound', req, peer: { spiffeId: 'spiffe://example.org/a', certSha256: 'ab', serial: '01' }, ourIdentity: 'spiffe://example.org/b', path: '/a"b\\c', query: '', authority: 'evil"}\n{"forged":1', startNs: 0n });
  ctx.status = 403;
  ctx.endNs = 2_500_000n;
  ctx.deniedBy = 'rbac';
  ctx.denyDetail = 'policy.csv:19';
  ctx.rbac = { decision: 'deny', rule: 'policy.csv:19', policyVersion: 'sha256:1', mode: 'enforce' };
  log.write(ctx);
  assert.equal(cap.lines.length, 1, 'one line, no forged second line');
  const l = cap.lines[0]!;
  assert.equal(l['level'], 30);
  assert.equal(l['msg'], 'access');
  assert.equal(l['type'], 'access');
  assert.equal(l['sidecar'], 'payments');
  assert.equal(l['authority'], 'evil"}\n{"forged":1');
  assert.equal(l['path'], '/a"b\\c');
  assert.equal(l['peer'], 'spiffe://example.org/a');
  assert.equal(l['durationMs'], 2.5);
  assert.equal((l['rbac'] as { rule: string }).rule, 'policy.csv:19');
  assert.ok(!Number.isNaN(Date.parse(String(l['time']))));
});

test('nothing is written when the level hides info', () => {
  const cap = new LogCapture('warn');
  const log = new AccessLog(cap.logger);
  assert.equal(log.enabled, false);
});
