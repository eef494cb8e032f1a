/**
 * The subscription routes on the real Redis (own key prefix) through `buildApi` with real tokens: roles, the
 * secret answered once and never again, validation, PATCH/DELETE with the audit trail, the delivery log's pages,
 * and the subscription stream (`/v1/streams/subscriptions/:id`, an `eventsource` client over a real socket):
 * only matching records, resume with Last-Event-ID, live from now.
 */
import type { AddressInfo } from 'node:net';
import SwaggerParser from '@apidevtools/swagger-parser';
import { EventSource } from 'eventsource';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiInstance, buildApi } from '../../src/api/app.js';
import { createLogger } from '../../src/log.js';
import type { DigestRecord } from '../../src/pipeline/types.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { createRedisAuditStore } from '../../src/store/audit.js';
import type { TokenRole, TokenStore } from '../../src/store/tokens.js';
import { waitFor } from '../helpers/queue.js';
import { apiAccess, baseConfig, cleanup, startRuntime, withPrefix } from '../helpers/runtime.js';
import { recordOf } from '../helpers/subscription-records.js';

const log = createLogger({ level: process.env.TEST_LOG ?? 'silent' });

let runtime: Runtime;
let redis: Redis;
let tokens: TokenStore;
let app: ApiInstance;
let base = '';
const token: Record<TokenRole, string> = { viewer: '', editor: '', admin: '' };
const closers: Array<() => void> = [];

beforeAll(async () => {
  const c = withPrefix(baseConfig());
  // The receivers of these tests are never called; 127.0.0.1 is allowed like in a test deployment.
  const config = { ...c, app: { ...c.app, fetch: { ...c.app.fetch, allowPrivate: ['127.0.0.1/32'] } } };
  runtime = await startRuntime(config, { roles: [] });
  ({ redis, tokens } = await apiAccess(runtime, 'subs', token));
  app = await buildApi({ runtime, log, tokens, redis });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const c of closers) c();
  await app?.close();
  await cleanup(runtime);
  redis?.disconnect();
  await runtime?.close();
});

const auth = (role?: TokenRole): Record<string, string> =>
  role ? { authorization: `Bearer ${token[role]}` } : {};

