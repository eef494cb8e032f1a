/**
 * Browser sessions, token management routes and the WebSocket's Origin check on real Redis (own key prefix),
 * with `buildApi` and real tokens as api-routes.test.ts does: the cookie's flags; cookie-authenticated reads;
 * CSRF on state changes (missing, wrong, right token; foreign Origin); bearer requests need none; revoking the
 * token ends its sessions; logout; expiry (a skewed clock, and a real 1 s session); SSE and the WebSocket with
 * the cookie (and a cross-site upgrade refused); `/v1/tokens` with audit entries; the role matrix again with
 * cookies; RELIABILITY.md T-O4 (log injection) through real API requests.
 */
import { connect as netConnect } from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ApiInstance, buildApi } from '../../src/api/app.js';
import { STATE_CHANGING } from '../../src/api/auth.js';
import { createLogger, MAX_FIELD, MAX_LINE } from '../../src/log.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { createRedisAuditStore } from '../../src/store/audit.js';
import { hashSessionId } from '../../src/store/sessions.js';
import { hashToken, type TokenRole, type TokenStore } from '../../src/store/tokens.js';
import { apiAccess, baseConfig, cleanup, startRuntime, withPrefix } from '../helpers/runtime.js';
import { dayRecords } from '../unit/digest-fixture-records.js';

const log = createLogger({ level: process.env.TEST_LOG ?? 'silent' });
const HOUR = 3_600_000;

let runtime: Runtime;
let redis: Redis;
let tokens: TokenStore;
let app: ApiInstance;
/** Added to the API's clock (expiry without waiting 12 hours). */
let skew = 0;
let base = '';
let host = '';
const token: Record<TokenRole, string> = { viewer: '', editor: '', admin: '' };

beforeAll(async () => {
  runtime = await startRuntime(withPrefix(baseConfig()), { roles: [] });
  ({ redis, tokens } = await apiAccess(runtime, 's', token));
  expect(await runtime.stores.records.put(dayRecords())).toContain('emitted');
  app = await buildApi({ runtime, log, tokens, redis, now: () => Date.now() + skew });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  host = new URL(base).host;
});

afterAll(async () => {
  await app?.close();
  await cleanup(runtime);
  redis?.disconnect();
  await runtime?.close();
});

const bearer = (role: TokenRole) => ({ authorization: `Bearer ${token[role]}` });

interface Session {
  cookie: string;
  id: string;
  csrf: string;
  setCookie: string;
  body: { name: string; role: string; csrfToken: string; expiresAt: string };
}

/** Signs in with a token through the API (inject, or `on` another app). */
async function signIn(t: string, on: ApiInstance = app): Promise<Session> {
  const res = await on.inject({ method: 'POST', url: '/v1/session', payload: { token: t } });
  expect(res.statusCode, res.body).toBe(200);
  const setCookie = String(res.headers['set-cookie']);
  const id = /^gi_session=([^;]+);/.exec(setCookie)![1]!;
  const body = res.json();
  return { cookie: `gi_session=${id}`, id, csrf: body.csrfToken, setCookie, body };
}

const sessionKey = (id: string) => runtime.keys.session(hashSessionId(id));

