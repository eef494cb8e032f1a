/**
 * The API while Redis is away (a private redis-server child, killed and restarted): every route that needs
 * Redis answers 503 REDIS_UNAVAILABLE within 2 s, never hangs; /healthz stays 200, /readyz says degraded;
 * once Redis is back, the API answers again on the same clients.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiInstance, buildApi } from '../../src/api/app.js';
import { whenReady } from '../../src/api/redis-ready.js';
import { createLogger } from '../../src/log.js';
import { connect } from '../../src/runtime/redis.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { createRedisTokenStore } from '../../src/store/tokens.js';
import { type RedisChild, startRedis } from '../helpers/redis-server.js';
import { baseConfig, startRuntime, withPrefix } from '../helpers/runtime.js';

const log = createLogger({ level: process.env.TEST_LOG ?? 'silent' });
let server: RedisChild;
let runtime: Runtime;
let redis: Redis;
let app: ApiInstance;
let viewer: string;
let admin: string;

beforeAll(async () => {
  server = await startRedis();
  runtime = await startRuntime(withPrefix(baseConfig()), { roles: [], url: server.url });
  redis = connect(runtime.redisTarget, 'producer', log);
  expect(await whenReady(redis, 5_000)).toBe(true);
  const tokens = createRedisTokenStore({ redis, prefix: runtime.keys.prefix });
  viewer = (await tokens.create('viewer', 'viewer')).token;
  admin = (await tokens.create('admin', 'admin')).token;
  app = await buildApi({ runtime, log, tokens, redis });
});

afterAll(async () => {
  await app?.close();
  redis?.disconnect();
  await runtime?.close();
  await server?.stop();
});

describe('Redis away', () => {
  it('answers 503 REDIS_UNAVAILABLE within 2 s, and again once Redis is back', async () => {
    const requests = [
      { url: '/v1/records', headers: { authorization: `Bearer ${viewer}` } },
      { url: '/v1/stories/i0', headers: { authorization: `Bearer ${viewer}` } },
      { url: '/v1/digests/2023-10-06?format=md', headers: { authorization: `Bearer ${viewer}` } },
      { url: '/v1/sources', headers: { authorization: `Bearer ${viewer}` } },
      {
        method: 'POST' as const,
        url: '/v1/sources/usgs-news/fetch',
        headers: { authorization: `Bearer ${admin}` },
      },
    ];
    for (const r of requests) expect((await app.inject(r)).statusCode, r.url).not.toBe(503);

    await server.kill('SIGTERM');
    for (const r of requests) {
      const started = Date.now();
      const res = await app.inject(r);
      const ms = Date.now() - started;
      expect(res.statusCode, r.url).toBe(503);
      expect(res.json().error.code, r.url).toBe('REDIS_UNAVAILABLE');
      expect(ms, r.url).toBeLessThan(2_000);
    }
    // The SSE route too (served by the stream relay, over a real socket).
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const sseStarted = Date.now();
    const sse = await fetch(`${base}/v1/streams/all`, {
      headers: { authorization: `Bearer ${viewer}` },
      signal: AbortSignal.timeout(5_000),
    });
    expect(sse.status).toBe(503);
    expect(((await sse.json()) as { error: { code: string } }).error.code).toBe('REDIS_UNAVAILABLE');
    expect(Date.now() - sseStarted).toBeLessThan(2_000);
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    const started = Date.now();
    const ready = await app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().status).toBe('degraded');
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(3_000);

    await server.restart();
    expect(await whenReady(redis, 10_000)).toBe(true);
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await app.inject(requests[0]!)).statusCode;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  });
});
