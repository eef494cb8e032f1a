/**
 * Open live connections end with their credential (src/api/live-auth.ts), on real Redis with the test's own key
 * prefix and real sockets: (1) a viewer token's SSE stream, WebSocket and browser-session stream end promptly
 * when an admin revokes the token (SSE: last event `revoked`; WebSocket: close 4401), a bystander's stream
 * goes on, and the token's new requests get 401; (2) two API instances on one prefix: revoking through A ends
 * the streams held on B (the pub/sub notice); (3) with the notice suppressed (the token revoked, or the session
 * deleted, straight in Redis without PUBLISH) the periodic re-check ends the streams within its interval, while
 * an instance with a 10-minute re-check still holds its stream, and a notice published while the subscribers are
 * cut (CLIENT KILL) is made up for by the re-check when they are back; (4) a session-cookie stream ends on logout,
 * and the same token's other session goes on. Close latencies are printed (`revocation-latency`). The API's
 * `/metrics` follows it all: `geointel_live_connections{kind}` and `geointel_live_ended_total{path}` (the three
 * instances share one runtime, so one registry: the numbers are their sum, as in one process).
 */
import { get as httpGet } from 'node:http';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ApiInstance, buildApi } from '../../src/api/app.js';
import { WS_CLOSE_REVOKED } from '../../src/api/live-auth.js';
import { whenReady } from '../../src/api/redis-ready.js';
import type { Config } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { connect } from '../../src/runtime/redis.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { hashSessionId } from '../../src/store/sessions.js';
import { createRedisTokenStore, hashToken, type TokenStore } from '../../src/store/tokens.js';
import { baseConfig, cleanup, startRuntime, withPrefix } from '../helpers/runtime.js';
import { dayRecords } from '../unit/digest-fixture-records.js';

const log = createLogger({ level: process.env.TEST_LOG ?? 'silent' });
/** The re-check of instances A and B: far longer than any test, so only a notice can end their streams. */
const LONG_RECHECK_MS = 600_000;
/** The re-check of instance C (the missed-notice path). */
const SHORT_RECHECK_MS = 300;
/** Ceiling for a notice-driven close (expected: a few ms). */
const NOTICE_CEILING_MS = 5_000;
/** Ceiling for a re-check-driven close (expected: at most one interval plus a lookup, ≤ ~0.35 s). */
const RECHECK_CEILING_MS = 10 * SHORT_RECHECK_MS;

let runtime: Runtime;
let redis: Redis;
let tokens: TokenStore;
let admin = '';
const apps: ApiInstance[] = [];
let a: Server;
let b: Server;
let c: Server;
const latencies: Record<string, number> = {};

interface Server {
  app: ApiInstance;
  http: string;
  ws: string;
}

function withRecheck(config: Config, ms: number): Config {
  return { ...config, app: { ...config.app, http: { ...config.app.http, streamRecheckMs: ms } } };
}

async function server(recheckMs: number): Promise<Server> {
  const app = await buildApi({
    runtime: { ...runtime, config: withRecheck(runtime.config, recheckMs) },
    log,
    tokens,
    redis,
  });
  apps.push(app);
  const http = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, http, ws: http.replace('http:', 'ws:') };
}

beforeAll(async () => {
  runtime = await startRuntime(withPrefix(baseConfig()), { roles: [] });
  redis = connect(runtime.redisTarget, 'producer', log);
  expect(await whenReady(redis, 5_000)).toBe(true);
  tokens = createRedisTokenStore({ redis, prefix: runtime.keys.prefix });
  admin = (await tokens.create('rv-admin', 'admin')).token;
  a = await server(LONG_RECHECK_MS);
  b = await server(LONG_RECHECK_MS);
  c = await server(SHORT_RECHECK_MS);
});

afterAll(async () => {
  for (const app of apps) await app.close();
  console.log(JSON.stringify({ bench: 'revocation-latency', ms: latencies }));
  await cleanup(runtime);
  redis?.disconnect();
  await runtime?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

interface SseClient {
  /** The response status (0: the request failed). */
  status: Promise<number>;
  events: Array<{ event: string; data: string }>;
  /** When the response ended or its socket closed (ms since the epoch). */
  ended: Promise<number>;
  isEnded(): boolean;
  close(): void;
}

function openSse(base: string, path: string, headers: Record<string, string>): SseClient {
  const events: SseClient['events'] = [];
  let done = false;
  let setStatus!: (n: number) => void;
  let setEnded!: (at: number) => void;
  const status = new Promise<number>((r) => {
    setStatus = r;
  });
  const ended = new Promise<number>((r) => {
    setEnded = (at) => {
      done = true;
      r(at);
    };
  });
  const req = httpGet(`${base}${path}`, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
    setStatus(res.statusCode ?? 0);
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (chunk: string) => {
      buf += chunk;
      for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let event = '';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data = line.slice(6);
        }
        if (event) events.push({ event, data });
      }
    });
    res.on('end', () => setEnded(Date.now()));
    res.on('close', () => setEnded(Date.now()));
  });
  req.on('error', () => {
    setStatus(0);
    setEnded(Date.now());
  });
  return { status, events, ended, isEnded: () => done, close: () => req.destroy() };
}