describe('POST /v1/session', () => {
  it('sets an HttpOnly, SameSite=Strict cookie for the token; Redis holds only hashes', async () => {
    const s = await signIn(token.editor);
    expect(s.setCookie).toMatch(
      /^gi_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/,
    );
    expect(s.body).toEqual({
      name: 's-editor',
      role: 'editor',
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: expect.any(String),
    });
    expect(Math.abs(Date.parse(s.body.expiresAt) - (Date.now() + 12 * HOUR))).toBeLessThan(60_000);
    const stored = await redis.hgetall(sessionKey(s.id));
    expect(stored).toEqual({
      tokenHash: hashToken(token.editor),
      csrf: s.csrf,
      createdAt: expect.any(String),
      expiresAt: s.body.expiresAt,
    });
    const dump = JSON.stringify(stored) + (await redis.keys(`${runtime.keys.prefix}:session:*`)).join();
    expect(dump).not.toContain(s.id);
    expect(dump).not.toContain(token.editor);
    const ttl = await redis.pttl(sessionKey(s.id));
    expect(ttl).toBeGreaterThan(12 * HOUR - 60_000);
    expect(ttl).toBeLessThanOrEqual(12 * HOUR);
  });

  it('refuses an unknown, revoked or malformed token; a foreign Origin is CSRF_FAILED', async () => {
    const unknown = await app.inject({ method: 'POST', url: '/v1/session', payload: { token: 'gi_nope' } });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.headers['set-cookie']).toBeUndefined();
    const bad = await app.inject({ method: 'POST', url: '/v1/session', payload: { token: 1, x: 2 } });
    expect(bad.statusCode).toBe(400);
    const crossSite = await app.inject({
      method: 'POST',
      url: '/v1/session',
      headers: { origin: 'https://evil.example' },
      payload: { token: token.admin },
    });
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.json().error.code).toBe('CSRF_FAILED');
    expect(crossSite.headers['set-cookie']).toBeUndefined();
  });

  it('signing in again ends the session the browser held', async () => {
    const first = await signIn(token.viewer);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/session',
      headers: { cookie: first.cookie },
      payload: { token: token.viewer },
    });
    expect(res.statusCode).toBe(200);
    expect(await redis.exists(sessionKey(first.id))).toBe(0);
    const old = await app.inject({ url: '/v1/records', headers: { cookie: first.cookie } });
    expect(old.statusCode).toBe(401);
  });

  it('the cookie is Secure with http.secureCookies, and a 1 s session ends by itself', async () => {
    const http = { ...runtime.config.app.http, secureCookies: true, sessionHours: 1 / 3600 };
    const config = { ...runtime.config, app: { ...runtime.config.app, http } };
    const short = await buildApi({ runtime: { ...runtime, config }, log, tokens, redis });
    try {
      const s = await signIn(token.viewer, short);
      expect(s.setCookie).toMatch(/; Max-Age=1; HttpOnly; SameSite=Strict; Secure$/);
      expect((await short.inject({ url: '/v1/records', headers: { cookie: s.cookie } })).statusCode).toBe(
        200,
      );
      const until = Date.now() + 10_000;
      while ((await redis.exists(sessionKey(s.id))) === 1 && Date.now() < until)
        await new Promise((r) => setTimeout(r, 100));
      expect(await redis.exists(sessionKey(s.id))).toBe(0);
      const after = await short.inject({ url: '/v1/records', headers: { cookie: s.cookie } });
      expect(after.statusCode).toBe(401);
      expect(after.json().error.code).toBe('UNAUTHORISED');
    } finally {
      await short.close();
    }
  });
});

