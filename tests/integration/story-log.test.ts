/**
 * The Redis story store gives the same assignments as the in-memory one (the CLI's) on the recorded polls,
 * whatever the batch boundaries, and stays one index when several processes assign at once. Items come
 * through the real parse → normalise → classify path from every capture in tests/fixtures/feeds.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTaxonomy } from '../../src/pipeline/classify/index.js';
import { classifyFor, normalizeFor } from '../../src/pipeline/ingest.js';
import { parseDocument } from '../../src/pipeline/parse/index.js';
import { matchSource } from '../../src/pipeline/source-match.js';
import type { StoryAssignment } from '../../src/pipeline/types.js';
import { storyOptionsOf } from '../../src/runtime/story-options.js';
import { createMemoryStoryStore } from '../../src/store/memory-story-store.js';
import { createRedisStoryLog } from '../../src/store/redis-story-log.js';
import type { StoryRequest } from '../../src/store/types.js';
import { baseConfig, REDIS_URL } from '../helpers/runtime.js';
import { FEEDS } from '../unit/dedupe-fixture-items.js';

const config = baseConfig();
const taxonomy = compileTaxonomy(config.topics, config.tags);
const options = storyOptionsOf(config.sources);

/** Recorded polls in capture order, each with the registry entry it belongs to. */
const POLLS: Array<[file: string, source: string]> = [
  ['physorg/earth-news-2025-12-13.xml', 'physorg'],
  ['physorg/earth-news-2025-12-14.xml', 'physorg'],
  ['sciencedaily/all-2020-02-10T1103Z.xml', 'sciencedaily'],
  ['sciencedaily/all-2020-02-10T1143Z.xml', 'sciencedaily'],
  ['sciencedaily/all-2020-02-10T1703Z.xml', 'sciencedaily'],
  ['gdacs/rss-2019-12-30.xml', 'gdacs'],
  ['gdacs/rss_24h-2019-12-30.xml', 'gdacs'],
  ['nrcan/earthquakes-canada-en-2018-10-01.xml', 'nrcan-earthquakes-en'],
  ['nrcan/earthquakes-canada-fr-2018-10-01.xml', 'nrcan-earthquakes-fr'],
  ['usgs-earthquakes/significant_month-2023-10-11.geojson', 'usgs-earthquakes'],
  ['usgs-earthquakes/4.5_week-2018-06-12.geojson', 'usgs-earthquakes'],
  ['usgs-earthquakes/all_hour-2018-12-07.atom', 'usgs-earthquakes'],
  ['geoscience-journals/digest-seen-2025-12-05.json', 'geoscience-journals'],
  ['geoscience-journals/digest-seen-2025-12-13.json', 'geoscience-journals'],
];

let documents: StoryRequest[][] = [];
const clients: Redis[] = [];
const prefixes: string[] = [];

function client(): Redis {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  r.on('error', () => undefined);
  clients.push(r);
  return r;
}
function prefix(): string {
  const p = `t-story-${randomUUID().slice(0, 8)}`;
  prefixes.push(p);
  return p;
}

beforeAll(async () => {
  const limits = { ...config.app.ingest, maxItemAgeDays: 36_500 };
  documents = await Promise.all(
    POLLS.map(async ([file, id]) => {
      const source = matchSource(config.sources, { id })!;
      const doc = await parseDocument(readFileSync(join(FEEDS, file)), {
        kind: source.kind,
        html: source.html,
      });
      const { items } = normalizeFor(doc, { source, fetchedAt: '2025-12-15T00:00:00Z', limits });
      return items.map((item) => classifyFor(item, source, taxonomy).story);
    }),
  );
});

afterAll(async () => {
  const r = clients[0] ?? client();
  for (const p of prefixes) {
    const keys = await r.keys(`${p}:*`);
    if (keys.length) await r.del(...keys);
  }
  await Promise.all(clients.map((c) => c.quit()));
});

async function assignAll(
  store: { assign(b: readonly StoryRequest[]): Promise<StoryAssignment[]> },
  size?: number,
) {
  const out: StoryAssignment[] = [];
  for (const doc of documents) {
    const step = size ?? Math.max(1, doc.length);
    for (let i = 0; i < doc.length; i += step) out.push(...(await store.assign(doc.slice(i, i + step))));
  }
  return out;
}

