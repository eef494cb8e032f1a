/**
 * The WebSocket stream mounted in the API: the same token check as the routes (no token, or an unknown
 * topic: refused before the handshake), then the records published after the connection as
 * `{event, id, data}` messages.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ApiInstance, buildApi } from '../../src/api/app.js';
import { whenReady } from '../../src/api/redis-ready.js';
import { createLogger } from '../../src/log.js';
import { connect } from '../../src/runtime/redis.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { createRedisTokenStore } from '../../src/store/tokens.js';
import { baseConfig, cleanup, startRuntime, withPrefix } from '../helpers/runtime.js';
import { dayRecords } from '../unit/digest-fixture-records.js';

const log = createLogger({ level: process.env.TEST_LOG ?? 'silent' });
let runtime: Runtime;
let redis: Redis;
let app: ApiInstance;
let base: string;
let viewer: string;

beforeAll(async () => {
  runtime = await startRuntime(withPrefix(baseConfig()), { roles: [] });
  redis = connect(runtime.redisTarget, 'producer', log);
  expect(await whenReady(redis, 5_000)).toBe(true);
  const tokens = createRedisTokenStore({ redis, prefix: runtime.keys.prefix });
  viewer = (await tokens.create('ws-viewer', 'viewer')).token;
  app = await buildApi({ runtime, log, tokens, redis });
  base = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http:', 'ws:');
});

afterAll(async () => {
  await app.close();
  await cleanup(runtime);
  await runtime.close();
  await redis.quit();
});

const open = (path: string, token?: string) =>
  new WebSocket(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

const refusal = (ws: WebSocket) =>
  new Promise<number>((resolve) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('open', () => resolve(101));
  });

describe('GET /v1/ws (WebSocket)', () => {
  it('refuses a missing token and an unknown topic before the handshake', async () => {
    expect(await refusal(open('/v1/ws?topic=all'))).toBe(401);
    expect(await refusal(open('/v1/ws?topic=no-such-topic', viewer))).toBe(401);
  });

  it('streams the records stored after the connection, each once', async () => {
    const ws = open('/v1/ws?topic=all', viewer);
    const got: Array<{ event: string; id: string; data: { id: string } }> = [];
    ws.on('message', (m) => got.push(JSON.parse(String(m))));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const all = dayRecords().filter((r) => r.relevant);
    const outcomes = await runtime.stores.records.put(all);
    // One record per story reaches the streams: the emitted ones.
    const records = all.filter((_, i) => outcomes[i] === 'emitted');
    expect(records.length).toBeGreaterThan(3);
    const until = Date.now() + 10_000;
    while (got.length < records.length && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    ws.close();
    expect(got.map((m) => m.event)).toEqual(records.map(() => 'record'));
    expect(got.map((m) => m.data.id)).toEqual(records.map((r) => r.id));
    expect(new Set(got.map((m) => m.id)).size).toBe(records.length);
  });
});