interface WsClient {
  ws: WebSocket;
  closed: Promise<{ code: number; reason: string; at: number }>;
}

async function openWs(base: string, headers: Record<string, string>): Promise<WsClient> {
  const ws = new WebSocket(`${base}/v1/ws?topic=all`, { headers });
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason), at: Date.now() })),
  );
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, closed };
}

/** The status a WebSocket upgrade is answered with (101: opened). */
function upgradeStatus(base: string, headers: Record<string, string>): Promise<number> {
  const ws = new WebSocket(`${base}/v1/ws?topic=all`, { headers });
  return new Promise<number>((resolve) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('error', () => resolve(0));
  });
}

/** Resolves with `p`'s value, or with `late` after `ms`. */
function within<T>(p: Promise<T>, ms: number, late: T): Promise<T> {
  return Promise.race([p, sleep(ms).then(() => late)]);
}

async function signIn(on: Server, t: string): Promise<{ cookie: string; csrf: string; id: string }> {
  const res = await on.app.inject({ method: 'POST', url: '/v1/session', payload: { token: t } });
  expect(res.statusCode, res.body).toBe(200);
  const id = /^gi_session=([^;]+);/.exec(String(res.headers['set-cookie']))![1]!;
  return { cookie: `gi_session=${id}`, csrf: res.json().csrfToken, id };
}

async function revokeThrough(on: Server, name: string): Promise<number> {
  const t0 = Date.now();
  const res = await on.app.inject({ method: 'DELETE', url: `/v1/tokens/${name}`, headers: bearer(admin) });
  expect(res.statusCode).toBe(204);
  return t0;
}

/** The live-connection series as the API's `/metrics` answers them: `sse`, `ws`, `notice`, `recheck`. */
async function liveMetrics(): Promise<Record<string, number>> {
  const res = await a.app.inject({ url: '/metrics' });
  expect(res.statusCode).toBe(200);
  const out: Record<string, number> = {};
  for (const m of res.body.matchAll(
    /^geointel_live_(?:connections|ended_total)\{(?:kind|path)="(\w+)"\} (\d+)$/gm,
  ))
    out[m[1]!] = Number(m[2]);
  return out;
}

/** Scrapes until the series match (a socket's server side may register or close a moment after the client). */
async function expectLiveMetrics(want: Record<string, number>): Promise<void> {
  const until = Date.now() + NOTICE_CEILING_MS;
  let got = await liveMetrics();
  while (Object.entries(want).some(([k, v]) => got[k] !== v) && Date.now() < until) {
    await sleep(20);
    got = await liveMetrics();
  }
  expect(got).toMatchObject(want);
}

const lastEvent = (s: SseClient) => s.events[s.events.length - 1];

function expectRevokedSse(s: SseClient, reason: string): void {
  expect(s.isEnded()).toBe(true);
  expect(lastEvent(s)).toEqual({ event: 'revoked', data: JSON.stringify({ reason }) });
}

/**
 * Waits for an SSE stream and a WebSocket to end after `t0`, records both latencies as `<key>.sse` and `<key>.ws`,
 * and checks that both ended for `reason` within `ceilingMs` (the notice's, unless said).
 */
async function expectPairEnded(
  key: string,
  t0: number,
  sse: SseClient,
  ws: WsClient,
  reason: string,
  ceilingMs = NOTICE_CEILING_MS,
) {
  const [sseAt, wsClose] = await Promise.all([
    within(sse.ended, ceilingMs, Number.NaN),
    within(ws.closed, ceilingMs, { code: 0, reason: 'still open', at: Number.NaN }),
  ]);
  latencies[`${key}.sse`] = sseAt - t0;
  latencies[`${key}.ws`] = wsClose.at - t0;
  expectRevokedSse(sse, reason);
  expect(wsClose, key).toMatchObject({ code: WS_CLOSE_REVOKED, reason });
  expect(latencies[`${key}.sse`]).toBeLessThan(ceilingMs);
  expect(latencies[`${key}.ws`]).toBeLessThan(ceilingMs);
}

