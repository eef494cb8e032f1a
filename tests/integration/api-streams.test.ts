/**
 * The live stream relay (src/api/stream-relay.ts, src/api/ws.ts) on real Redis, with real clients: the
 * `eventsource` package, raw HTTP and `ws`, against a plain node:http server mounting `serveSse` on
 * `/v1/streams/<topic>` and the WebSocket on `/v1/ws`. RELIABILITY.md §4.2 T-S1 (resume), T-S2 (trimmed
 * horizon → resync), T-S3 (slow consumers bounded; the server, and the clients with the publisher, each in a
 * process of their own, so the RSS measured is the relay's), T-S4-like (Redis killed and restarted, and a
 * wedged connection, under connected clients), §4.5 T-O3 (SSE framing). Records are published by XADD exactly as the process worker stores them
 * (field `record` = JSON). Each test has its own key prefix; every wait is bounded.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { EventSource } from 'eventsource';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  createStreamRelay,
  lastEventIdOf,
  type StreamRelay,
  type StreamRelayOptions,
} from '../../src/api/stream-relay.js';
import { attachWebSocket, type WebSocketHandle } from '../../src/api/ws.js';
import { createLogger } from '../../src/log.js';
import { ROOT } from '../helpers/cli.js';
import { startRedis } from '../helpers/redis-server.js';
import { REDIS_URL } from '../helpers/runtime.js';

const redis = new Redis(REDIS_URL);
const prefixes: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
const log = createLogger({ level: process.env.TEST_LOG ?? 'silent' });

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}:*`);
    if (keys.length) await redis.del(...keys);
  }
  await redis.quit();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, pred: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

interface Served {
  base: string;
  ws: string;
  prefix: string;
  relay: StreamRelay;
  wsh: WebSocketHandle;
  key(topic: string): string;
  server: http.Server;
}

/** A plain node:http server: `serveSse` on /v1/streams/<topic>, the WebSocket on /v1/ws. */
async function serve(over: Partial<StreamRelayOptions> = {}, redisUrl = REDIS_URL): Promise<Served> {
  const prefix = `t-streams-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  const relay = createStreamRelay({
    redis: { url: redisUrl },
    prefix,
    log,
    blockMs: 1_000,
    idleMs: 200,
    ...over,
  });
  const server = http.createServer((req, res) => {
    const m = /^\/v1\/streams\/([^/?]+)(\?.*)?$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    relay.serveSse(req, res, decodeURIComponent(m[1]!), lastEventIdOf(req));
  });
  const wsh = attachWebSocket(server, relay, {
    path: '/v1/ws',
    authorize: (req) => req.headers.authorization !== 'Bearer nope',
    maxBufferBytes: over.maxBufferBytes,
    heartbeatMs: 60_000,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  cleanups.push(async () => {
    await wsh.close();
    await relay.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/v1/ws`,
    prefix,
    relay,
    wsh,
    key: (topic) => `${prefix}:stream:${topic}`,
    server,
  };
}

/** XADDs records (objects are JSON.stringify'd, strings stored as they are); returns their ids. */
async function publish(
  client: Redis,
  key: string,
  records: Array<object | string>,
  maxlen?: number,
): Promise<string[]> {
  const p = client.pipeline();
  for (const r of records) {
    const json = typeof r === 'string' ? r : JSON.stringify(r);
    if (maxlen === undefined) p.xadd(key, '*', 'record', json);
    else p.xadd(key, 'MAXLEN', maxlen, '*', 'record', json);
  }
  const res = (await p.exec()) ?? [];
  return res.map(([err, id]) => {
    if (err) throw err;
    return id as string;
  });
}

const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const recs = (from: number, to: number) => seqs(from, to).map((seq) => ({ seq, title: `item ${seq}` }));

interface Got {
  type: string;
  id: string;
  data: string;
}