function call(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
  role: TokenRole = 'admin',
) {
  return app.inject({
    method,
    url,
    headers: auth(role),
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

const RECEIVER = 'http://127.0.0.1:8087/never-called';

async function create(body: Record<string, unknown> = {}) {
  const res = await call('POST', '/v1/subscriptions', {
    name: 'lithium desk',
    url: 'http://127.0.0.1:8088/hook',
    ...body,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; secret: string } & Record<string, unknown>;
}

describe('roles', () => {
  it('admin only for the management routes; viewer for the stream', async () => {
    const { id } = await create();
    const routes: Array<[string, string, unknown?]> = [
      ['POST', '/v1/subscriptions', { name: 'x', url: RECEIVER }],
      ['GET', '/v1/subscriptions'],
      ['GET', `/v1/subscriptions/${id}`],
      ['PATCH', `/v1/subscriptions/${id}`, { name: 'renamed by someone' }],
      ['GET', `/v1/subscriptions/${id}/deliveries`],
      ['DELETE', `/v1/subscriptions/${id}`],
    ];
    for (const [method, url, payload] of routes) {
      for (const who of [undefined, 'viewer', 'editor'] as const) {
        const res = await app.inject({
          method: method as 'GET',
          url,
          headers: auth(who),
          ...(payload ? { payload: payload as object } : {}),
        });
        expect(res.statusCode, `${method} ${url} as ${who ?? 'nobody'}`).toBe(who ? 403 : 401);
      }
    }
    // Nothing changed by the refused calls.
    expect((await call('GET', `/v1/subscriptions/${id}`)).json().name).toBe('lithium desk');
    const stream = await fetch(`${base}/v1/streams/subscriptions/${id}`);
    expect(stream.status).toBe(401);
    await stream.body?.cancel();
  });
});

describe('the OpenAPI document', () => {
  it('describes every subscription route, valid OpenAPI 3, with the secret only in the create/rotate answers', async () => {
    const doc = (await app.inject({ url: '/docs/json' })).json();
    await SwaggerParser.validate(structuredClone(doc));
    const ops = {
      'post /v1/subscriptions': 201,
      'get /v1/subscriptions': 200,
      'get /v1/subscriptions/{id}': 200,
      'patch /v1/subscriptions/{id}': 200,
      'delete /v1/subscriptions/{id}': 204,
      'get /v1/subscriptions/{id}/deliveries': 200,
      'get /v1/streams/subscriptions/{id}': 200,
    };
    for (const [key, status] of Object.entries(ops)) {
      const [method, path] = key.split(' ') as [string, string];
      const op = doc.paths[path]?.[method];
      expect(op, key).toBeDefined();
      expect(op.responses[String(status)], key).toBeDefined();
      const schema = JSON.stringify(op.responses[String(status)]);
      expect(schema.includes('"secret"'), key).toBe(
        key === 'post /v1/subscriptions' || key.startsWith('patch'),
      );
    }
  });
});

describe('the secret', () => {
  it('is generated when absent, answered once at creation, and never by any other route', async () => {
    const created = await create({ filter: { commodities: ['lithium'] } });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ name: 'lithium desk', active: true, createdBy: 'subs-admin' });
    expect((await runtime.stores.subscriptions.get(created.id))!.secret).toBe(created.secret);

    const answers = [
      await call('GET', '/v1/subscriptions'),
      await call('GET', `/v1/subscriptions/${created.id}`),
      await call('PATCH', `/v1/subscriptions/${created.id}`, { name: 'renamed' }),
      await call('GET', `/v1/subscriptions/${created.id}/deliveries`),
    ];
    for (const res of answers) {
      expect(res.statusCode, res.body).toBe(200);
      expect(res.body).not.toContain(created.secret);
      expect(res.body).not.toContain('"secret"');
    }
    const listed = answers[0]!.json().items.find((s: { id: string }) => s.id === created.id);
    expect(listed).toMatchObject({
      id: created.id,
      name: 'lithium desk',
      filter: { commodities: ['lithium'] },
    });
    expect(answers[1]!.json()).toMatchObject({ name: 'lithium desk', delivered: 0 });
  });

  it('a given secret is kept; rotateSecret answers a new one once', async () => {
    const mine = 'my-own-secret-0123456789';
    const created = await create({ secret: mine });
    expect(created.secret).toBe(mine);
    const rotated = await call('PATCH', `/v1/subscriptions/${created.id}`, { rotateSecret: true });
    expect(rotated.statusCode).toBe(200);
    const next = rotated.json().secret as string;
    expect(next).toMatch(/^whsec_/);
    expect(next).not.toBe(mine);
    expect((await runtime.stores.subscriptions.get(created.id))!.secret).toBe(next);
    const set = await call('PATCH', `/v1/subscriptions/${created.id}`, {
      secret: 'another-secret-987654321',
    });
    expect(set.json().secret).toBeUndefined();
    expect((await runtime.stores.subscriptions.get(created.id))!.secret).toBe('another-secret-987654321');
  });
});

describe('validation', () => {
  it('bad bodies and ids are refused with the API error shape', async () => {
    const bad: Array<[unknown, number, string]> = [
      [{ url: RECEIVER }, 400, 'INPUT_INVALID'],
      [{ name: 'x' }, 400, 'INPUT_INVALID'],
      [{ name: '', url: RECEIVER }, 400, 'INPUT_INVALID'],
      [{ name: 'x', url: RECEIVER, extra: 1 }, 400, 'INPUT_INVALID'],
      [{ name: 'x', url: RECEIVER, filter: { tags: ['x'] } }, 400, 'INPUT_INVALID'],
      [{ name: 'x', url: RECEIVER, filter: { topics: ['no-such-topic'] } }, 400, 'INPUT_INVALID'],
      [{ name: 'x', url: RECEIVER, filter: { commodities: ['unobtainium'] } }, 400, 'INPUT_INVALID'],
      [{ name: 'x', url: RECEIVER, filter: { countries: ['XX'] } }, 400, 'INPUT_INVALID'],
      [{ name: 'x', url: RECEIVER, filter: { countries: ['usa'] } }, 400, 'INPUT_INVALID'],
      [{ name: 'x', url: RECEIVER, filter: { sources: ['no-such-source'] } }, 400, 'INPUT_INVALID'],
      [{ name: 'x', url: RECEIVER, filter: { text: '!!! …' } }, 400, 'INPUT_INVALID'],
      [{ name: 'x', url: RECEIVER, secret: 'short' }, 400, 'INPUT_INVALID'],
      [{ name: 'x', url: 'not a url' }, 400, 'INPUT_INVALID'],
      [{ name: 'x', url: 'http://10.0.0.1/hook' }, 422, 'SSRF_BLOCKED'],
      [{ name: 'x', url: 'file:///etc/passwd' }, 422, 'UNSUPPORTED_SCHEME'],
    ];
    const before = (await runtime.stores.subscriptions.list()).length;
    for (const [payload, status, code] of bad) {
      const res = await call('POST', '/v1/subscriptions', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(status);
      expect(res.json().error.code, JSON.stringify(payload)).toBe(code);
    }
    expect((await runtime.stores.subscriptions.list()).length).toBe(before);

    const { id } = await create();
    for (const [payload, code] of [
      [{}, 'INPUT_INVALID'],
      [{ secret: 'another-secret-987654321', rotateSecret: true }, 'INPUT_INVALID'],
      [{ filter: { commodities: ['unobtainium'] } }, 'INPUT_INVALID'],
      [{ url: 'http://192.168.1.1/' }, 'SSRF_BLOCKED'],
    ] as const) {
      const res = await call('PATCH', `/v1/subscriptions/${id}`, payload);
      expect(res.json().error.code, JSON.stringify(payload)).toBe(code);
    }
    for (const [method, suffix] of [
      ['GET', ''],
      ['PATCH', ''],
      ['DELETE', ''],
      ['GET', '/deliveries'],
    ] as const) {
      const payload = method === 'PATCH' ? { name: 'y' } : undefined;
      expect((await call(method, `/v1/subscriptions/not-an-id${suffix}`, payload)).statusCode).toBe(400);
      const missing = await call(method, `/v1/subscriptions/sub_doesnotexist${suffix}`, payload);
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error.code).toBe('NOT_FOUND');
    }
    expect((await call('GET', `/v1/subscriptions/${id}/deliveries?limit=0`)).statusCode).toBe(400);
    expect((await call('GET', `/v1/subscriptions/${id}/deliveries?before=x`)).statusCode).toBe(400);
  });
});

describe('changes and the audit trail', () => {
  it('PATCH and DELETE change what they say; every change is audited without the secret', async () => {
    const created = await create({ filter: { countries: ['CN'] } });
    const patched = await call('PATCH', `/v1/subscriptions/${created.id}`, {
      active: false,
      filter: { countries: ['CN', 'AU'], text: '稀土' },
      url: 'http://127.0.0.1:8089/other',
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      active: false,
      filter: { countries: ['CN', 'AU'], text: '稀土' },
      url: 'http://127.0.0.1:8089/other',
      updatedBy: 'subs-admin',
    });
    await call('PATCH', `/v1/subscriptions/${created.id}`, { rotateSecret: true });
    const stored = (await runtime.stores.subscriptions.get(created.id))!;
    await runtime.stores.subscriptions.recordAttempt(created.id, {
      at: new Date().toISOString(),
      deliveryId: 'a'.repeat(32),
      storyId: 's1',
      attempt: 1,
      status: 'delivered',
      httpStatus: 200,
      ms: 5,
      errorCode: null,
      final: true,
    });
    expect(await runtime.stores.subscriptions.deliveredCount(created.id)).toBe(1);

    const del = await call('DELETE', `/v1/subscriptions/${created.id}`);
    expect(del.statusCode).toBe(204);
    expect((await call('GET', `/v1/subscriptions/${created.id}`)).statusCode).toBe(404);
    expect((await call('DELETE', `/v1/subscriptions/${created.id}`)).statusCode).toBe(404);
    // Its delivered set and log went with it.
    expect(
      await redis.exists(
        runtime.keys.subscriptionDelivered(created.id),
        runtime.keys.subscriptionLog(created.id),
      ),
    ).toBe(0);

    const audit = await createRedisAuditStore({ redis, prefix: runtime.keys.prefix }).of(
      `subscription:${created.id}`,
    );
    expect(audit.map((e) => e.action)).toEqual([
      'subscription.create',
      'subscription.update',
      'subscription.update',
      'subscription.delete',
    ]);
    for (const e of audit) expect(e.actor).toEqual({ name: 'subs-admin', role: 'admin' });
    expect(audit[1]!.before).toMatchObject({ active: true, filter: { countries: ['CN'] } });
    expect(audit[1]!.after).toMatchObject({ active: false, url: 'http://127.0.0.1:8089/other' });
    expect(audit[2]!.after).toMatchObject({ secretChanged: true });
    expect(audit[3]!.after).toBeNull();
    const text = JSON.stringify(audit);
    expect(text).not.toContain(created.secret);
    expect(text).not.toContain(stored.secret);
    expect(text).not.toContain('"secret"');
  });

  it('the delivery log: newest first, in pages', async () => {
    const { id } = await create();
    for (let i = 1; i <= 3; i++)
      await runtime.stores.subscriptions.recordAttempt(id, {
        at: new Date().toISOString(),
        deliveryId: 'b'.repeat(32),
        storyId: 's2',
        attempt: i,
        status: i === 3 ? 'delivered' : 'failed',
        httpStatus: i === 3 ? 200 : 500,
        ms: 10 * i,
        errorCode: i === 3 ? null : 'HTTP_500',
        final: i === 3,
      });
    const first = (await call('GET', `/v1/subscriptions/${id}/deliveries?limit=2`)).json();
    expect(first.items.map((e: { attempt: number }) => e.attempt)).toEqual([3, 2]);
    expect(first.items[0]).toMatchObject({
      status: 'delivered',
      httpStatus: 200,
      errorCode: null,
      final: true,
    });
    expect(first.next).toBe(first.items[1].id);
    const rest = (
      await call('GET', `/v1/subscriptions/${id}/deliveries?limit=2&before=${first.next}`)
    ).json();
    expect(rest.items.map((e: { attempt: number }) => e.attempt)).toEqual([1]);
    expect(rest.items[0]).toMatchObject({
      status: 'failed',
      httpStatus: 500,
      errorCode: 'HTTP_500',
      final: false,
    });
    expect(rest.next).toBeNull();
    expect((await call('GET', `/v1/subscriptions/${id}`)).json().delivered).toBe(1);
  });
});

interface Got {
  type: string;
  id: string;
  storyId?: string;
}

/** An `eventsource` client of `path` with the viewer token (and a first `Last-Event-ID`), closed after the test. */
function eventSource(path: string, lastEventId?: string): EventSource {
  const es = new EventSource(`${base}${path}`, {
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: {
          ...(init?.headers as Record<string, string>),
          ...auth('viewer'),
          ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
        },
      }),
  });
  closers.push(() => es.close());
  return es;
}

