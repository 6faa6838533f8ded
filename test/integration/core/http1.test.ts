import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { makeTestPki } from '../../helpers/pki.js';
import { startTestSidecar, addr } from '../../helpers/mesh.js';
import type { Sidecar } from '../../../src/sidecar.js';

/**
 * The lean HTTP/1.1 path end to end (caller → outbound → mTLS → inbound → app) on raw sockets at both
 * ends, so framing is seen byte for byte: pipelining, chunked bodies both ways, HTTP/1.0 callers,
 * HEAD, 1xx, Expect: 100-continue, stale keep-alive connections and broken upstream answers.
 */

const TD = 'example.org';
const ORDERS = 'spiffe://example.org/ns/shop/sa/orders';
const PAYMENTS = 'spiffe://example.org/ns/shop/sa/payments';

interface AppRequest {
  head: string;
  body: string;
  sock: Socket;
}
type Script = (r: AppRequest) => void;

/** A scripted app on a raw socket: it frames requests itself and answers with whatever bytes the test says. */
let script: Script = (r) => r.sock.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
const received: AppRequest[] = [];
let app: Server;
let payments: Sidecar;
let orders: Sidecar;
let port: number;

function dechunk(raw: string): string | null {
  let out = '';
  let rest = raw;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol < 0) return null;
    const size = parseInt(rest.slice(0, eol), 16);
    if (Number.isNaN(size)) throw new Error(`bad chunk size in ${JSON.stringify(raw)}`);
    if (size === 0) return rest.indexOf('\r\n\r\n', eol) >= 0 || rest.slice(eol).startsWith('\r\n\r\n') ? out : null;
    if (rest.length < eol + 2 + size + 2) return null;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

function startApp(): Promise<Server> {
  const server = createServer((sock) => {
    let buf = '';
    sock.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.slice(0, end);
        const rest = buf.slice(end + 4);
        const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
        let body: string;
        let used: number;
        if (cl) {
          const n = Number(cl[1]);
          if (rest.length < n) return;
          body = rest.slice(0, n);
          used = n;
        } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
          const term = rest.indexOf('\r\n0\r\n\r\n');
          const d = rest.startsWith('0\r\n\r\n') ? '' : term >= 0 ? dechunk(rest.slice(0, term + 7)) : null;
          if (d === null) return;
          body = d;
          used = rest.startsWith('0\r\n\r\n') ? 5 : term + 7;
        } else {
          body = '';
          used = 0;
        }
        buf = rest.slice(used);
        const r = { head, body, sock };
        received.push(r);
        script(r);
      }
    });
    sock.on('error', () => undefined);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Sends bytes to the outbound listener; resolves with what came back once `done` says so or the socket closed. */
function talk(data: string | string[], done: (text: string) => boolean, timeoutMs = 5000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const sock = netConnect(port, '127.0.0.1');
    const parts = Array.isArray(data) ? data : [data];
    sock.on('connect', async () => {
      for (const p of parts) {
        sock.write(p);
        if (parts.length > 1) await new Promise((r) => setTimeout(r, 50));
      }
    });
    let text = '';
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (done(text)) finish(false);
    });
    sock.on('close', () => finish(true));
    sock.on('error', () => undefined);
  });
}

const count = (text: string, s: string) => text.split(s).length - 1;

before(async () => {
  const pki = await makeTestPki(TD);
  app = await startApp();
  const appPort = (app.address() as { port: number }).port;
  const p = await pki.leaf('payments', { uris: [PAYMENTS] });
  const o = await pki.leaf('orders', { uris: [ORDERS] });
  payments = (
    await startTestSidecar({
      trustDomain: TD,
      identity: PAYMENTS,
      certificates: { provider: 'files', files: { cert: p.cert, key: p.key, bundle: pki.bundle } },
      inbound: { listen: '127.0.0.1:0', app: `http://127.0.0.1:${appPort}` },
      limits: { upstreamTimeout: '1s', upstreamConnections: 2 },
    })
  ).sidecar;
  orders = (
    await startTestSidecar({
      trustDomain: TD,
      identity: ORDERS,
      certificates: { provider: 'files', files: { cert: o.cert, key: o.key, bundle: pki.bundle } },
      outbound: { listen: '127.0.0.1:0', routes: [{ host: 'payments', endpoints: [addr(payments.inboundAddress)], spiffeIds: [PAYMENTS] }] },
      limits: { upstreamTimeout: '3s', headersTimeout: '1s' },
    })
  ).sidecar;
  port = orders.outboundAddress!.port;
});