/** An `eventsource` client (optionally resuming); resolves once open. */
async function sse(url: string, lastEventId?: string) {
  const got: Got[] = [];
  let opens = 0;
  let errors = 0;
  const es = new EventSource(url, {
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: {
          ...(init?.headers as Record<string, string>),
          ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
        },
      }),
  });
  for (const type of ['record', 'resync', 'message', 'admin'])
    es.addEventListener(type, (e) => {
      const m = e as MessageEvent & { data: string };
      got.push({ type, id: m.lastEventId, data: m.data });
    });
  es.addEventListener('open', () => opens++);
  es.addEventListener('error', () => errors++);
  cleanups.push(() => es.close());
  await waitFor('SSE open', () => opens > 0, 5_000);
  return {
    es,
    got,
    records: () => got.filter((g) => g.type === 'record'),
    seqs: () =>
      got.filter((g) => g.type === 'record').map((g) => (JSON.parse(g.data) as { seq: number }).seq),
    opens: () => opens,
    errors: () => errors,
  };
}

/** A `ws` client; resolves once open. */
async function wsClient(url: string) {
  const msgs: Array<{ event: string; id: string | null; data: unknown }> = [];
  const ws = new WebSocket(url);
  let closed: number | null = null;
  ws.on('message', (d) => msgs.push(JSON.parse(String(d))));
  ws.on('close', (code) => {
    closed = code;
  });
  await new Promise<void>((ok, fail) => {
    ws.once('open', () => ok());
    ws.once('error', fail);
  });
  cleanups.push(() => ws.terminate());
  return {
    ws,
    msgs,
    closed: () => closed,
    seqs: () => msgs.filter((m) => m.event === 'record').map((m) => (m.data as { seq: number }).seq),
  };
}

/** Raw HTTP GET: status, headers and the body text received so far. */
function rawGet(url: string, headers: Record<string, string> = {}) {
  const state = { status: 0, headers: {} as http.IncomingHttpHeaders, body: '', ended: false };
  const req = http.get(url, { headers }, (res) => {
    state.status = res.statusCode ?? 0;
    state.headers = res.headers;
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      state.body += d;
    });
    res.on('end', () => {
      state.ended = true;
    });
    res.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  cleanups.push(() => {
    req.destroy();
  });
  return state;
}