describe('requests with the session cookie', () => {
  it('reads work; GET /v1/session says who and repeats the CSRF token; a bearer has none', async () => {
    const s = await signIn(token.viewer);
    const records = await app.inject({ url: '/v1/records', headers: { cookie: `theme=dark; ${s.cookie}` } });
    expect(records.statusCode).toBe(200);
    expect(Array.isArray(records.json().items)).toBe(true);
    const me = await app.inject({ url: '/v1/session', headers: { cookie: s.cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.headers['cache-control']).toBe('no-store');
    expect(me.json()).toEqual(s.body);
    const viaBearer = await app.inject({ url: '/v1/session', headers: bearer('editor') });
    expect(viaBearer.json()).toEqual({ name: 's-editor', role: 'editor', csrfToken: null, expiresAt: null });
    for (const cookie of ['gi_session=nope', 'gi_session=', `gi_session=${'A'.repeat(43)}`, 'other=1']) {
      const res = await app.inject({ url: '/v1/records', headers: { cookie } });
      expect(res.statusCode, cookie).toBe(401);
    }
  });

  it('a state change needs the CSRF token: missing or wrong 403 CSRF_FAILED, right one passes', async () => {
    const s = await signIn(token.admin);
    const post = (headers: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/v1/sources/usgs-news/fetch',
        headers: { cookie: s.cookie, ...headers },
      });
    for (const headers of [
      {},
      { 'x-csrf-token': 'wrong' },
      { 'x-csrf-token': `${s.csrf}x` },
      { 'x-csrf-token': '' },
    ] as Array<Record<string, string>>) {
      const res = await post(headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(res.json().error.code).toBe('CSRF_FAILED');
    }
    // Another session's token is not this one's.
    const other = await signIn(token.admin);
    expect((await post({ 'x-csrf-token': other.csrf })).json().error.code).toBe('CSRF_FAILED');
    const ok = await post({ 'x-csrf-token': s.csrf });
    expect(ok.statusCode, ok.body).toBe(202);
    // The role still applies after the CSRF check.
    const v = await signIn(token.viewer);
    const low = await app.inject({
      method: 'POST',
      url: '/v1/sources/usgs-news/fetch',
      headers: { cookie: v.cookie, 'x-csrf-token': v.csrf },
    });
    expect(low.statusCode).toBe(403);
    expect(low.json().error.code).toBe('FORBIDDEN');
  });

  it('a foreign Origin is refused even with the right CSRF token; the own Origin passes (real socket)', async () => {
    const s = await signIn(token.admin);
    const send = (origin?: string) =>
      fetch(`${base}/v1/sources/usgs-news/fetch`, {
        method: 'POST',
        headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, ...(origin ? { origin } : {}) },
      });
    for (const origin of [
      'https://evil.example',
      'null',
      `http://${host}.evil.example`,
      'http://127.0.0.1:1',
    ]) {
      const res = await send(origin);
      expect(res.status, origin).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('CSRF_FAILED');
    }
    expect((await send(`http://${host}`)).status).toBe(202);
    expect((await send()).status).toBe(202);
  });

  it('a bearer request needs no CSRF token and wins over a cookie', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/sources/usgs-news/fetch',
      headers: { ...bearer('admin'), origin: 'https://elsewhere.example' },
    });
    expect(res.statusCode).toBe(202);
    const v = await signIn(token.viewer);
    const both = await app.inject({
      method: 'POST',
      url: '/v1/sources/usgs-news/fetch',
      headers: { ...bearer('admin'), cookie: v.cookie },
    });
    expect(both.statusCode).toBe(202);
    const badBearer = await app.inject({
      url: '/v1/records',
      headers: { authorization: 'Bearer gi_wrong', cookie: v.cookie },
    });
    expect(badBearer.statusCode).toBe(401);
  });

  it('revoking the token ends its sessions at their next request', async () => {
    const { token: t } = await tokens.create('s-revoked-soon', 'editor');
    const s = await signIn(t);
    expect((await app.inject({ url: '/v1/records', headers: { cookie: s.cookie } })).statusCode).toBe(200);
    const revoke = await app.inject({
      method: 'DELETE',
      url: '/v1/tokens/s-revoked-soon',
      headers: bearer('admin'),
    });
    expect(revoke.statusCode).toBe(204);
    const after = await app.inject({ url: '/v1/records', headers: { cookie: s.cookie } });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('UNAUTHORISED');
    expect(await redis.exists(sessionKey(s.id))).toBe(0);
  });

  it('logout needs the CSRF token, ends the session and clears the cookie', async () => {
    const s = await signIn(token.viewer);
    const noCsrf = await app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie: s.cookie } });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error.code).toBe('CSRF_FAILED');
    const out = await app.inject({
      method: 'DELETE',
      url: '/v1/session',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    expect(out.statusCode).toBe(204);
    expect(out.headers['set-cookie']).toBe('gi_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict');
    expect(await redis.exists(sessionKey(s.id))).toBe(0);
    expect((await app.inject({ url: '/v1/records', headers: { cookie: s.cookie } })).statusCode).toBe(401);
  });

  it('a session past its time is refused (clock 12 h later)', async () => {
    const s = await signIn(token.viewer);
    skew = 12 * HOUR - 60_000;
    try {
      expect((await app.inject({ url: '/v1/records', headers: { cookie: s.cookie } })).statusCode).toBe(200);
      skew = 12 * HOUR + 1_000;
      const res = await app.inject({ url: '/v1/records', headers: { cookie: s.cookie } });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.message).toMatch(/ended or expired/);
      expect(await redis.exists(sessionKey(s.id))).toBe(0);
    } finally {
      skew = 0;
    }
  });
});

