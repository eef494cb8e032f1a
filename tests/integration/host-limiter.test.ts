// Redis HostLimiter against a real Redis (REDIS_URL, default redis://127.0.0.1:6379). Two limiter instances on
// two connections stand in for two worker processes. Every test uses its own key prefix and deletes its keys.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HostLimiter } from '../../src/fetch/index.js';
import { createRedisHostLimiter } from '../../src/store/redis-host-limiter.js';

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const clients: Redis[] = [];
let prefix = '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function client(): Redis {
  const r = new Redis(URL_, { maxRetriesPerRequest: 1, lazyConnect: true });
  r.on('error', () => undefined);
  clients.push(r);
  return r;
}

beforeAll(async () => {
  const probe = client();
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new Error(
      `No Redis at ${URL_}: start one (redis-server --port 6379) or set REDIS_URL. (${(err as Error).message})`,
    );
  }
});

afterEach(async () => {
  const r = clients[0]!;
  const keys = await r.keys(`${prefix}:*`);
  if (keys.length) await r.del(...keys);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
});

function limiters(n: number, concurrency: number, minDelayMs: number, leaseMs?: number): HostLimiter[] {
  prefix = `geointel-test-${randomUUID()}`;
  return Array.from({ length: n }, () =>
    createRedisHostLimiter({ redis: client(), prefix, concurrency, minDelayMs, leaseMs, pollMs: 10 }),
  );
}

describe('redis host limiter (cross-process)', () => {
  it('caps concurrency across instances', async () => {
    const ls = limiters(3, 2, 0);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const release = await ls[i % 3]!.acquire('feeds.example');
        peak = Math.max(peak, ++active);
        await sleep(15);
        active--;
        release();
      }),
    );
    expect(peak).toBe(2);
  });

  it('spaces request starts by minDelayMs across instances', async () => {
    const ls = limiters(2, 10, 60);
    const starts: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const release = await ls[i % 2]!.acquire('feeds.example');
        starts.push(performance.now() - t0);
        release();
      }),
    );
    starts.sort((a, b) => a - b);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(50);
  });

  it('keys live under the prefix with a per-host hash tag', async () => {
    const [l] = limiters(1, 1, 1000);
    const release = await l!.acquire('Feeds.Example');
    const keys = (await clients[0]!.keys(`${prefix}:*`)).sort();
    expect(keys).toEqual([
      `${prefix}:limiter:{feeds.example}:active`,
      `${prefix}:limiter:{feeds.example}:next`,
    ]);
    release();
  });

  it('a holder that dies without releasing blocks the host only until its lease expires', async () => {
    const [dead, alive] = limiters(2, 1, 0, 200);
    await dead!.acquire('feeds.example'); // never released
    const t0 = performance.now();
    const release = await alive!.acquire('feeds.example');
    const waited = performance.now() - t0;
    release();
    expect(waited).toBeGreaterThanOrEqual(150);
    expect(waited).toBeLessThan(1000);
  });

  it('an aborted wait rejects with TIMEOUT', async () => {
    const [a, b] = limiters(2, 1, 0);
    const hold = await a!.acquire('feeds.example');
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 50);
    await expect(b!.acquire('feeds.example', ctrl.signal)).rejects.toMatchObject({ code: 'TIMEOUT' });
    hold();
  });

  it('different hosts do not wait for each other', async () => {
    const [l] = limiters(1, 1, 5000);
    const t0 = performance.now();
    const rs = await Promise.all(['a.example', 'b.example', 'c.example'].map((h) => l!.acquire(h)));
    expect(performance.now() - t0).toBeLessThan(300);
    for (const r of rs) r();
  });
});