describe('revoking a token ends its open streams', () => {
  it('SSE, WebSocket and a session stream of a viewer token end at once; a bystander goes on; new requests 401', async () => {
    const { token: viewer } = await tokens.create('rv-viewer-1', 'viewer');
    const { token: other } = await tokens.create('rv-bystander', 'viewer');
    const session = await signIn(a, viewer);
    const sse = openSse(a.http, '/v1/streams/all', bearer(viewer));
    const cookieSse = openSse(a.http, '/v1/streams/all', { cookie: session.cookie });
    const bystander = openSse(a.http, '/v1/streams/all', bearer(other));
    expect(await Promise.all([sse.status, cookieSse.status, bystander.status])).toEqual([200, 200, 200]);
    const ws = await openWs(a.ws, bearer(viewer));
    await expectLiveMetrics({ sse: 3, ws: 1, notice: 0, recheck: 0 });

    const t0 = await revokeThrough(a, 'rv-viewer-1');
    const [sseAt, cookieAt, wsClose] = await Promise.all([
      within(sse.ended, NOTICE_CEILING_MS, Number.NaN),
      within(cookieSse.ended, NOTICE_CEILING_MS, Number.NaN),
      within(ws.closed, NOTICE_CEILING_MS, { code: 0, reason: 'still open', at: Number.NaN }),
    ]);
    latencies['token.sse'] = sseAt - t0;
    latencies['token.sessionSse'] = cookieAt - t0;
    latencies['token.ws'] = wsClose.at - t0;
    expectRevokedSse(sse, 'token_revoked');
    expectRevokedSse(cookieSse, 'token_revoked');
    expect(wsClose).toMatchObject({ code: WS_CLOSE_REVOKED, reason: 'token_revoked' });
    for (const ms of [latencies['token.sse']!, latencies['token.sessionSse']!, latencies['token.ws']!])
      expect(ms).toBeLessThan(NOTICE_CEILING_MS);
    // The bystander is left; the three ended by the notice.
    await expectLiveMetrics({ sse: 1, ws: 0, notice: 3, recheck: 0 });

    // The bystander's stream is live: it gets the records stored now; the revoked streams got nothing more.
    const before = sse.events.length;
    const stored = await runtime.stores.records.put(dayRecords());
    const emitted = stored.filter((o) => o === 'emitted').length;
    expect(emitted).toBeGreaterThan(0);
    const until = Date.now() + NOTICE_CEILING_MS;
    while (bystander.events.length < emitted && Date.now() < until) await sleep(20);
    expect(bystander.events.filter((e) => e.event === 'record')).toHaveLength(emitted);
    expect(bystander.isEnded()).toBe(false);
    expect(sse.events).toHaveLength(before);
    bystander.close();
    // A stream closed by its client is unregistered, and counts as no revocation.
    await expectLiveMetrics({ sse: 0, ws: 0, notice: 3 });

    // The revoked token's new requests: 401 on a route, an SSE stream, a WebSocket upgrade, and its session.
    const res = await a.app.inject({ url: '/v1/records', headers: bearer(viewer) });
    expect(res.statusCode).toBe(401);
    const again = openSse(a.http, '/v1/streams/all', bearer(viewer));
    expect(await again.status).toBe(401);
    expect(await upgradeStatus(a.ws, bearer(viewer))).toBe(401);
    expect((await a.app.inject({ url: '/v1/records', headers: { cookie: session.cookie } })).statusCode).toBe(
      401,
    );
  });

  it('two instances on one prefix: revoking through A ends the streams held on B', async () => {
    const { token: viewer } = await tokens.create('rv-viewer-2', 'viewer');
    const sse = openSse(b.http, '/v1/streams/all', bearer(viewer));
    expect(await sse.status).toBe(200);
    const ws = await openWs(b.ws, bearer(viewer));
    const t0 = await revokeThrough(a, 'rv-viewer-2');
    // B re-checks only every 10 minutes: within the ceiling, the notice ended these.
    await expectPairEnded('crossInstance', t0, sse, ws, 'token_revoked');
    expect((await b.app.inject({ url: '/v1/records', headers: bearer(viewer) })).statusCode).toBe(401);
  });
});

