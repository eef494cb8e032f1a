import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import zlib from 'node:zlib';

/** A loopback HTTP server with hostile routes and per-path hit counters (RELIABILITY §4.1). */
export interface FixtureServer {
  host: string;
  port: number;
  /** `http://<host>:<port>` */
  origin: string;
  url(path: string): string;
  /** Hits of one path (without query), or of all paths. */
  hits(path?: string): number;
  resetHits(): void;
  /** Sockets currently open on the server side. */
  openSockets(): number;
  /** What `/robots.txt` answers: a body (200) or a status code. @defaultValue 404 */
  robots: string | number;
  close(): Promise<void>;
}

const ZERO = Buffer.alloc(1 << 20);
const bombs = new Map<string, Buffer>();

/** `mib` MiB of zeros compressed with gzip or brotli, built once by streaming (never held uncompressed). */
export async function bomb(kind: 'gzip' | 'br', mib: number): Promise<Buffer> {
  const key = `${kind}:${mib}`;
  const hit = bombs.get(key);
  if (hit) return hit;
  const z =
    kind === 'gzip'
      ? zlib.createGzip({ level: 9 })
      : zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } });
  const out: Buffer[] = [];
  z.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((r) => z.on('end', r));
  for (let i = 0; i < mib; i++) if (!z.write(ZERO)) await new Promise((r) => z.once('drain', r));
  z.end();
  await done;
  const buf = Buffer.concat(out);
  bombs.set(key, buf);
  return buf;
}

const FEED = '<?xml version="1.0"?><rss version="2.0"><channel><title>fixture</title></channel></rss>';
const ETAG = '"v1-fixture"';
const LAST_MODIFIED = 'Mon, 02 Nov 2026 10:00:00 GMT';

function num(q: URLSearchParams, k: string, d: number): number {
  const v = Number(q.get(k));
  return q.has(k) && Number.isFinite(v) ? v : d;
}