after(async () => {
  await orders?.stop({ drainTimeoutMs: 0 });
  await payments?.stop({ drainTimeoutMs: 0 });
  app?.close();
});

test('pipelined requests are answered in order on one connection', async () => {
  script = (r) => {
    const path = r.head.split(' ')[1]!;
    // The first answer is slow: the second must still come after it.
    const send = () => r.sock.write(`HTTP/1.1 200 OK\r\ncontent-length: ${path.length}\r\n\r\n${path}`);
    if (path === '/first') setTimeout(send, 150);
    else send();
  };
  const req = (p: string) => `GET ${p} HTTP/1.1\r\nHost: payments\r\n\r\n`;
  const r = await talk(req('/first') + req('/second') + req('/third'), (t) => t.includes('/third'));
  const a = r.text.indexOf('\r\n\r\n/first');
  const b = r.text.indexOf('\r\n\r\n/second');
  const c = r.text.indexOf('\r\n\r\n/third');
  assert.ok(a > 0 && b > a && c > b, r.text);
  assert.equal(count(r.text, 'HTTP/1.1 200 OK'), 3);
});

test('a chunked request body reaches the app whole; a chunked answer reaches the caller chunked', async () => {
  script = (r) => r.sock.write(`HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n`);
  const before = received.length;
  const r = await talk(
    [`POST /up HTTP/1.1\r\nHost: payments\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n`, `3\r\nefg\r\n0\r\n\r\n`],
    (t) => t.includes('0\r\n\r\n'),
  );
  const seen = received[before]!;
  assert.equal(seen.body, 'abcdefg');
  assert.match(seen.head, /transfer-encoding: chunked/i);
  assert.match(r.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(r.text, /transfer-encoding: chunked/i);
  assert.equal(dechunk(r.text.slice(r.text.indexOf('\r\n\r\n') + 4)), 'hello world');
});

test('an HTTP/1.0 caller gets a close-delimited body when the app sent no length', async () => {
  script = (r) => r.sock.write(`HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`);
  const r = await talk(`GET /old HTTP/1.0\r\nHost: payments\r\n\r\n`, () => false);
  assert.ok(r.closed, 'the connection closes to end the body');
  assert.match(r.text, /connection: close/i);
  assert.doesNotMatch(r.text, /transfer-encoding/i);
  assert.ok(r.text.endsWith('\r\n\r\nabc'), JSON.stringify(r.text));
});

test('HEAD, 204 and interim 1xx answers: no body read or sent, the connection stays usable', async () => {
  script = (r) => {
    const path = r.head.split(' ')[1]!;
    if (path === '/head') r.sock.write('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n');
    else if (path === '/empty') r.sock.write('HTTP/1.1 204 No Content\r\n\r\n');
    else r.sock.write('HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\ndone');
  };
  const r = await talk(`HEAD /head HTTP/1.1\r\nHost: payments\r\n\r\nGET /empty HTTP/1.1\r\nHost: payments\r\n\r\nGET /hints HTTP/1.1\r\nHost: payments\r\n\r\n`, (t) => t.endsWith('done'));
  assert.match(r.text, /^HTTP\/1\.1 200 OK\r\n[^]*content-length: 1000\r\n[^]*\r\n\r\nHTTP\/1\.1 204 No Content\r\n/);
  assert.equal(count(r.text, 'Early Hints'), 0, 'the interim answer is not relayed');
  assert.ok(r.text.endsWith('\r\n\r\ndone'), JSON.stringify(r.text));
});

test('Expect: 100-continue gets its interim answer before the body is sent', async () => {
  script = (r) => r.sock.write(`HTTP/1.1 200 OK\r\ncontent-length: ${r.body.length}\r\n\r\n${r.body}`);
  const sock = netConnect(port, '127.0.0.1');
  let text = '';
  sock.on('data', (c: Buffer) => (text += c.toString('latin1')));
  sock.write('POST /e HTTP/1.1\r\nHost: payments\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
  for (let i = 0; i < 100 && !text.includes('100 Continue'); i++) await new Promise((r) => setTimeout(r, 20));
  assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\n/);
  sock.write('12345');
  for (let i = 0; i < 100 && !text.endsWith('12345'); i++) await new Promise((r) => setTimeout(r, 20));
  sock.destroy();
  assert.match(text, /HTTP\/1\.1 200 OK[^]*\r\n\r\n12345$/);
});

test('a keep-alive connection the app closes as a request arrives: an idempotent request is sent again', async () => {
  // The app answers once per connection, then drops the connection when the next request arrives,
  // as a server does whose idle timeout fired while the request was on its way.
  const served = new WeakSet<Socket>();
  script = (r) => {
    if (served.has(r.sock)) return void r.sock.destroy();
    served.add(r.sock);
    r.sock.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
  };
  const before = received.length;
  for (let i = 0; i < 4; i++) {
    const r = await talk(`GET /k${i} HTTP/1.1\r\nHost: payments\r\n\r\n`, (t) => t.endsWith('ok'));
    assert.match(r.text, /^HTTP\/1\.1 200 OK/, `request ${i}: ${r.text}`);
  }
  assert.ok(received.length - before > 4, 'some requests reached the app twice (the dropped try and the retry)');
  // A POST is not repeated: its first try may have been acted on.
  const p = await talk(`POST /k HTTP/1.1\r\nHost: payments\r\nContent-Length: 1\r\n\r\nx`, (t) => t.includes('}'));
  assert.match(p.text, /^HTTP\/1\.1 (200|502|503) /);
});

test('broken upstream answers: invalid framing is a 502, a silent app a 504, a cut body a cut connection', async () => {
  script = (r) => {
    const path = r.head.split(' ')[1]!;
    if (path === '/garbage') r.sock.write('HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\nabcd');
    else if (path === '/cut') {
      r.sock.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly-part');
      setTimeout(() => r.sock.destroy(), 50);
    }
    // '/silent': no answer at all.
  };
  const g = await talk(`GET /garbage HTTP/1.1\r\nHost: payments\r\n\r\n`, (t) => t.includes('}'));
  assert.match(g.text, /^HTTP\/1\.1 502 /);
  const s = await talk(`GET /silent HTTP/1.1\r\nHost: payments\r\n\r\n`, (t) => t.includes('}'));
  assert.match(s.text, /^HTTP\/1\.1 50[24] /);
  const c = await talk(`GET /cut HTTP/1.1\r\nHost: payments\r\n\r\n`, () => false);
  assert.ok(c.closed);
  assert.match(c.text, /^HTTP\/1\.1 200 OK[^]*only-part$/);
});

test('past upstreamConnections, requests wait for a connection instead of failing', async () => {
  const open = new Set<Socket>();
  let most = 0;
  script = (r) => {
    open.add(r.sock);
    most = Math.max(most, open.size);
    setTimeout(() => {
      r.sock.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok');
      r.sock.end();
      open.delete(r.sock);
    }, 100);
  };
  const all = await Promise.all(Array.from({ length: 6 }, (_, i) => talk(`GET /w${i} HTTP/1.1\r\nHost: payments\r\n\r\n`, (t) => t.endsWith('ok'))));
  for (const r of all) assert.match(r.text, /^HTTP\/1\.1 200 OK/);
  assert.ok(most <= 2, `at most 2 connections to the app at once (saw ${most})`);
});

test('a caller that hangs up does not cost the upstream connection: the owed answer is read and dropped', async () => {
  script = (r) => {
    const path = r.head.split(' ')[1]!;
    const send = () => r.sock.write(`HTTP/1.1 200 OK\r\ncontent-length: ${path.length}\r\n\r\n${path}`);
    if (path === '/slow-gone') setTimeout(send, 200);
    else send();
  };
  const before = received.length;
  await talk(`GET /slow-gone HTTP/1.1\r\nHost: payments\r\n\r\n`, () => false, 50);
  await new Promise((r) => setTimeout(r, 400));
  const r = await talk(`GET /after HTTP/1.1\r\nHost: payments\r\n\r\n`, (t) => t.endsWith('/after'));
  assert.match(r.text, /^HTTP\/1\.1 200 OK/);
  const slow = received.slice(before).find((x) => x.head.startsWith('GET /slow-gone '));
  const after = received.slice(before).find((x) => x.head.startsWith('GET /after '));
  assert.ok(slow && after);
  assert.equal(after.sock, slow.sock, 'the next request went out on the connection the abandoned answer came back on');
});

test('CONNECT and unknown Expect values are refused', async () => {
  const c = await talk(`CONNECT payments:443 HTTP/1.1\r\nHost: payments:443\r\n\r\n`, () => false);
  assert.match(c.text, /^HTTP\/1\.1 400 /);
  assert.ok(c.closed);
  const e = await talk(`POST /x HTTP/1.1\r\nHost: payments\r\nContent-Length: 1\r\nExpect: something-else\r\n\r\nx`, () => false);
  assert.match(e.text, /^HTTP\/1\.1 417 /);
});

test('an answer the app sends with no request outstanding retires that connection; the next request is not confused by it', async () => {
  // After its first answer the app starts an unsolicited one and never finishes its head: were the
  // connection reused, the next real answer would be parsed as the rest of that head.
  const seen = new WeakSet<Socket>();
  script = (r) => {
    r.sock.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    if (seen.has(r.sock)) return;
    seen.add(r.sock);
    setTimeout(() => r.sock.writable && r.sock.write('HTTP/1.1 200 OK\r\nx-unasked: '), 50);
  };
  const before = received.length;
  const first = await talk(`GET /u1 HTTP/1.1\r\nHost: payments\r\n\r\n`, (t) => t.endsWith('ok'));
  assert.match(first.text, /^HTTP\/1\.1 200 OK/);
  await new Promise((r) => setTimeout(r, 200));
  for (let i = 2; i <= 4; i++) {
    const r = await talk(`GET /u${i} HTTP/1.1\r\nHost: payments\r\n\r\n`, (t) => t.endsWith('ok') || t.includes('}'));
    assert.match(r.text, /^HTTP\/1\.1 200 OK[^]*ok$/, `request ${i}: ${r.text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const socks = received.slice(before).map((x) => x.sock);
  assert.equal(new Set(socks).size, socks.length, 'every request went out on a connection that had not sent unasked bytes');
});

test('the headers timeout also covers a later request on a kept-alive connection', async () => {
  script = (r) => r.sock.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
  const result = await new Promise<{ closedAfter: number; text: string }>((resolve) => {
    const sock = netConnect(port, '127.0.0.1');
    let text = '';
    let dripStart = 0;
    let drip: NodeJS.Timeout | undefined;
    sock.on('connect', () => sock.write('GET /first HTTP/1.1\r\nHost: payments\r\n\r\n'));
    sock.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (dripStart === 0 && text.endsWith('ok')) {
        // The first answer is in; the second request's head now arrives a line at a time, never ending.
        setTimeout(() => {
          dripStart = Date.now();
          sock.write('GET /second HTTP/1.1\r\nHost: payments\r\n');
          drip = setInterval(() => sock.writable && sock.write('x-slow: 1\r\n'), 200);
        }, 300);
      }
    });
    const timer = setTimeout(() => sock.destroy(), 6000);
    sock.on('close', () => {
      clearInterval(drip);
      clearTimeout(timer);
      resolve({ closedAfter: dripStart === 0 ? -1 : Date.now() - dripStart, text });
    });
    sock.on('error', () => undefined);
  });
  assert.ok(result.closedAfter >= 900 && result.closedAfter < 3000, `closed ${result.closedAfter} ms after the second head began`);
  assert.match(result.text, /HTTP\/1\.1 408 /);
});
