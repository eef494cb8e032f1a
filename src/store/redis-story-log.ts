/**
 * The story index shared through Redis as an ordered log (event sourcing, as Kafka Streams state stores do):
 * every assigned batch is appended to one Redis stream, and every process keeps the in-memory index
 * (`createStoryIndex`) of that log, replaying what others appended before it assigns. A short lease makes
 * "replay → assign → append" one step across processes, so all processes apply the same batches in the
 * same order and reach the same decisions as one in-memory index would: the runtime's assignments equal the
 * CLI's by construction. The log keeps only what dedupe reads (ids, title, links, dates, geo) and is trimmed
 * to `keepDays`; a new process rebuilds its index from it at its first assignment.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { GeoError } from '../errors.js';
import { createStoryIndex, type StoryIndex, type StoryIndexOptions } from '../pipeline/dedupe/index.js';
import type { Item } from '../pipeline/types.js';
import { redisKeys } from './keys.js';
import type { StoryRequest, StoryStore } from './types.js';

/**
 * KEYS: lock, log. ARGV: token, batch JSON, oldest id kept (`<ms>-0`), the last id this process applied.
 * Appends only while holding the lease; answers 'reset' when the log this process replayed is gone (Redis
 * lost its data), so the process rebuilds its index instead of keeping stories nobody else knows.
 */
const APPEND_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
if ARGV[4] ~= '0-0' and redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[1])
  return 'reset'
end
local id = redis.call('XADD', KEYS[2], 'MINID', '~', ARGV[3], '*', 'b', ARGV[2])
redis.call('DEL', KEYS[1])
return id
`;

/** KEYS: lock. ARGV: token. */
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export interface RedisStoryLogOptions extends StoryIndexOptions {
  redis: Redis;
  prefix: string;
  /** Days of log kept (identity keys older than the intake window match nothing anyway). @defaultValue 30 */
  keepDays?: number;
  /** Lease of one assignment step, ms; a holder that dies frees it after this. @defaultValue 5000 */
  leaseMs?: number;
  /** Longest wait for the lease before `STORY_CONFLICT` (retried by the queue). @defaultValue 30000 */
  waitMs?: number;
  now?: () => number;
}

/** The fields of an item the story index reads; the rest (summary, content) never enters the log. */
function dedupeView(item: Item): Item {
  const { id, title, url, guid, doi, eventIds, geo, publishedAt, language, source } = item;
  return { id, title, url, guid, doi, eventIds, geo, publishedAt, language, source };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Log entries replayed between two yields to the event loop (an entry is one batch, ≤ 100 items). */
const PAGE = 50;

export function createRedisStoryLog(opts: RedisStoryLogOptions): StoryStore & { replayed(): number } {
  const { redis } = opts;
  const keys = redisKeys(opts.prefix);
  const lockKey = keys.storyLock();
  const logKey = keys.storyLog();
  const keepMs = (opts.keepDays ?? 30) * 86_400_000;
  const leaseMs = opts.leaseMs ?? 5_000;
  const waitMs = opts.waitMs ?? 30_000;
  const now = opts.now ?? Date.now;
  let index: StoryIndex = createStoryIndex(opts);
  let lastId = '0-0';
  let replayed = 0;
  // One assignment at a time in this process: the local index is not re-entrant across awaits.
  let queue: Promise<unknown> = Promise.resolve();

  /**
   * Applies the log entries this process has not seen, a page at a time with a yield between pages, so a long
   * replay never blocks the event loop (job locks keep being renewed).
   */
  async function catchUp(): Promise<void> {
    for (;;) {
      const entries = await redis.xrange(logKey, lastId === '0-0' ? '-' : `(${lastId}`, '+', 'COUNT', PAGE);
      for (const [id, fields] of entries) {
        const batch = JSON.parse(fields[1] ?? '[]') as StoryRequest[];
        for (const r of batch) index.assign(r.item, r.meta);
        replayed += batch.length;
        lastId = id;
      }
      if (entries.length < PAGE) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async function acquire(token: string): Promise<void> {
    const until = now() + waitMs;
    for (let pause = 1; ; pause = Math.min(pause * 2, 20)) {
      if ((await redis.set(lockKey, token, 'PX', leaseMs, 'NX')) === 'OK') return;
      if (now() > until)
        throw new GeoError('STORY_CONFLICT', `story index busy for ${waitMs} ms (${lockKey})`);
      await sleep(pause);
    }
  }

  async function assignOnce(batch: readonly StoryRequest[]) {
    // The long replay (a process that just started) runs without the lease; under it only the tail that others
    // appended meanwhile, so the lease is held for milliseconds whatever the log's length.
    await catchUp();
    const token = randomUUID();
    await acquire(token);
    try {
      await catchUp();
      const view = batch.map((r) => ({ item: dedupeView(r.item), meta: r.meta }));
      const out = view.map((r) => index.assign(r.item, r.meta));
      const id = (await redis.eval(
        APPEND_LUA,
        2,
        lockKey,
        logKey,
        token,
        JSON.stringify(view),
        `${Math.max(0, now() - keepMs)}-0`,
        lastId,
      )) as string | null;
      if (id && id !== 'reset') {
        lastId = id;
        return out;
      }
      // The lease ran out mid-step (a very slow process: another may have appended first), or the log is
      // gone: this index applied a batch the log does not have. Rebuild it from the log and try again.
      index = createStoryIndex(opts);
      lastId = '0-0';
      return null;
    } finally {
      await redis.eval(RELEASE_LUA, 1, lockKey, token).catch(() => undefined);
    }
  }

  return {
    assign(batch) {
      const run = queue.then(async () => {
        if (batch.length === 0) return [];
        for (let attempt = 0; attempt < 3; attempt++) {
          const out = await assignOnce(batch);
          if (out) return out;
        }
        throw new GeoError('STORY_CONFLICT', 'story index lease lost three times in a row');
      });
      queue = run.catch(() => undefined);
      return run;
    },
    async size() {
      queue = queue.then(catchUp).catch(() => undefined);
      await queue;
      return index.size;
    },
    replayed: () => replayed,
  };
}
