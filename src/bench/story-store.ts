/**
 * The `story-store` bench: the Redis story log (`createRedisStoryLog`, the runtime's story store) on a private
 * Redis. Cost per assigned item, in batches of `batch` synthetic items (src/bench/dedupe.ts: ≈ 92 % distinct),
 * over windows of `probe` items with the log holding `small` items and again after growing it to `large`
 * items (or to as many as fit in `growBudgetMs`, named in the output); Redis bytes per item from INFO memory
 * over the growth; and how fast a fresh process (a child `node`) rebuilds its index from the whole log.
 * Costs are wall time per item seen by the caller: lease, catch-up read, local assignment, append, release.
 * Growth to 1 M does not fit the 90 s budget on a 2-core box (growing and replaying each cost about what the
 * in-memory index costs per item), so growth is time-boxed (30 s by default) and `largeItems` names the size
 * reached; `costPerItemNs1M` is measured at that size.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { createStoryIndex } from '../pipeline/dedupe/index.js';
import { createRedisStoryLog } from '../store/redis-story-log.js';
import type { StoryRequest, StoryStore } from '../store/types.js';
import { syntheticItem } from './dedupe.js';
import { startRedisChild, usedMemory } from './redis-child.js';

/** The story log's default assignment lease (src/store/redis-story-log.ts). */
const LEASE_MS = 5_000;

function batchOf(from: number, n: number, seed: number): StoryRequest[] {
  return Array.from({ length: n }, (_, k) => {
    const item = syntheticItem(from + k, seed);
    return { item, meta: { sourceId: item.source } };
  });
}

async function fill(
  log: StoryStore,
  from: number,
  to: number,
  seed: number,
  batch: number,
  deadline = Infinity,
) {
  let i = from;
  for (; i < to && Date.now() < deadline; i += batch)
    await log.assign(batchOf(i, Math.min(batch, to - i), seed));
  return Math.min(i, to);
}

/** Nanoseconds per item of assigning items `from..from+probe` in batches (generation not counted). */
async function probeCost(log: StoryStore, from: number, probe: number, seed: number, batch: number) {
  const batches: StoryRequest[][] = [];
  for (let i = 0; i < probe; i += batch) batches.push(batchOf(from + i, Math.min(batch, probe - i), seed));
  const t0 = process.hrtime.bigint();
  for (const b of batches) await log.assign(b);
  return Number(process.hrtime.bigint() - t0) / probe;
}

/** The same windows on the bare in-memory index (what the log adds is the difference). */
function inMemoryCost(small: number, probe: number, seed: number): number {
  const index = createStoryIndex();
  for (let i = 0; i < small; i++) {
    const item = syntheticItem(i, seed);
    index.assign(item, { sourceId: item.source });
  }
  const items = Array.from({ length: probe }, (_, k) => syntheticItem(small + k, seed));
  const t0 = process.hrtime.bigint();
  for (const item of items) index.assign(item, { sourceId: item.source });
  return Number(process.hrtime.bigint() - t0) / probe;
}

/** Runs the replay in a child process: `{ items, seconds, stories }`. */
function replayInChild(
  url: string,
  prefix: string,
): Promise<{ items: number; seconds: number; stories: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'replay', url, prefix], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString('utf8')).slice(-4000);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out));
      else reject(new Error(`replay child exited ${code}: ${err}`));
    });
  });
}

/** The child's side: a fresh log instance catches up with the whole log (its first `size()`). */
async function replayMain(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const log = createRedisStoryLog({ redis, prefix });
  const t0 = process.hrtime.bigint();
  const stories = await log.size();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(JSON.stringify({ items: log.replayed(), seconds, stories }));
  await redis.quit();
}

export async function benchStoryStore(
  opts: { small?: number; large?: number; probe?: number; batch?: number; growBudgetMs?: number } = {},
) {
  const small = opts.small ?? 10_000;
  const large = opts.large ?? 1_000_000;
  const probe = opts.probe ?? 5_000;
  const batch = opts.batch ?? 50;
  const growBudgetMs = opts.growBudgetMs ?? 30_000;
  const redisChild = await startRedisChild();
  const redis = redisChild.client();
  try {
    // Warm-up (JIT, connections), not counted.
    await fill(createRedisStoryLog({ redis, prefix: 'warm' }), 0, 20_000, 7, batch);
    // Minimum of three windows, each on a fresh log: other processes on a shared box only ever add time.
    const smallCosts: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const log = createRedisStoryLog({ redis, prefix: `small${rep}` });
      await fill(log, 0, small, 11 + rep, batch);
      smallCosts.push(await probeCost(log, small, probe, 11 + rep, batch));
    }
    const memoryCosts = [0, 1, 2].map((rep) => inMemoryCost(small, probe, 11 + rep));
    await redis.flushall();
    const before = await usedMemory(redis);
    const log = createRedisStoryLog({ redis, prefix: 'large' });
    const t0 = Date.now();
    const grown = await fill(log, 0, large, 23, batch, t0 + growBudgetMs);
    const growSeconds = (Date.now() - t0) / 1000;
    const after = await usedMemory(redis);
    const largeCosts: number[] = [];
    for (let w = 0; w < 3; w++) largeCosts.push(await probeCost(log, grown + w * probe, probe, 23, batch));
    const stories = await log.size();
    const replay = await replayInChild(redisChild.url, 'large');
    const costSmall = Math.min(...smallCosts);
    const costLarge = Math.min(...largeCosts);
    const replayPerSec = Math.round(replay.items / replay.seconds);
    return {
      bench: 'story-store' as const,
      costPerItemNs10k: Math.round(costSmall),
      // Named for the target size; `largeItems` says how many the log really held (growth is time-boxed).
      costPerItemNs1M: Math.round(costLarge),
      ratio: Math.round((costLarge / costSmall) * 100) / 100,
      redisBytesPerItem: Math.round((after - before) / grown),
      replayPerSec,
      smallItems: small,
      largeItems: grown,
      largeTarget: large,
      storiesAtLarge: stories,
      batch,
      growSeconds,
      replayItems: replay.items,
      replaySeconds: Math.round(replay.seconds * 100) / 100,
      inMemoryCostPerItemNs10k: Math.round(Math.min(...memoryCosts)),
      // A process catches up with the log while it holds the assignment lease (5 s by default); a log longer
      // than this cannot be replayed within one lease, so a fresh process never gets its first batch appended.
      leaseMs: LEASE_MS,
      maxLogItemsReplayableInLease: Math.round((replayPerSec * LEASE_MS) / 1000),
    };
  } finally {
    redis.disconnect();
    await redisChild.stop();
  }
}

if (
  process.argv[1] &&
  import.meta.url === pathToFileURL(process.argv[1]).href &&
  process.argv[2] === 'replay'
)
  await replayMain(process.argv[3]!, process.argv[4]!);
