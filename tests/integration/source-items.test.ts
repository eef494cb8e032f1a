/**
 * Items per week per source: counted by the process worker from the record store's outcomes (new items only, so
 * a re-run job counts nothing twice), kept per UTC day in Redis, summed over the last 7 days for /v1/sources.
 * The Redis store and its in-memory twin answer alike.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whenReady } from '../../src/api/redis-ready.js';
import { createLogger } from '../../src/log.js';
import { connect } from '../../src/runtime/redis.js';
import { createMemorySourceStore } from '../../src/store/memory-sources.js';
import { createRedisSourceStore } from '../../src/store/redis-sources.js';
import type { SourceStateStore } from '../../src/store/types.js';
import { REDIS_URL } from '../helpers/runtime.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-04T10:00:00Z');
let redis: Redis;

beforeAll(async () => {
  redis = connect({ url: REDIS_URL }, 'producer', createLogger({ level: 'silent' }));
  expect(await whenReady(redis, 5_000)).toBe(true);
});
afterAll(() => redis?.disconnect());

describe.each([
  ['redis', () => createRedisSourceStore({ redis, prefix: `t-items-${randomUUID().slice(0, 8)}` })],
  ['memory', () => createMemorySourceStore()],
] as Array<[string, () => SourceStateStore]>)('%s source store: items per week', (_name, make) => {
  it('sums the 7 UTC days ending today; older days and other sources stay apart; zero adds nothing', async () => {
    const s = make();
    await s.addItems('usgs', 5, NOW);
    await s.addItems('usgs', 2, NOW - 6 * DAY); // the 7th day back (inclusive)
    await s.addItems('usgs', 100, NOW - 7 * DAY); // the 8th: outside
    await s.addItems('bgs', 3, NOW - DAY);
    await s.addItems('quiet', 0, NOW);
    expect(await s.itemsPerWeek(NOW)).toEqual({ bgs: 3, usgs: 7 });
    expect(await s.itemsPerWeek(NOW + 7 * DAY)).toEqual({});
  });
});