/** A client of a subscription stream with the viewer token; resolves once open. */
async function follow(id: string, lastEventId?: string) {
  const got: Got[] = [];
  let opens = 0;
  const es = eventSource(`/v1/streams/subscriptions/${id}`, lastEventId);
  for (const type of ['record', 'resync'])
    es.addEventListener(type, (e) => {
      const m = e as MessageEvent & { data: string };
      got.push({
        type,
        id: m.lastEventId,
        storyId: type === 'record' ? JSON.parse(m.data).storyId : undefined,
      });
    });
  es.addEventListener('open', () => opens++);
  await waitFor('the stream to open', () => opens > 0, 5_000, 10);
  return { es, got };
}

describe('the subscription stream', () => {
  it('sends only the matching records, resumes after Last-Event-ID, and goes on live', async () => {
    const { id } = await create({
      filter: { commodities: ['lithium', 'rare-earths'], countries: ['US', 'CN'] },
    });
    const put = (records: DigestRecord[]) => runtime.stores.records.put(records);
    const a = recordOf('lithium-us', 'st-a');
    const q = recordOf('quake-ca', 'st-q');
    const c = recordOf('rare-earth-cn', 'st-c');
    await put([a, q, c]);
    const streamIds = new Map(
      (await runtime.stores.records.readStream('all', '0', 100)).map((e) => [e.record.storyId, e.id]),
    );

    // Everything retained: the two matching records, in stream order, never the quake.
    const all = await follow(id, '0-0');
    await waitFor('two records', () => all.got.length >= 2, 10_000, 10);
    expect(all.got).toEqual([
      { type: 'record', id: streamIds.get(a.storyId), storyId: a.storyId },
      { type: 'record', id: streamIds.get(c.storyId), storyId: c.storyId },
    ]);

    // Resume after the first: the next matching one (the quake between them is skipped).
    const resumed = await follow(id, streamIds.get(a.storyId));
    await waitFor('one record', () => resumed.got.length >= 1, 10_000, 10);
    expect(resumed.got[0]).toMatchObject({ id: streamIds.get(c.storyId), storyId: c.storyId });

    // Live from now: a quake then a lithium record arrive; only the lithium one is sent, to all three clients.
    const live = await follow(id);
    const q2 = recordOf('quake-ca', 'st-q2');
    const a2 = recordOf('lithium-us', 'st-a2');
    await put([q2, a2]);
    for (const client of [all, resumed, live])
      await waitFor('the live record', () => client.got.some((g) => g.storyId === a2.storyId), 10_000, 10);
    expect(live.got.map((g) => g.storyId)).toEqual([a2.storyId]);
    expect(all.got.map((g) => g.storyId)).toEqual([a.storyId, c.storyId, a2.storyId]);
    for (const client of [all, resumed, live])
      expect(client.got.map((g) => g.storyId)).not.toContain(q2.storyId);
  });

  it('the topic stream resumes from `?lastEventId=` as from the header (docs/streams.md), the header winning', async () => {
    const a = recordOf('lithium-us', 'st-qa');
    const c = recordOf('rare-earth-cn', 'st-qc');
    await runtime.stores.records.put([a, c]);
    const ids = new Map(
      (await runtime.stores.records.readStream('all', '0', 100)).map((e) => [e.record.storyId, e.id]),
    );
    const open = (query: string, header?: string) => {
      const got: string[] = [];
      eventSource(`/v1/streams/all${query}`, header).addEventListener('record', (e) =>
        got.push(JSON.parse((e as MessageEvent).data).storyId),
      );
      return got;
    };
    const byQuery = open(`?lastEventId=${ids.get(a.storyId)}`);
    const headerWins = open('?lastEventId=0-0', ids.get(a.storyId));
    await waitFor('the record after a', () => byQuery.includes(c.storyId), 10_000, 10);
    await waitFor('the record after a (header)', () => headerWins.includes(c.storyId), 10_000, 10);
    expect(byQuery).not.toContain(a.storyId);
    expect(headerWins).not.toContain(a.storyId);
    const bad = await fetch(`${base}/v1/streams/all?lastEventId=${'9'.repeat(65)}`, {
      headers: auth('viewer'),
    });
    expect(bad.status).toBe(400);
  });

  it('answers 404 for an unknown subscription and 400 for a malformed id, before streaming', async () => {
    const missing = await fetch(`${base}/v1/streams/subscriptions/sub_doesnotexist`, {
      headers: auth('viewer'),
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const bad = await fetch(`${base}/v1/streams/subscriptions/nope`, { headers: auth('viewer') });
    expect(bad.status).toBe(400);
    await bad.body?.cancel();
  });
});
