/**
 * The `story-store` bench: the Redis story store (`createRedisStoryStore`) on a private Redis child. Cost per
 * assigned item, in batches of `batch` synthetic items (src/bench/dedupe.ts: ≈ 92 % distinct), over windows of
 * `probe` fresh items with the index holding `small` vs `large` items, and Redis bytes per story (INFO
 * used_memory over the large fill, divided by the stories made). Costs are wall time per item as the caller
 * sees it: snapshot read, local decision, checked commit.
 *
 * Both indexes are filled with `load` (one local index, writes grouped per hash): the same Redis state as
 * assigning the items batch by batch (tests/integration/story-store.test.ts compares them), in a minute instead
 * of several. The layout is sized for the large index (`expectedStoriesPerDay` = large / 4: one 4-day window),
 * the clock fixed, so every story sits in one generation, as in the first days of a deployment.
 */
import { createRedisStoryStore, type RedisStoryStore } from '../store/redis-story-store.js';
import type { StoryRequest } from '../store/types.js';
import { syntheticItem } from './dedupe.js';
import { startRedisChild, usedMemory } from './redis-child.js';

const NOW = Date.parse('2025-12-14T12:00:00Z');

function* requests(from: number, to: number, seed: number): Generator<StoryRequest> {
  for (let i = from; i < to; i++) {
    const item = syntheticItem(i, seed);
    yield { item, meta: { sourceId: item.source } };
  }
}

/** Nanoseconds per item of assigning items `from..from+probe` in batches (generation not counted). */
async function probeCost(store: RedisStoryStore, from: number, probe: number, seed: number, batch: number) {
  const batches: StoryRequest[][] = [];
  for (let i = 0; i < probe; i += batch)
    batches.push([...requests(from + i, from + Math.min(i + batch, probe), seed)]);
  const t0 = process.hrtime.bigint();
  for (const b of batches) await store.assign(b);
  return Number(process.hrtime.bigint() - t0) / probe;
}

export async function benchStoryStore(
  opts: { small?: number; large?: number; probe?: number; batch?: number } = {},
) {
  const small = opts.small ?? 10_000;
  const large = opts.large ?? 1_000_000;
  const probe = opts.probe ?? 5_000;
  const batch = opts.batch ?? 100;
  const child = await startRedisChild();
  const redis = child.client();
  const store = (prefix: string) =>
    createRedisStoryStore({ redis, prefix, now: () => NOW, expectedStoriesPerDay: Math.ceil(large / 4) });
  try {
    // Warm-up (JIT, script cache), not counted.
    const warm = store('warm');
    await warm.load(requests(0, 20_000, 7));
    await probeCost(warm, 20_000, 2_000, 7, batch);
    await redis.flushall();
    // Minimum of three windows: other processes on a shared box only ever add time.
    const smallCosts: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const s = store(`small${rep}`);
      await s.load(requests(0, small, 11 + rep));
      smallCosts.push(await probeCost(s, small, probe, 11 + rep, batch));
    }
    await redis.flushall();
    const before = await usedMemory(redis);
    const big = store('large');
    const t0 = Date.now();
    await big.load(requests(0, large, 23));
    const loadSeconds = (Date.now() - t0) / 1000;
    const after = await usedMemory(redis);
    const stories = await big.size();
    const largeCosts: number[] = [];
    for (let w = 0; w < 3; w++) largeCosts.push(await probeCost(big, large + w * probe, probe, 23, batch));
    const costSmall = Math.min(...smallCosts);
    const costLarge = Math.min(...largeCosts);
    return {
      bench: 'story-store' as const,
      costPerItemNs10k: Math.round(costSmall),
      costPerItemNs1M: Math.round(costLarge),
      ratio: Math.round((costLarge / costSmall) * 100) / 100,
      /** Per story (used_memory delta / stories made), as docs/dedupe.md states the budget. */
      redisBytesPerItem: Math.round((after - before) / stories),
      stories,
      smallItems: small,
      largeItems: large,
      batch,
      loadSeconds,
    };
  } finally {
    redis.disconnect();
    await child.stop();
  }
}