describe('streams with the session cookie', () => {
  it('SSE: the cookie opens /v1/streams/all; without it 401', async () => {
    const s = await signIn(token.viewer);
    const ac = new AbortController();
    const res = await fetch(`${base}/v1/streams/all`, {
      headers: { cookie: s.cookie, 'last-event-id': '0-0' },
      signal: ac.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const until = Date.now() + 10_000;
    while (!text.includes('event: record') && Date.now() < until) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    ac.abort();
    expect(text).toMatch(/^id: \d+-\d+\nevent: record\ndata: \{/m);
    const none = await fetch(`${base}/v1/streams/all`);
    expect(none.status).toBe(401);
  });

  const wsOutcome = (path: string, opts: WebSocket.ClientOptions) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(`${base.replace('http:', 'ws:')}${path}`, opts);
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.once('open', () => {
        resolve(101);
        ws.close();
      });
      ws.once('error', () => resolve(-1));
    });

  it('WebSocket: the cookie upgrades from the own Origin (or none); a foreign Origin is refused', async () => {
    const s = await signIn(token.viewer);
    const path = '/v1/ws?topic=all';
    expect(await wsOutcome(path, { headers: { cookie: s.cookie }, origin: `http://${host}` })).toBe(101);
    expect(await wsOutcome(path, { headers: { cookie: s.cookie } })).toBe(101);
    // Cross-site WebSocket hijacking: a page elsewhere opening the socket with the ambient cookie.
    expect(await wsOutcome(path, { headers: { cookie: s.cookie }, origin: 'https://evil.example' })).toBe(
      401,
    );
    expect(await wsOutcome(path, { headers: { cookie: s.cookie }, origin: 'null' })).toBe(401);
    // A bearer token is not ambient: any Origin.
    expect(await wsOutcome(path, { headers: bearer('viewer'), origin: 'https://dash.example' })).toBe(101);
    expect(await wsOutcome(path, { headers: { cookie: 'gi_session=unknown' } })).toBe(401);
    // A session that ended cannot upgrade.
    await app.inject({
      method: 'DELETE',
      url: '/v1/session',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    expect(await wsOutcome(path, { headers: { cookie: s.cookie }, origin: `http://${host}` })).toBe(401);
  });
});

describe('/v1/tokens (admin)', () => {
  const audit = () => createRedisAuditStore({ redis, prefix: runtime.keys.prefix });

  it('create answers the token once; it works; list never shows a hash; the audit names the admin', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/tokens',
      headers: bearer('admin'),
      payload: { name: 'dash-board', role: 'viewer' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const body = created.json();
    expect(body).toEqual({
      token: expect.stringMatching(/^gi_[A-Za-z0-9_-]{43}$/),
      name: 'dash-board',
      role: 'viewer',
      createdAt: expect.any(String),
    });
    expect(
      (await app.inject({ url: '/v1/records', headers: { authorization: `Bearer ${body.token}` } }))
        .statusCode,
    ).toBe(200);
    const list = await app.inject({ url: '/v1/tokens', headers: bearer('admin') });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toContainEqual({
      name: 'dash-board',
      role: 'viewer',
      createdAt: body.createdAt,
      revoked: false,
    });
    for (const t of [body.token, token.admin, token.viewer]) {
      expect(list.body).not.toContain(t);
      expect(list.body).not.toContain(hashToken(t));
    }
    const [entry] = await audit().of('token:dash-board');
    expect(entry).toMatchObject({
      actor: { name: 's-admin', role: 'admin' },
      action: 'token.create',
      target: 'token:dash-board',
      before: null,
      after: { name: 'dash-board', role: 'viewer', revoked: false },
    });
    expect(JSON.stringify(entry)).not.toContain(body.token);

    const dup = await app.inject({
      method: 'POST',
      url: '/v1/tokens',
      headers: bearer('admin'),
      payload: { name: 'dash-board', role: 'admin' },
    });
    expect(dup.statusCode).toBe(400);
    expect(dup.json().error.message).toMatch(/exists/);
    for (const payload of [{ name: 'x y', role: 'viewer' }, { name: 'ok', role: 'root' }, { name: 'ok' }]) {
      const res = await app.inject({ method: 'POST', url: '/v1/tokens', headers: bearer('admin'), payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
  });

  it('revoke through a browser session (CSRF) ends the token; the audit holds before and after', async () => {
    const { token: t } = await tokens.create('to-revoke', 'editor');
    const s = await signIn(token.admin);
    const res = await app.inject({
      method: 'DELETE',
      url: '/v1/tokens/to-revoke',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    expect(res.statusCode).toBe(204);
    expect(await tokens.verify(t)).toBeNull();
    const entries = await audit().of('token:to-revoke');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: { name: 's-admin', role: 'admin' },
      action: 'token.revoke',
      before: { revoked: false, revokedAt: null },
      after: { revoked: true, revokedAt: expect.any(String) },
    });
    const list = (await app.inject({ url: '/v1/tokens', headers: bearer('admin') })).json();
    expect(list.find((x: { name: string }) => x.name === 'to-revoke')).toMatchObject({ revoked: true });
    const missing = await app.inject({
      method: 'DELETE',
      url: '/v1/tokens/nobody',
      headers: bearer('admin'),
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
  });
});

/** A URL of a route with its parameters filled in (as api-routes.test.ts does). */
function concrete(url: string, victim: string): string {
  return url
    .replace(':id/fetch', 'usgs-news/fetch')
    .replace(':id', 'usgs-1')
    .replace(':date', '2023-10-06')
    .replace(':topic', 'all')
    .replace(':name', victim)
    .replace('*', 'index.html');
}

describe('the role matrix with session cookies', () => {
  it('every registered route × {viewer, editor, admin} cookie (with CSRF) allows and refuses as a bearer does', async () => {
    const rank = { public: 0, viewer: 1, editor: 2, admin: 3 };
    let n = 0;
    const bodies: Record<string, () => unknown> = {
      'POST /v1/tokens': () => ({ name: `cookie-matrix-${++n}`, role: 'viewer' }),
      'POST /v1/session': () => ({ token: token.viewer }),
    };
    await tokens.create('cookie-matrix-victim', 'viewer');
    let checked = 0;
    for (const route of app.routeTable) {
      if (route.stream || route.url.startsWith('/docs')) continue;
      for (const who of ['viewer', 'editor', 'admin'] as const) {
        const s = await signIn(token[who]);
        const res = await app.inject({
          method: route.method as 'GET',
          url: concrete(route.url, 'cookie-matrix-victim'),
          headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
          ...(['POST', 'PUT', 'PATCH'].includes(route.method)
            ? { payload: (bodies[`${route.method} ${route.url}`] ?? (() => ({})))() as object }
            : {}),
        });
        const label = `${route.method} ${route.url} as ${who} cookie (${route.role}): ${res.statusCode} ${res.body.slice(0, 200)}`;
        expect(res.statusCode, label).toBeLessThan(500);
        if (route.role === 'public' || rank[who] >= rank[route.role]) {
          expect([401, 403], label).not.toContain(res.statusCode);
          if (bodies[`${route.method} ${route.url}`]) expect(res.statusCode, label).toBeLessThan(400);
        } else {
          expect(res.statusCode, label).toBe(403);
          // A HEAD answer has no body (its status is the check).
          if (route.method !== 'HEAD') expect(res.body, label).toMatch(/^\{"error":\{"code":"FORBIDDEN"/);
        }
        checked++;
      }
      // Without the CSRF token every cookie-authenticated state change is refused, whatever the role.
      if (route.role !== 'public' && STATE_CHANGING.has(route.method)) {
        const s = await signIn(token.admin);
        const res = await app.inject({
          method: route.method as 'POST',
          url: concrete(route.url, 'cookie-matrix-victim'),
          headers: { cookie: s.cookie },
          payload: {},
        });
        expect(res.statusCode, `${route.method} ${route.url} without CSRF`).toBe(403);
        expect(res.json().error.code).toBe('CSRF_FAILED');
      }
    }
    expect(checked).toBeGreaterThanOrEqual(30);
    const urls = new Set(app.routeTable.map((r) => `${r.method} ${r.url}`));
    for (const u of [
      'POST /v1/session',
      'GET /v1/session',
      'DELETE /v1/session',
      'GET /v1/tokens',
      'POST /v1/tokens',
      'DELETE /v1/tokens/:name',
    ])
      expect(urls, u).toContain(u);
  });
});

describe('T-O4: log injection through real API requests', () => {
  it('one line per log call, JSON, no raw ESC or C1, long fields cut, no token, cookie or CSRF token', async () => {
    const chunks: string[] = [];
    let writes = 0;
    const dest = {
      write(s: string) {
        writes++;
        chunks.push(s);
      },
    };
    const logged = await buildApi({
      runtime,
      log: createLogger({ level: 'debug', destination: dest }),
      tokens,
      redis,
    });
    const url = await logged.listen({ port: 0, host: '127.0.0.1' });
    const s = await signIn(token.admin, logged);
    const hostile = encodeURIComponent('Quake\r\n{"level":"error","msg":"forged"}\x1b[31m\u009b2J');
    const long = 'a'.repeat(12 * 1024);
    try {
      const answers = [
        await fetch(`${url}/v1/records?source=${hostile}`, { headers: bearer('viewer') }),
        await fetch(`${url}/v1/stories/${hostile}`, { headers: { cookie: s.cookie } }),
        await fetch(`${url}/v1/records?source=${long}`, { headers: { cookie: s.cookie } }),
        await fetch(`${url}/v1/${hostile}?${long}`),
        await fetch(`${url}/v1/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: `\x1b[31m${'x'.repeat(100)}` }),
        }),
        await fetch(`${url}/v1/tokens`, {
          method: 'POST',
          headers: { cookie: s.cookie, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'x', role: 'viewer' }),
        }),
      ];
      expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 404, 401, 403]);
      // A Host header with U+009B (Node's parser refuses ESC and CR/LF in headers, not C1 bytes).
      const raw = await new Promise<string>((resolve) => {
        const sock = netConnect(Number(new URL(url).port), '127.0.0.1');
        let d = '';
        sock.on('data', (b) => {
          d += b.toString('latin1');
        });
        sock.on('close', () => resolve(d));
        sock.write(
          `GET /healthz HTTP/1.1\r\nHost: h\x9b31m\r\nAuthorization: Bearer ${token.admin}\r\nConnection: close\r\n\r\n`,
          'latin1',
        );
      });
      expect(raw).toMatch(/^HTTP\/1\.1 200/);
    } finally {
      await logged.close();
    }
    const text = chunks.join('');
    const lines = text.split('\n').slice(0, -1);
    expect(text.endsWith('\n')).toBe(true);
    // pino writes once per log call: as many lines as calls.
    expect(lines).toHaveLength(writes);
    expect(writes).toBeGreaterThanOrEqual(7 * 2);
    expect(text).not.toMatch(/[\x1b\r\u0080-\u009f]/);
    const parsed = lines.map((l) => JSON.parse(l) as { msg?: string; req?: { url: string; host: string } });
    for (const l of lines) expect(l.length).toBeLessThan(MAX_LINE + 512);
    for (const secret of [token.admin, token.viewer, s.id, s.csrf]) expect(text).not.toContain(secret);
    const incoming = parsed.filter((p) => p.msg === 'incoming request').map((p) => p.req!);
    expect(incoming.map((r) => r.url)).toContain(`/v1/records?source=${hostile}`);
    const cut = incoming.find((r) => r.url.startsWith('/v1/records?source=aaa'))!;
    expect(cut.url).toMatch(
      new RegExp(`^/v1/records\\?source=a{${MAX_FIELD - 19}}…\\[${12 * 1024 + 19} chars\\]$`),
    );
    expect(incoming.map((r) => r.host)).toContain('h\u009b31m');
  });
});