describe('a missed notice: the re-check ends the stream within its interval', () => {
  const cases = [
    {
      name: 'token revoked without a notice',
      reason: 'token_revoked',
      async open(t: string) {
        return { headers: bearer(t) };
      },
      // What `revoke` writes, without its PUBLISH.
      suppressed: (t: string) => redis.hset(runtime.keys.token(hashToken(t)), 'revoked', '1'),
    },
    {
      name: 'session deleted without a notice',
      reason: 'session_ended',
      async open(t: string) {
        const s = await signIn(c, t);
        return { headers: { cookie: s.cookie }, id: s.id };
      },
      suppressed: (_t: string, id?: string) => redis.del(runtime.keys.session(hashSessionId(id!))),
    },
  ];

  it.each(cases)('$name', async ({ reason, open, suppressed }) => {
    const holder = `rv-missed-${reason}`;
    const { token: viewer } = await tokens.create(holder, 'viewer');
    const cred = (await open(viewer)) as { headers: Record<string, string>; id?: string };
    const onC = openSse(c.http, '/v1/streams/all', cred.headers);
    // The control: the same credential on A, which re-checks every 10 minutes and so ends only on a notice.
    const onA = openSse(a.http, '/v1/streams/all', cred.headers);
    expect(await Promise.all([onC.status, onA.status])).toEqual([200, 200]);
    const ws = await openWs(c.ws, cred.headers);
    const before = await liveMetrics();
    const t0 = Date.now();
    await suppressed(viewer, cred.id);
    const key = reason === 'token_revoked' ? 'missedNotice.token' : 'missedNotice.session';
    await expectPairEnded(key, t0, onC, ws, reason, RECHECK_CEILING_MS);
    // C's re-check ended both, and no notice did.
    await expectLiveMetrics({ recheck: before.recheck! + 2, notice: before.notice! });
    // No notice went out: A still streams (a request to it now is refused all the same).
    await sleep(2 * SHORT_RECHECK_MS);
    expect(onA.isEnded()).toBe(false);
    expect((await a.app.inject({ url: '/v1/records', headers: cred.headers })).statusCode).toBe(401);
    onA.close();
  });

  it('a notice published while the subscriber is reconnecting: the re-check on its return ends the stream', async () => {
    const { token: viewer } = await tokens.create('rv-reconnect', 'viewer');
    // On A, whose interval (10 minutes) cannot be what ends it.
    const sse = openSse(a.http, '/v1/streams/all', bearer(viewer));
    expect(await sse.status).toBe(200);
    const name = `${runtime.keys.prefix}:revocations`;
    const clients = String(await redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
      .split('\n')
      .filter((l) => l.includes(` name=${name} `));
    // A, B and C each hold one subscriber.
    expect(clients).toHaveLength(3);
    const ids = clients.map((l) => /(?:^| )id=(\d+)/.exec(l)![1]!);
    const t0 = Date.now();
    for (const id of ids) await redis.call('CLIENT', 'KILL', 'ID', id);
    // Published while no subscriber is connected: nobody hears it.
    expect(await tokens.revoke('rv-reconnect')).toBe(true);
    const at = await within(sse.ended, NOTICE_CEILING_MS, Number.NaN);
    latencies['subscriberReconnect.sse'] = at - t0;
    expectRevokedSse(sse, 'token_revoked');
    expect(latencies['subscriberReconnect.sse']).toBeLessThan(NOTICE_CEILING_MS);
  });
});

describe('signing out ends the session’s open streams', () => {
  it('logout ends the session’s SSE stream and WebSocket; another session of the token goes on', async () => {
    const { token: viewer } = await tokens.create('rv-viewer-4', 'viewer');
    const s = await signIn(a, viewer);
    const kept = await signIn(a, viewer);
    const sse = openSse(b.http, '/v1/streams/all', { cookie: s.cookie });
    const other = openSse(a.http, '/v1/streams/all', { cookie: kept.cookie });
    expect(await Promise.all([sse.status, other.status])).toEqual([200, 200]);
    const ws = await openWs(a.ws, { cookie: s.cookie });
    const t0 = Date.now();
    const out = await a.app.inject({
      method: 'DELETE',
      url: '/v1/session',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    expect(out.statusCode).toBe(204);
    await expectPairEnded('logout', t0, sse, ws, 'session_ended');
    await sleep(200);
    expect(other.isEnded()).toBe(false);
    expect((await a.app.inject({ url: '/v1/records', headers: { cookie: kept.cookie } })).statusCode).toBe(
      200,
    );
    other.close();
  });
});
