/**
 * A webhook receiver for tests: a real node:http server on 127.0.0.1 that records every request it gets and
 * verifies its `X-Geointel-Signature` with the subscription's secret (as a receiver would: HMAC over
 * `"<t>.<raw body>"`, constant-time compare, 5 min tolerance). Each path answers by a script: a status per
 * request number, or `hold` (the request is kept open, never answered, until the test ends it).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type SignatureCheck, verifySignature } from '../../src/pipeline/webhook-signature.js';

export interface Hit {
  path: string;
  /** n-th request to this path, from 1. */
  n: number;
  delivery: string | undefined;
  event: string | undefined;
  contentType: string | undefined;
  signature: string | undefined;
  body: string;
  /** The signature checked with the path's secret (`malformed` without a secret registered). */
  verified: SignatureCheck;
  at: number;
}

export type Answer = number | { status: number; headers?: Record<string, string> } | 'hold';

export interface Receiver {
  url(path: string): string;
  /** How `path` answers its n-th request (from 1); default 200. */
  route(path: string, answer: (n: number, hit: Hit) => Answer, secret?: string): void;
  setSecret(path: string, secret: string): void;
  hits(path?: string): Hit[];
  /** Requests being held open. */
  held(): number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const routes = new Map<string, (n: number, hit: Hit) => Answer>();
  const secrets = new Map<string, string>();
  const hits: Hit[] = [];
  const counts = new Map<string, number>();
  const holding = new Set<ServerResponse>();

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      const body = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => {
        const v = req.headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
      const signature = header('x-geointel-signature');
      const secret = secrets.get(path);
      const hit: Hit = {
        path,
        n,
        delivery: header('x-geointel-delivery'),
        event: header('x-geointel-event'),
        contentType: header('content-type'),
        signature,
        body,
        verified: secret
          ? verifySignature(secret, signature, body, Math.floor(Date.now() / 1000))
          : { ok: false, reason: 'malformed' },
        at: Date.now(),
      };
      hits.push(hit);
      const answer = (routes.get(path) ?? (() => 200))(n, hit);
      if (answer === 'hold') {
        holding.add(res);
        res.on('close', () => holding.delete(res));
        return;
      }
      const { status, headers } = typeof answer === 'number' ? { status: answer, headers: {} } : answer;
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    route(path, answer, secret) {
      routes.set(path, answer);
      if (secret) secrets.set(path, secret);
    },
    setSecret: (path, secret) => secrets.set(path, secret),
    hits: (path) => (path === undefined ? [...hits] : hits.filter((h) => h.path === path)),
    held: () => holding.size,
    async close() {
      for (const res of holding) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
