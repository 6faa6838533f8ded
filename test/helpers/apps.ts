import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  bytes: number;
}

/** An app that records every request it gets and answers JSON; `delayMs` holds the answer back. */
export interface EchoApp {
  server: Server;
  port: number;
  seen: Seen[];
  delayMs: number;
  close(): Promise<void>;
}

export async function startEchoApp(): Promise<EchoApp> {
  const app: EchoApp = {
    seen: [],
    delayMs: 0,
    port: 0,
    server: null as unknown as Server,
    close: async () => {
      app.server.closeAllConnections();
      await new Promise<void>((r) => app.server.close(() => r()));
    },
  };
  app.server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, bytes };
      app.seen.push(s);
      const reply = () => {
        const body = JSON.stringify({ ok: true, bytes, xfcc: req.headers['x-forwarded-client-cert'] ?? null });
        res.writeHead(200, { 'content-type': 'application/json', 'x-app': 'echo', connection: 'keep-alive, x-app-hop', 'x-app-hop': 'secret' });
        res.end(body);
      };
      if (app.delayMs > 0) setTimeout(reply, app.delayMs);
      else reply();
    });
  });
  await new Promise<void>((r) => app.server.listen(0, '127.0.0.1', () => r()));
  app.port = (app.server.address() as AddressInfo).port;
  return app;
}