async function route(srv: FixtureServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const u = new URL(req.url ?? '/', 'http://fixture');
  const q = u.searchParams;
  const p = u.pathname;
  const sock = req.socket;
  if (p === '/robots.txt') {
    if (typeof srv.robots === 'number') res.writeHead(srv.robots).end();
    else res.writeHead(200, { 'content-type': 'text/plain' }).end(srv.robots);
  } else if (p === '/ok' || p === '/secret' || p === '/') {
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=UTF-8' }).end(FEED);
  } else if (p === '/etag') {
    const fresh = req.headers['if-none-match'] === ETAG || req.headers['if-modified-since'] === LAST_MODIFIED;
    res.writeHead(fresh ? 304 : 200, {
      etag: ETAG,
      'last-modified': LAST_MODIFIED,
      'content-type': 'text/xml',
    });
    res.end(fresh ? undefined : FEED);
  } else if (p === '/redirect') {
    res.writeHead(num(q, 'status', 302), { location: q.get('to') ?? '/ok' }).end();
  } else if (p === '/chain') {
    const n = num(q, 'n', 0);
    if (n <= 0) res.writeHead(200, { 'content-type': 'text/xml' }).end(FEED);
    else res.writeHead(302, { location: `/chain?n=${n - 1}` }).end();
  } else if (p === '/loop') {
    res.writeHead(302, { location: q.get('step') === 'b' ? '/loop?step=a' : '/loop?step=b' }).end();
  } else if (p === '/noheaders') {
    // never answers
  } else if (p === '/drip') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.flushHeaders();
    const t = setInterval(() => res.write('x'), 1000 / num(q, 'bps', 1));
    res.on('close', () => clearInterval(t));
  } else if (p === '/stall') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write(Buffer.alloc(num(q, 'after', 1024), 120));
  } else if (p === '/infinite') {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(64 * 1024, 97);
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk));
    };
    res.on('drain', pump);
    pump();
  } else if (p === '/gzip-bomb' || p === '/br-bomb') {
    const kind = p === '/gzip-bomb' ? 'gzip' : 'br';
    const body = await bomb(kind, num(q, 'mib', 256));
    res.writeHead(200, {
      'content-encoding': kind,
      'content-type': 'text/xml',
      'content-length': body.length,
    });
    res.end(body);
  } else if (p === '/encoding-chain') {
    let body = Buffer.from(FEED);
    const n = num(q, 'n', 3);
    for (let i = 0; i < n; i++) body = zlib.gzipSync(body);
    res.writeHead(200, { 'content-encoding': Array(n).fill('gzip').join(', '), 'content-type': 'text/xml' });
    res.end(body);
  } else if (p === '/gzip') {
    const enc = q.get('enc') ?? 'gzip';
    if (enc === 'deflate-raw') {
      res.writeHead(200, { 'content-encoding': 'deflate', 'content-type': 'text/xml' });
      return void res.end(zlib.deflateRawSync(FEED));
    }
    res.writeHead(200, { 'content-encoding': enc, 'content-type': 'text/xml' });
    res.end(
      enc === 'br'
        ? zlib.brotliCompressSync(FEED)
        : enc === 'deflate'
          ? zlib.deflateSync(FEED)
          : zlib.gzipSync(FEED),
    );
  } else if (p === '/corrupt-gzip') {
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/xml' }).end(FEED);
  } else if (p.startsWith('/status/')) {
    const h: Record<string, string> = {};
    if (q.has('retry-after')) h['retry-after'] = q.get('retry-after')!;
    res.writeHead(Number(p.slice(8)), h).end('status');
  } else if (p === '/cl-lie') {
    // Content-Length claims `claim` bytes; `send` bytes follow, then the connection closes.
    const claim = num(q, 'claim', 100);
    const body = Buffer.alloc(num(q, 'send', 10), 98);
    sock.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${claim}\r\n\r\n`);
    sock.end(body);
  } else if (p === '/reset') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 100_000 });
    res.write(Buffer.alloc(1000, 99), () => setTimeout(() => sock.resetAndDestroy(), 20));
  } else if (p === '/close') {
    sock.destroy();
  } else if (p === '/empty') {
    res.writeHead(200, { 'content-type': 'text/xml' }).end();
  } else if (p === '/echo-headers') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers));
  } else {
    res.writeHead(404).end('not found');
  }
}

/** Starts the server on `host` (default 127.0.0.1) and `port` (default: any free). */
export async function startFixtureServer(
  opts: { host?: string; port?: number } = {},
): Promise<FixtureServer> {
  const host = opts.host ?? '127.0.0.1';
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = http.createServer();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  server.on('clientError', (_err, s) => s.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const srv: FixtureServer = {
    host,
    port,
    origin: `http://${host}:${port}`,
    url: (path) => `http://${host}:${port}${path}`,
    hits: (path) => (path ? (counts.get(path) ?? 0) : [...counts.values()].reduce((a, b) => a + b, 0)),
    resetHits: () => counts.clear(),
    openSockets: () => sockets.size,
    robots: 404,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('request', (req, res) => {
    const path = new URL(req.url ?? '/', 'http://fixture').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    res.on('error', () => undefined);
    route(srv, req, res).catch(() => res.destroy());
  });
  return srv;
}

/**
 * The "public" server on 127.0.0.2 and the "internal" one on 127.0.0.1, on the same port so that a host name
 * resolving to either (`rebind.test`) reaches the one it resolved to.
 */
export async function startFixturePair(): Promise<{ pub: FixtureServer; internal: FixtureServer }> {
  for (let attempt = 0; ; attempt++) {
    const pub = await startFixtureServer({ host: '127.0.0.2' });
    try {
      const internal = await startFixtureServer({ host: '127.0.0.1', port: pub.port });
      return { pub, internal };
    } catch (err) {
      await pub.close();
      if (attempt >= 5) throw err;
    }
  }
}

/**
 * Resolver stub for tests (no real DNS): fixed answers per name, `rebind.test` answers 127.0.0.2 on the first
 * query and 127.0.0.1 afterwards; unknown names fail like getaddrinfo's ENOTFOUND. Records every query.
 */
export function stubResolver(
  table: Record<string, string[]> = {},
): ((hostname: string) => Promise<{ address: string; family: 4 | 6 }[]>) & { calls: string[] } {
  let rebinds = 0;
  const calls: string[] = [];
  const fn = async (hostname: string) => {
    calls.push(hostname);
    let list = table[hostname];
    if (hostname === 'rebind.test') list = rebinds++ === 0 ? ['127.0.0.2'] : ['127.0.0.1'];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));
  };
  return Object.assign(fn, { calls });
}
