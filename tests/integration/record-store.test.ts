/**
 * The record store twins (in memory, Redis) behave alike: one record per story, emitted once to stream:all
 * and its topic streams; later items become duplicates; a re-put changes nothing; off-topic stored, never
 * streamed. Table-driven over both implementations.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { DigestRecord } from '../../src/pipeline/types.js';
import { createMemoryRecordStore } from '../../src/store/memory-records.js';
import { createRedisRecordStore } from '../../src/store/redis-records.js';
import type { RecordStore } from '../../src/store/types.js';
import { REDIS_URL } from '../helpers/runtime.js';

const redis = new Redis(REDIS_URL);
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}:*`);
    if (keys.length) await redis.del(...keys);
  }
  await redis.quit();
});

function record(id: string, storyId: string, over: Partial<DigestRecord> = {}): DigestRecord {
  return {
    schema: 'geointel.record/1',
    id,
    storyId,
    canonicalId: storyId,
    title: `title ${id}`,
    summary: 's',
    url: `https://example.org/${id}`,
    source: { id: 'src', name: 'Source' },
    publishedAt: '2026-12-01T10:00:00.000Z',
    fetchedAt: '2026-12-01T12:00:00.000Z',
    language: 'en',
    relevant: true,
    topic: 'marine',
    topics: [
      { id: 'marine', score: 0.9, evidence: ['seafloor'] },
      { id: 'basic-geology', score: 0.5, evidence: ['rift'] },
    ],
    tags: { commodities: [], countries: [] },
    duplicates: [],
    citation: { zh: '（源，2026.12.1）', en: '(Source, 2026-12-01)' },
    ...over,
  };
}

const stores: Array<[string, () => RecordStore]> = [
  ['memory', () => createMemoryRecordStore()],
  [
    'redis',
    () => {
      const prefix = `t-rec-${randomUUID().slice(0, 8)}`;
      prefixes.push(prefix);
      return createRedisRecordStore({
        redis,
        prefix,
        recordDays: 90,
        streamMaxLen: 1000,
        now: () => Date.parse('2026-12-02T00:00:00Z'),
      });
    },
  ],
];

describe.each(stores)('record store (%s)', (_name, make) => {
  it('emits a story once, to stream:all and each of its topics; later items are duplicates; re-puts change nothing', async () => {
    const store = make();
    const a = record('a', 'a');
    const b = record('b', 'a', { source: { id: 'other', name: 'Other' } });
    const off = record('c', 'c', { relevant: false, topic: null });
    expect(await store.put([a, b, off])).toEqual(['emitted', 'duplicate', 'stored']);
    expect(await store.put([a, b, off])).toEqual(['unchanged', 'unchanged', 'unchanged']);
    const all = await store.readStream('all');
    expect(all.map((e) => e.record.id)).toEqual(['a']);
    expect((await store.readStream('marine')).map((e) => e.record.id)).toEqual(['a']);
    expect((await store.readStream('basic-geology')).map((e) => e.record.id)).toEqual(['a']);
    expect(await store.readStream('hydrogeology')).toEqual([]);
    expect((await store.story('a'))?.duplicates).toEqual([
      { id: 'b', sourceId: 'other', url: 'https://example.org/b' },
    ]);
    expect((await store.story('c'))?.relevant).toBe(false);
    // Resuming after an entry returns only what came later.
    expect(await store.readStream('all', all[0]!.id)).toEqual([]);
  });

  it('finds stories by digest time (publishedAt, else fetchedAt) in [from, to)', async () => {
    const store = make();
    await store.put([
      record('x', 'x', { publishedAt: '2026-11-30T23:00:00.000Z' }),
      record('y', 'y', { publishedAt: null, fetchedAt: '2026-12-01T01:00:00.000Z' }),
      record('z', 'z', { publishedAt: '2026-12-01T02:00:00.000Z' }),
    ]);
    const got = await store.storiesBetween(
      Date.parse('2026-12-01T00:00:00Z'),
      Date.parse('2026-12-01T02:00:00Z'),
    );
    expect(got.map((r) => r.id)).toEqual(['y']);
  });
});
