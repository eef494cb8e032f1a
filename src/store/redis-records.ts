/**
 * Records, topic streams and editors' candidates on Redis. One Lua script per record marks the item seen,
 * stores the story's record and emits it to `stream:all` and its topic streams — or, for a story already
 * stored, appends the item to the story's duplicates — in one atomic step, so a retried or duplicated job
 * emits nothing twice. Every key the script touches arrives through KEYS (replica- and ACL-friendly).
 */
import type { Redis } from 'ioredis';
import type { DigestRecord, DuplicateRef } from '../pipeline/types.js';
import { redisKeys } from './keys.js';
import type { PutOutcome, RecordStore, StreamEntry } from './types.js';

/**
 * KEYS: itemSeen, storyRecord, storyDuplicates, storyTimes, stream:all, then (stream:<topic>, cand:<topic>)
 * per topic of a relevant record. ARGV: record JSON, storyId, digest time ms, ttl s, stream MAXLEN, relevant
 * 1|0, duplicate ref JSON, oldest digest time kept (ms).
 * Returns 0 unchanged, 1 duplicate, 2 stored (off-topic), 3 emitted.
 */
export const PUT_RECORD_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local ttl = tonumber(ARGV[4])
redis.call('SET', KEYS[1], ARGV[2], 'EX', ttl)
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('RPUSH', KEYS[3], ARGV[7])
  redis.call('LTRIM', KEYS[3], -500, -1)
  redis.call('EXPIRE', KEYS[3], ttl)
  return 1
end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ttl)
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[8])
if ARGV[6] ~= '1' then return 2 end
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[5], '*', 'record', ARGV[1])
for i = 6, #KEYS, 2 do
  redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[5], '*', 'record', ARGV[1])
  redis.call('ZADD', KEYS[i + 1], ARGV[3], ARGV[2])
  redis.call('ZREMRANGEBYSCORE', KEYS[i + 1], '-inf', '(' .. ARGV[8])
end
return 3
`;

const OUTCOMES: PutOutcome[] = ['unchanged', 'duplicate', 'stored', 'emitted'];

/** The instant a record counts for in digests and candidate lists: publishedAt, else fetchedAt. */
export function digestTime(r: Pick<DigestRecord, 'publishedAt' | 'fetchedAt'>): number {
  const t = r.publishedAt ? Date.parse(r.publishedAt) : Number.NaN;
  return Number.isNaN(t) ? Date.parse(r.fetchedAt) : t;
}

/** The topics a record is streamed to: each scored topic of a relevant record. */
export function streamTopics(r: DigestRecord): string[] {
  return r.relevant ? [...new Set(r.topics.map((t) => t.id))] : [];
}

export interface RedisRecordStoreOptions {
  redis: Redis;
  prefix: string;
  /** Days a record and its markers are kept. */
  recordDays: number;
  /** Approximate MAXLEN of every stream. */
  streamMaxLen: number;
  /** The clock, for the retention horizon. @defaultValue Date.now */
  now?: () => number;
}

type PutCommand = (numKeys: number, ...args: (string | number)[]) => Promise<number>;

export function createRedisRecordStore(opts: RedisRecordStoreOptions): RecordStore {
  const { redis } = opts;
  const keys = redisKeys(opts.prefix);
  const now = opts.now ?? Date.now;
  const ttl = Math.round(opts.recordDays * 86_400);
  const name = 'geointelPutRecord';
  redis.defineCommand(name, { lua: PUT_RECORD_LUA });
  const commandOf = (target: object) => (target as Record<string, PutCommand>)[name]!.bind(target);

  async function withDuplicates(records: Array<DigestRecord | null>): Promise<Array<DigestRecord | null>> {
    const p = redis.pipeline();
    for (const r of records) if (r) p.lrange(keys.storyDuplicates(r.storyId), 0, -1);
    const res = (await p.exec()) ?? [];
    let i = 0;
    return records.map((r) => {
      if (!r) return r;
      const [err, list] = res[i++]!;
      if (err) throw err;
      const dups = (list as string[]).map((s) => JSON.parse(s) as DuplicateRef);
      return { ...r, duplicates: [...r.duplicates, ...dups] };
    });
  }

  async function recordsOf(storyIds: string[]): Promise<Array<DigestRecord | null>> {
    if (storyIds.length === 0) return [];
    const raw = await redis.mget(...storyIds.map((s) => keys.storyRecord(s)));
    return withDuplicates(raw.map((s) => (s ? (JSON.parse(s) as DigestRecord) : null)));
  }

  return {
    async put(records) {
      if (records.length === 0) return [];
      const horizon = now() - opts.recordDays * 86_400_000;
      const p = redis.pipeline();
      const put = commandOf(p);
      for (const r of records) {
        const topics = streamTopics(r);
        const k = [
          keys.itemSeen(r.id),
          keys.storyRecord(r.storyId),
          keys.storyDuplicates(r.storyId),
          keys.storyTimes(),
          keys.stream('all'),
          ...topics.flatMap((t) => [keys.stream(t), keys.candidates(t)]),
        ];
        const dup: DuplicateRef = { id: r.id, sourceId: r.source.id, ...(r.url ? { url: r.url } : {}) };
        put(
          k.length,
          ...k,
          JSON.stringify(r),
          r.storyId,
          digestTime(r),
          ttl,
          opts.streamMaxLen,
          r.relevant ? 1 : 0,
          JSON.stringify(dup),
          horizon,
        );
      }
      const res = (await p.exec()) ?? [];
      return res.map(([err, code]) => {
        if (err) throw err;
        return OUTCOMES[code as number]!;
      });
    },
    async story(storyId) {
      return (await recordsOf([storyId]))[0] ?? null;
    },
    async storiesBetween(fromMs, toMs) {
      const ids = await redis.zrangebyscore(keys.storyTimes(), fromMs, `(${toMs}`);
      return (await recordsOf(ids)).filter((r): r is DigestRecord => r !== null);
    },
    async readStream(topic, afterId = '0', count = 100) {
      const start = afterId === '0' || afterId === '0-0' ? '-' : `(${afterId}`;
      const entries = await redis.xrange(keys.stream(topic), start, '+', 'COUNT', count);
      return entries.map(([id, fields]): StreamEntry => ({ id, record: JSON.parse(recordField(fields)) }));
    },
  };
}

/** The `record` field of a stream entry's flat field list. */
export function recordField(fields: string[]): string {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'record') return fields[i + 1]!;
  return 'null';
}
