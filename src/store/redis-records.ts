/**
 * Records, topic streams and editors' candidates on Redis. One Lua script call per batch; for each record it
 * marks the item seen, stores the story's record and emits it to `stream:all` and its topic streams — or, for
 * a story already stored, appends the item to the story's duplicates — in one atomic step, so a retried or
 * duplicated job emits nothing twice. Every key the script touches arrives through KEYS (replica- and ACL-friendly).
 */
import type { Redis } from 'ioredis';
import type { DigestRecord, DuplicateRef } from '../pipeline/types.js';
import { redisKeys } from './keys.js';
import type { PutOutcome, RecordStore, StreamEntry } from './types.js';

/**
 * One call stores a batch of records, each in its own all-or-nothing step. KEYS: storyTimes, stream:all, then
 * per record: itemSeen, storyRecord, storyDuplicates and (stream:<topic>, cand:<topic>) per streamed topic.
 * ARGV: ttl s, stream MAXLEN, oldest digest time kept (ms), then per record: topic count, record JSON,
 * storyId, digest time ms, relevant 1|0, duplicate ref JSON. Returns per record 0 unchanged (item stored
 * before), 1 duplicate (appended to its story), 2 stored (off-topic: never streamed), 3 emitted.
 */
export const PUT_RECORDS_LUA = `
local ttl = tonumber(ARGV[1])
local horizon = '(' .. ARGV[3]
local out = {}
local k = 3
local a = 4
local n = 0
while a <= #ARGV do
  local topics = tonumber(ARGV[a])
  local result = 3
  if redis.call('EXISTS', KEYS[k]) == 1 then
    result = 0
  else
    redis.call('SET', KEYS[k], ARGV[a + 2], 'EX', ttl)
    if redis.call('EXISTS', KEYS[k + 1]) == 1 then
      redis.call('RPUSH', KEYS[k + 2], ARGV[a + 5])
      redis.call('LTRIM', KEYS[k + 2], -500, -1)
      redis.call('EXPIRE', KEYS[k + 2], ttl)
      result = 1
    else
      redis.call('SET', KEYS[k + 1], ARGV[a + 1], 'EX', ttl)
      redis.call('ZADD', KEYS[1], ARGV[a + 3], ARGV[a + 2])
      if ARGV[a + 4] ~= '1' then
        result = 2
      else
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'record', ARGV[a + 1])
        for j = k + 3, k + 1 + 2 * topics, 2 do
          redis.call('XADD', KEYS[j], 'MAXLEN', '~', ARGV[2], '*', 'record', ARGV[a + 1])
          redis.call('ZADD', KEYS[j + 1], ARGV[a + 3], ARGV[a + 2])
          redis.call('ZREMRANGEBYSCORE', KEYS[j + 1], '-inf', horizon)
        end
      end
    end
  end
  n = n + 1
  out[n] = result
  k = k + 3 + 2 * topics
  a = a + 6
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', horizon)
return out
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

type PutCommand = (numKeys: number, ...args: (string | number)[]) => Promise<number[]>;

export function createRedisRecordStore(opts: RedisRecordStoreOptions): RecordStore {
  const { redis } = opts;
  const keys = redisKeys(opts.prefix);
  const now = opts.now ?? Date.now;
  const ttl = Math.round(opts.recordDays * 86_400);
  const name = 'geointelPutRecords';
  redis.defineCommand(name, { lua: PUT_RECORDS_LUA });
  const put = (redis as unknown as Record<string, PutCommand>)[name]!.bind(redis);

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
      const keyList = [keys.storyTimes(), keys.stream('all')];
      const args: Array<string | number> = [ttl, opts.streamMaxLen, now() - opts.recordDays * 86_400_000];
      for (const r of records) {
        const topics = streamTopics(r);
        keyList.push(keys.itemSeen(r.id), keys.storyRecord(r.storyId), keys.storyDuplicates(r.storyId));
        for (const t of topics) keyList.push(keys.stream(t), keys.candidates(t));
        const dup: DuplicateRef = { id: r.id, sourceId: r.source.id, ...(r.url ? { url: r.url } : {}) };
        args.push(
          topics.length,
          JSON.stringify(r),
          r.storyId,
          digestTime(r),
          r.relevant ? 1 : 0,
          JSON.stringify(dup),
        );
      }
      const codes = await put(keyList.length, ...keyList, ...args);
      return codes.map((c) => OUTCOMES[c]!);
    },
    async seen(ids) {
      if (ids.length === 0) return [];
      const p = redis.pipeline();
      for (const id of ids) p.exists(keys.itemSeen(id));
      return ((await p.exec()) ?? []).map(([err, n]) => {
        if (err) throw err;
        return n === 1;
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