describe('SSE resume (T-S1)', () => {
  it('gets exactly 51..70 in order after reconnecting with Last-Event-ID, then live', async () => {
    const t0 = Date.now();
    const s = await serve();
    const url = `${s.base}/v1/streams/marine`;
    const c1 = await sse(url);
    const ids = await publish(redis, s.key('marine'), recs(1, 50));
    await waitFor('1..50', () => c1.records().length >= 50);
    expect(c1.seqs()).toEqual(seqs(1, 50));
    expect(c1.records().map((r) => r.id)).toEqual(ids);
    c1.es.close();
    await publish(redis, s.key('marine'), recs(51, 70));
    const c2 = await sse(url, ids[49]);
    await waitFor('51..70', () => c2.records().length >= 20);
    await sleep(300);
    expect(c2.seqs()).toEqual(seqs(51, 70));
    expect(c2.got.filter((g) => g.type !== 'record')).toEqual([]);
    // The seam: live events follow the catch-up.
    await publish(redis, s.key('marine'), recs(71, 75));
    await waitFor('71..75', () => c2.records().length >= 25);
    await sleep(200);
    expect(c2.seqs()).toEqual(seqs(51, 75));
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 15_000);

  it('has no gap and no duplicate at the seam while records keep coming (SSE and WebSocket)', async () => {
    const s = await serve();
    const key = s.key('all');
    let next = 1;
    let publishing = true;
    const pub = (async () => {
      while (publishing) {
        await publish(redis, key, recs(next, next + 9));
        next += 10;
        await sleep(5);
      }
    })();
    try {
      // Ten reconnects each, alternately over SSE and WebSocket, resuming from the last id received.
      const seen: number[] = [];
      let last: string | undefined;
      for (let round = 0; round < 10; round++) {
        const before = seen.length;
        if (round % 2 === 0) {
          const c = await sse(`${s.base}/v1/streams/all`, last);
          await waitFor('some records', () => c.records().length >= 30);
          c.es.close();
          const got = c.records();
          seen.push(...c.seqs());
          last = got[got.length - 1]!.id;
        } else {
          const c = await wsClient(`${s.ws}?topic=all${last ? `&lastEventId=${last}` : ''}`);
          await waitFor('some messages', () => c.seqs().length >= 30);
          c.ws.terminate();
          const recsGot = c.msgs.filter((m) => m.event === 'record');
          seen.push(...c.seqs());
          last = recsGot[recsGot.length - 1]!.id!;
        }
        expect(seen.length).toBeGreaterThan(before);
      }
      const start = seen[0]!;
      expect(seen).toEqual(seqs(start, start + seen.length - 1));
    } finally {
      publishing = false;
      await pub;
    }
  }, 20_000);

  it('refuses a malformed Last-Event-ID or topic with 400 before streaming, and stops idle readers', async () => {
    const s = await serve();
    for (const bad of ['abc', '1-2-3', '-1-0', '99999999999999999999-0', '1-0\r\nX: y', '1-0x', '1.5-0'])
      try {
        const r = rawGet(`${s.base}/v1/streams/marine`, { 'Last-Event-ID': bad });
        await waitFor('400', () => r.ended, 3_000);
        expect(r.status, bad).toBe(400);
        expect(JSON.parse(r.body).error.code).toBe('INPUT_INVALID');
        expect(r.body).not.toContain(bad);
      } catch (err) {
        // Node's client refuses a header value with CR/LF itself: that one never leaves the test.
        if (!/Invalid character/.test(String(err))) throw err;
      }
    const t = rawGet(`${s.base}/v1/streams/${encodeURIComponent('a:b*')}`);
    await waitFor('400', () => t.ended, 3_000);
    expect(t.status).toBe(400);
    const badWs = new WebSocket(`${s.ws}?topic=marine&lastEventId=x`);
    const status = await new Promise<number>((ok) =>
      badWs.on('unexpected-response', (_q, res) => ok(res.statusCode!)),
    );
    expect(status).toBe(400);
    const unauth = new WebSocket(`${s.ws}?topic=marine`, { headers: { authorization: 'Bearer nope' } });
    expect(
      await new Promise<number>((ok) => unauth.on('unexpected-response', (_q, res) => ok(res.statusCode!))),
    ).toBe(401);
    const c = await sse(`${s.base}/v1/streams/marine`);
    expect(s.relay.stats()).toMatchObject({ clients: 1, readers: 1 });
    c.es.close();
    await waitFor('reader stopped', () => s.relay.stats().readers === 0, 3_000);
  }, 15_000);
});

describe('catch-up larger than the buffer cap', () => {
  it('paces a 3 MB backlog by the client instead of cutting it (cap 256 KiB), query-string resume', async () => {
    const s = await serve({ maxBufferBytes: 256 * 1024 });
    const key = s.key('basic-geology');
    const pad = 'p'.repeat(1_000);
    const ids = await publish(redis, key, [{ seq: 0 }]);
    for (let i = 1; i <= 3_000; i += 500)
      await publish(
        redis,
        key,
        seqs(i, i + 499).map((seq) => ({ seq, pad })),
      );
    const c = await sse(`${s.base}/v1/streams/basic-geology?lastEventId=${ids[0]}`);
    const w = await wsClient(`${s.ws}?topic=basic-geology&lastEventId=${ids[0]}`);
    await waitFor('3000', () => c.records().length >= 3_000 && w.seqs().length >= 3_000, 15_000);
    expect(c.seqs()).toEqual(seqs(1, 3_000));
    expect(w.seqs()).toEqual(seqs(1, 3_000));
    expect(s.relay.stats().slowDisconnects + s.wsh.stats().slowDisconnects).toBe(0);
    expect(c.errors()).toBe(0);
  }, 20_000);
});

describe('trimmed horizon (T-S2)', () => {
  it('sends one resync, then the oldest retained records, then live — over SSE and WebSocket', async () => {
    const t0 = Date.now();
    const s = await serve();
    const key = s.key('energy-minerals');
    const c1 = await sse(`${s.base}/v1/streams/energy-minerals`);
    const first = await publish(redis, key, recs(1, 10), 100);
    await waitFor('1..10', () => c1.records().length >= 10);
    c1.es.close();
    // Offline while 500 are published into MAXLEN 100: 411..510 remain.
    const later = await publish(redis, key, recs(11, 510), 100);
    expect(await redis.xlen(key)).toBe(100);
    const oldest = later[400]!;
    const c2 = await sse(`${s.base}/v1/streams/energy-minerals`, first[9]);
    const w2 = await wsClient(`${s.ws}?topic=energy-minerals&lastEventId=${first[9]}`);
    await waitFor('100 retained', () => c2.records().length >= 100 && w2.seqs().length >= 100);
    await publish(redis, key, recs(511, 515), 100);
    await waitFor('live', () => c2.records().length >= 105 && w2.seqs().length >= 105);
    await sleep(200);
    expect(c2.got[0]).toMatchObject({ type: 'resync' });
    expect(JSON.parse(c2.got[0]!.data)).toEqual({ requested: first[9], oldest });
    expect(c2.got.filter((g) => g.type === 'resync')).toHaveLength(1);
    expect(c2.seqs()).toEqual(seqs(411, 515));
    expect(w2.msgs[0]).toEqual({ event: 'resync', id: null, data: { requested: first[9], oldest } });
    expect(w2.msgs.filter((m) => m.event === 'resync')).toHaveLength(1);
    expect(w2.seqs()).toEqual(seqs(411, 515));
    expect(s.relay.stats().resyncs).toBe(2);
    // A resume point still inside the horizon gets no resync.
    const c3 = await sse(`${s.base}/v1/streams/energy-minerals`, later[450]);
    await waitFor('tail', () => c3.records().length >= 54);
    await sleep(200);
    expect(c3.got.filter((g) => g.type === 'resync')).toEqual([]);
    expect(c3.seqs()).toEqual(seqs(462, 515));
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 15_000);
});

/**
 * The clients of T-S3 and the publisher, in their own process (plain JS: ws, ioredis, node:http), driven by
 * stdin lines: `warm <n>` publishes n records to the normal client alone, then connects the two slow clients
 * and prints `ready`; `go <n>` publishes n more and prints the normal client's latencies as one JSON line.
 */
const SLOW_CLIENTS = `
import http from 'node:http';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
const { BASE, WSURL, REDIS, KEY, RATE } = process.env;
const rate = Number(RATE);
const redis = new Redis(REDIS);
const pad = 'x'.repeat(960);
let received = 0;
let lat = [];
const get = (f) => new Promise((ok, fail) => { const q = http.get(BASE, (res) => { f(res); ok(res); }); q.on('error', fail); });
let buf = '';
await get((res) => {
  res.setEncoding('utf8');
  res.on('data', (d) => {
    const now = Date.now();
    buf += d;
    let at;
    while ((at = buf.indexOf('\\n\\n')) >= 0) {
      const ev = buf.slice(0, at);
      buf = buf.slice(at + 2);
      const t = /data: \\{"t":(\\d+)/.exec(ev);
      if (t) { received++; lat.push(now - Number(t[1])); }
    }
  });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function publish(n) {
  received = 0;
  lat = [];
  const start = Date.now();
  for (let i = 0; i < n; i += 100) {
    const due = start + (i / rate) * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
    const p = redis.pipeline();
    for (let j = i; j < Math.min(n, i + 100); j++)
      p.xadd(KEY, 'MAXLEN', '~', 5000, '*', 'record', '{"t":' + Date.now() + ',"seq":' + j + ',"pad":"' + pad + '"}');
    await p.exec();
  }
  const until = Date.now() + 10000;
  while (received < n && Date.now() < until) await sleep(20);
  await sleep(300);
  return (Date.now() - start) / 1000;
}
process.stdout.write('connected\\n');
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, n] = line.split(' ');
  if (cmd === 'warm') {
    await publish(Number(n));
    // Never read: each socket stops being read as soon as its response's small buffer is full.
    const slow = await get((res) => { res.pause(); res.on('error', () => {}); });
    slow.on('error', () => {});
    const sw = new WebSocket(WSURL);
    await new Promise((ok) => sw.once('open', ok));
    sw.pause();
    sw.on('error', () => {});
    process.stdout.write('ready ' + received + '\\n');
  } else if (cmd === 'go') {
    const seconds = await publish(Number(n));
    const s = lat.sort((a, b) => a - b);
    const pct = (p) => s[Math.floor((s.length - 1) * p)] ?? -1;
    process.stdout.write(JSON.stringify({ received, p50: pct(0.5), p99: pct(0.99), max: pct(1), seconds }) + '\\n');
    redis.disconnect();
    process.exit(0);
  }
}
`;

/**
 * The T-S3 server in a process of its own (the built relay, `npm run build`: `npm test` does), so that its RSS
 * is the relay's and not the test runner's (V8 lets garbage grow in proportion to the live heap, and the
 * vitest worker's is several times the relay's). stdin: `base` starts measuring from the current RSS,
 * `stats` prints `{rss0, rssMax, stats, ws}`.
 */
const T_S3_SERVER = `
import http from 'node:http';
import { createInterface } from 'node:readline';
const { DIST, REDIS, PREFIX } = process.env;
const { createStreamRelay } = await import(DIST + '/api/stream-relay.js');
const { attachWebSocket } = await import(DIST + '/api/ws.js');
const { createLogger } = await import(DIST + '/log.js');
const relay = createStreamRelay({ redis: { url: REDIS }, prefix: PREFIX, log: createLogger({ level: 'silent' }), maxBufferBytes: 1024 * 1024, heartbeatMs: 60000 });
const server = http.createServer((req, res) => {
  const m = /^\\/v1\\/streams\\/([^/?]+)$/.exec(req.url ?? '');
  if (!m) res.writeHead(404).end();
  else relay.serveSse(req, res, m[1], null);
});
const wsh = attachWebSocket(server, relay, { path: '/v1/ws', authorize: () => true, heartbeatMs: 60000 });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
let rss0 = 0;
let rssMax = 0;
setInterval(() => { rssMax = Math.max(rssMax, process.memoryUsage.rss()); }, 50);
process.stdout.write('listening ' + server.address().port + '\\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'base') { rss0 = rssMax = process.memoryUsage.rss(); process.stdout.write('based\\n'); }
  if (line === 'stats') process.stdout.write(JSON.stringify({ rss0, rssMax, stats: relay.stats(), ws: wsh.stats() }) + '\\n');
}
`;

/** A child process spoken to by stdin lines, answering on stdout lines. */
function lineChild(script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  cleanups.push(() => {
    child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  let read = 0;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err = (err + d).slice(-4000);
  });
  return {
    send: (line: string) => child.stdin.write(`${line}\n`),
    /** The next output line (after the ones already read) matching `re`. */
    async line(re: RegExp, ms: number): Promise<RegExpExecArray> {
      let m: RegExpExecArray | null = null;
      await waitFor(
        `a line ${re}`,
        () => {
          const rest = out.slice(read);
          const at = rest.search(re);
          if (at >= 0) {
            m = re.exec(rest.slice(at));
            read += at + m![0].length;
          }
          return m !== null || child.exitCode !== null;
        },
        ms,
      );
      if (!m) throw new Error(`child exited (${child.exitCode}) before ${re}:\n${out}\n${err}`);
      return m;
    },
  };
}

describe('slow consumers (T-S3)', () => {
  it('cuts an SSE and a WebSocket client that never read; memory bounded; a normal client unaffected', async () => {
    const dist = join(ROOT, 'dist');
    for (const f of ['stream-relay', 'ws', 'sse-format']) {
      const built = join(dist, 'api', `${f}.js`);
      if (
        !existsSync(built) ||
        statSync(built).mtimeMs < statSync(join(ROOT, 'src', 'api', `${f}.ts`)).mtimeMs
      )
        throw new Error(`${built} is missing or older than its source: run npm run build (npm test does)`);
    }
    const prefix = `t-streams-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    const key = `${prefix}:stream:hydrogeology`;
    const server = lineChild(T_S3_SERVER, { DIST: dist, REDIS: REDIS_URL, PREFIX: prefix });
    const port = (await server.line(/listening (\d+)\n/, 10_000))[1]!;
    const clients = lineChild(SLOW_CLIENTS, {
      BASE: `http://127.0.0.1:${port}/v1/streams/hydrogeology`,
      WSURL: `ws://127.0.0.1:${port}/v1/ws?topic=hydrogeology`,
      REDIS: REDIS_URL,
      KEY: key,
      RATE: '10000',
    });
    await clients.line(/connected\n/, 10_000);
    clients.send('warm 100');
    expect((await clients.line(/ready (\d+)\n/, 10_000))[1]).toBe('100');
    const stats = async () => {
      server.send('stats');
      return JSON.parse((await server.line(/(\{.*\})\n/, 5_000))[1]!) as {
        rss0: number;
        rssMax: number;
        stats: { clients: number; slowDisconnects: number };
        ws: { slowDisconnects: number };
      };
    };
    const until = Date.now() + 5_000;
    while ((await stats()).stats.clients !== 3 && Date.now() < until) await sleep(50);
    server.send('base');
    await server.line(/based\n/, 5_000);
    clients.send('go 50000');
    const report = JSON.parse((await clients.line(/(\{.*\})\n/, 25_000))[1]!) as {
      received: number;
      p50: number;
      p99: number;
      max: number;
      seconds: number;
    };
    const after = await stats();
    const growth = after.rssMax - after.rss0;
    const mib = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
    console.log(
      JSON.stringify({ test: 'T-S3', rss0MiB: mib(after.rss0), growthMiB: mib(growth), ...report, ...after }),
    );
    expect(report.received).toBe(50_000);
    expect(report.p99).toBeLessThan(1_000);
    expect(growth).toBeLessThanOrEqual(64 * 2 ** 20);
    expect(after.stats.slowDisconnects).toBe(1);
    expect(after.ws.slowDisconnects).toBe(1);
  }, 45_000);
});