describe('Redis story store = in-memory story store', () => {
  it('the recorded polls hold enough items and real duplicates to mean something', async () => {
    const total = documents.reduce((n, d) => n + d.length, 0);
    expect(total).toBeGreaterThan(1500);
    const memory = await assignAll(createMemoryStoryStore(options));
    expect(memory.filter((a) => a.duplicateOf !== null).length).toBeGreaterThan(100);
  });

  for (const [name, size] of [
    ['one batch per document', undefined],
    ['batches of 1', 1],
    ['batches of 7', 7],
  ] as const) {
    it(`same assignments, ${name}`, async () => {
      const memory = await assignAll(createMemoryStoryStore(options));
      const redis = await assignAll(
        createRedisStoryLog({ redis: client(), prefix: prefix(), ...options }),
        size,
      );
      expect(redis).toEqual(memory);
    });
  }

  it('a process that starts later rebuilds the index from the log and agrees', async () => {
    const p = prefix();
    const first = createRedisStoryLog({ redis: client(), prefix: p, ...options });
    const half = Math.floor(documents.length / 2);
    for (const doc of documents.slice(0, half)) await first.assign(doc);
    const late = createRedisStoryLog({ redis: client(), prefix: p, ...options });
    const memory = createMemoryStoryStore(options);
    for (const doc of documents.slice(0, half)) await memory.assign(doc);
    for (const doc of documents.slice(half)) expect(await late.assign(doc)).toEqual(await memory.assign(doc));
    expect(late.replayed()).toBeGreaterThan(0);
    expect(await first.size()).toBe(await late.size());
  });

  it('two processes assigning at once keep one index: every item in exactly one story, as in some sequential order', async () => {
    const p = prefix();
    const a = createRedisStoryLog({ redis: client(), prefix: p, ...options });
    const b = createRedisStoryLog({ redis: client(), prefix: p, ...options });
    // Both processes see every document (overlapping polls); small batches interleave.
    const run = async (store: typeof a) => {
      const out: StoryAssignment[] = [];
      for (const doc of documents)
        for (let i = 0; i < doc.length; i += 5) out.push(...(await store.assign(doc.slice(i, i + 5))));
      return out;
    };
    const [ra, rb] = await Promise.all([run(a), run(b)]);
    const storyOf = new Map<string, string>();
    for (const x of [...ra, ...rb]) {
      const seen = storyOf.get(x.id);
      if (seen) expect(x.storyId, x.id).toBe(seen);
      else storyOf.set(x.id, x.storyId);
    }
    // The second sighting of every item is a duplicate of its first: nothing opened a second story.
    const opened = [...ra, ...rb].filter((x) => x.duplicateOf === null).map((x) => x.id);
    expect(new Set(opened).size).toBe(opened.length);
    expect(await a.size()).toBe(await b.size());
  });
});

describe('Redis story log after Redis lost its data', () => {
  it('a process whose log vanished rebuilds its index instead of matching stories nobody else knows', async () => {
    const p = prefix();
    const r = client();
    const store = createRedisStoryLog({ redis: r, prefix: p, ...options });
    const doc = documents[0]!;
    const first = await store.assign(doc);
    expect(first.every((a) => a.duplicateOf === null || doc.some((d) => d.item.id === a.duplicateOf))).toBe(
      true,
    );
    await r.del(`${p}:story:log`);
    // After the loss the same items open their stories again, exactly as a fresh index would.
    const again = await store.assign(doc);
    expect(again).toEqual(await createMemoryStoryStore(options).assign(doc));
  });
});

describe('Redis story log: a process that starts late', () => {
  it('replays a log longer than its lease allows without holding the lease', async () => {
    const p = prefix();
    const writer = createRedisStoryLog({ redis: client(), prefix: p, ...options });
    for (const doc of documents)
      for (let i = 0; i < doc.length; i += 5) await writer.assign(doc.slice(i, i + 5));
    // A lease far shorter than the replay: the replay must run outside it.
    const late = createRedisStoryLog({ redis: client(), prefix: p, ...options, leaseMs: 20 });
    const t0 = performance.now();
    const memory = createMemoryStoryStore(options);
    for (const doc of documents) await memory.assign(doc);
    const probe = documents[0]!.slice(0, 3);
    expect(await late.assign(probe)).toEqual(await memory.assign(probe));
    expect(late.replayed()).toBeGreaterThan(1500);
    expect(performance.now() - t0).toBeLessThan(30_000);
  });
});