/** A TCP proxy to Redis whose existing connections can be frozen: no bytes either way, no close (half-open). */
async function freezableProxy(port: number) {
  const pairs: Array<[net.Socket, net.Socket]> = [];
  const server = net.createServer((down) => {
    const up = net.connect(port, '127.0.0.1');
    down.on('error', () => undefined);
    up.on('error', () => undefined);
    down.pipe(up);
    up.pipe(down);
    pairs.push([down, up]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze() {
      for (const [down, up] of pairs.splice(0)) {
        down.unpipe(up);
        up.unpipe(down);
        down.pause();
        up.pause();
        cleanups.push(() => {
          down.destroy();
          up.destroy();
        });
      }
    },
    close: () =>
      new Promise<void>((r) => {
        for (const [a, b] of pairs) {
          a.destroy();
          b.destroy();
        }
        server.close(() => r());
      }),
  };
}

describe('relay resilience (T-S4-like)', () => {
  it('keeps connected SSE and WebSocket clients receiving through a Redis kill -9 and restart', async () => {
    const t0 = Date.now();
    const rs = await startRedis();
    cleanups.push(() => rs.stop());
    const s = await serve({}, rs.url);
    const pubc = rs.client();
    const c = await sse(`${s.base}/v1/streams/all`);
    const w = await wsClient(`${s.ws}?topic=all`);
    const viaSubscribe: number[] = [];
    const unsub = s.relay.subscribe('all', null, (e) => {
      if (e.kind === 'record') viaSubscribe.push((JSON.parse(e.json) as { seq: number }).seq);
      return true;
    });
    cleanups.push(unsub);
    await sleep(200);
    await publish(pubc, s.key('all'), recs(1, 10));
    await waitFor(
      '1..10',
      () => c.records().length >= 10 && w.seqs().length >= 10 && viaSubscribe.length >= 10,
    );
    await rs.kill('SIGKILL');
    // A new client while Redis is away: 503 with a code, never a hang.
    const t503 = Date.now();
    const away = rawGet(`${s.base}/v1/streams/all`);
    await waitFor('503', () => away.ended, 5_000);
    expect(away.status).toBe(503);
    expect(JSON.parse(away.body).error.code).toBe('REDIS_UNAVAILABLE');
    expect(Date.now() - t503).toBeLessThan(3_000);
    await rs.restart();
    // The publisher retries until Redis is back; then 11..20 must reach the same connections.
    for (;;) {
      try {
        await publish(pubc, s.key('all'), recs(11, 20));
        break;
      } catch {
        await sleep(100);
      }
    }
    await waitFor(
      '11..20 after the restart',
      () => c.records().length >= 20 && w.seqs().length >= 20 && viaSubscribe.length >= 20,
      12_000,
    );
    await sleep(200);
    expect(c.seqs()).toEqual(seqs(1, 20));
    expect(w.seqs()).toEqual(seqs(1, 20));
    expect(viaSubscribe).toEqual(seqs(1, 20));
    expect(c.opens()).toBe(1);
    expect(c.errors()).toBe(0);
    expect(w.closed()).toBeNull();
    expect(Date.now() - t0).toBeLessThan(20_000);
  }, 25_000);

  it('abandons a read that never returns (half-open connection) and resumes on a new connection', async () => {
    const rs = await startRedis({ aof: false });
    cleanups.push(() => rs.stop());
    const proxy = await freezableProxy(rs.port);
    cleanups.push(() => proxy.close());
    const s = await serve(
      { blockMs: 500, watchdogMarginMs: 500, commandTimeoutMs: 1_000 },
      `redis://127.0.0.1:${proxy.port}`,
    );
    const pubc = rs.client();
    const c = await sse(`${s.base}/v1/streams/marine`);
    await publish(pubc, s.key('marine'), recs(1, 5));
    await waitFor('1..5', () => c.records().length >= 5);
    proxy.freeze();
    await publish(pubc, s.key('marine'), recs(6, 10));
    await waitFor('6..10 after the watchdog', () => c.records().length >= 10, 10_000);
    expect(c.seqs()).toEqual(seqs(1, 10));
    expect(s.relay.stats().watchdogAborts).toBeGreaterThanOrEqual(1);
    expect(c.opens()).toBe(1);
  }, 20_000);
});

describe('SSE framing (T-O3)', () => {
  it('sends exactly one event per publish, event names from the enum, data round-tripping through JSON', async () => {
    const s = await serve({ heartbeatMs: 100 });
    const titles = [
      'a\n\nevent: admin\ndata: x',
      'lone\rcr',
      'crlf\r\nnext',
      'line\u2028sep\u2029para',
      'nel\u0085x',
      'id: 1-1\n\nretry: 1\n: c',
      '\r\n\r\nevent: admin\r\ndata: {}\r\n\r\n',
    ];
    const objs: Array<Record<string, unknown>> = titles.map((title, i) => ({ seq: i + 1, title }));
    // Stored by something other than JSON.stringify: raw CR/LF between tokens (valid JSON), and a raw newline
    // inside a string (invalid JSON): each must still be one event.
    const raw = [
      '{\r\n"seq": 8,\n"title":\r"raw whitespace"\n}',
      '{"seq":9,"title":"bad\nline\r\nevent: admin"}',
    ];
    const c = await sse(`${s.base}/v1/streams/carbon-neutrality`);
    const r = rawGet(`${s.base}/v1/streams/carbon-neutrality`);
    const w = await wsClient(`${s.ws}?topic=carbon-neutrality`);
    await waitFor('raw open', () => r.status === 200);
    expect(r.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['x-accel-buffering']).toBe('no');
    await publish(redis, s.key('carbon-neutrality'), [...objs, ...raw]);
    await waitFor('9 events', () => c.got.length >= 9 && w.msgs.length >= 9);
    await sleep(300);
    expect(c.got).toHaveLength(9);
    expect(c.got.every((g) => g.type === 'record')).toBe(true);
    const expected = [...objs, JSON.parse(raw[0]!), { seq: 9, title: 'bad\nline\r\nevent: admin' }];
    expect(c.got.map((g) => JSON.parse(g.data))).toEqual(expected);
    expect(w.msgs.map((m) => m.event)).toEqual(Array(9).fill('record'));
    expect(w.msgs.slice(0, 8).map((m) => m.data)).toEqual(expected.slice(0, 8));
    // On the wire (lines split as WHATWG does: CRLF, LF or CR): only id/event/data fields and comments.
    const lines = r.body.split(/\r\n|\r|\n/);
    const fields = lines.filter((l) => l !== '' && !l.startsWith(':'));
    expect(fields.every((l) => /^(id: \d+-\d+|event: (record|resync)|data: .*)$/.test(l))).toBe(true);
    expect(fields.filter((l) => l.startsWith('data: '))).toHaveLength(9);
    expect(fields.filter((l) => l === 'event: record')).toHaveLength(9);
    expect(lines).toContain(': ping');
    // Records without unsafe characters go out byte for byte as stored.
    await publish(redis, s.key('carbon-neutrality'), [{ seq: 10, title: 'plain «é» 中文' }]);
    await waitFor('10th', () => c.got.length >= 10);
    expect(c.got[9]!.data).toBe(JSON.stringify({ seq: 10, title: 'plain «é» 中文' }));
  }, 10_000);
});
