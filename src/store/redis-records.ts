/**
 * Records, topic streams and editors' candidates on Redis. One Lua script call per batch; for each record it
 * marks the item seen, stores the story's record, indexes it (time, text tokens, tags, map points), counts it
 * and emits it to `stream:all` and its topic streams — or, for a story already stored, appends the item to the
 * story's duplicates and keeps its full record for a later split — in one atomic step, so a retried or
 * duplicated job emits nothing twice. A story an editor merged into another (src/store/story-edits.ts) is an
 * alias: its later items land in the target. Every key the script touches arrives through KEYS (replica- and
 * ACL-friendly).
 */
import type { Redis } from 'ioredis';
import { GeoError } from '../errors.js';
import { countBucket, countFields } from '../pipeline/search/counts.js';
import { recordTokens } from '../pipeline/search/tokens.js';
import type { DigestRecord, DuplicateRef } from '../pipeline/types.js';
import { type RedisKeys, redisKeys } from './keys.js';
import type { PutOutcome, RecordStore, StreamEntry } from './types.js';

/** Later items a story keeps (the duplicates list and the items hash each hold at most this many). */
export const MAX_STORY_ITEMS = 500;

/**
 * One call stores a batch of records, each in its own all-or-nothing step.
 * KEYS: storyTimes, stream:all, then per record: itemSeen, mergedInto(story), storyRecord, storyDuplicates,
 * storyItems (of the story the record goes to: the merge target when the story was merged), countsHour, then
 * (stream:<topic>, cand:<topic>) per streamed topic, then the index sets (text tokens, tags, geo).
 * ARGV: ttl s, stream MAXLEN, oldest digest time kept (ms), then per record: topic count, index-set count,
 * count-field count, record JSON, storyId, digest time ms, relevant 1|0, duplicate ref JSON, the merge target
 * read before the call ('' none), counts bucket PEXPIREAT ms, item id, the count fields.
 * Returns per record 0 unchanged (item stored before), 1 duplicate (appended to its story), 2 stored
 * (off-topic: never streamed), 3 emitted, 4 the story was merged since the target was read (nothing done: the
 * caller reads the target again and retries).
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
  local sets = tonumber(ARGV[a + 1])
  local fields = tonumber(ARGV[a + 2])
  local result = 3
  if redis.call('EXISTS', KEYS[k]) == 1 then
    result = 0
  elseif (redis.call('GET', KEYS[k + 1]) or '') ~= ARGV[a + 8] then
    result = 4
  else
    redis.call('SET', KEYS[k], ARGV[a + 4], 'EX', ttl)
    if redis.call('EXISTS', KEYS[k + 2]) == 1 then
      redis.call('RPUSH', KEYS[k + 3], ARGV[a + 7])
      redis.call('LTRIM', KEYS[k + 3], -${MAX_STORY_ITEMS}, -1)
      redis.call('EXPIRE', KEYS[k + 3], ttl)
      if redis.call('HLEN', KEYS[k + 4]) < ${MAX_STORY_ITEMS} then
        redis.call('HSET', KEYS[k + 4], ARGV[a + 10], ARGV[a + 3])
      end
      redis.call('EXPIRE', KEYS[k + 4], ttl)
      result = 1
    else
      redis.call('SET', KEYS[k + 2], ARGV[a + 3], 'EX', ttl)
      redis.call('ZADD', KEYS[1], ARGV[a + 5], ARGV[a + 4])
      for j = k + 6 + 2 * topics, k + 5 + 2 * topics + sets do
        redis.call('ZADD', KEYS[j], ARGV[a + 5], ARGV[a + 4])
        redis.call('ZREMRANGEBYSCORE', KEYS[j], '-inf', horizon)
        redis.call('EXPIRE', KEYS[j], ttl)
      end
      if ARGV[a + 6] ~= '1' then
        result = 2
      else
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'record', ARGV[a + 3])
        for j = k + 6, k + 4 + 2 * topics, 2 do
          redis.call('XADD', KEYS[j], 'MAXLEN', '~', ARGV[2], '*', 'record', ARGV[a + 3])
          redis.call('ZADD', KEYS[j + 1], ARGV[a + 5], ARGV[a + 4])
          redis.call('ZREMRANGEBYSCORE', KEYS[j + 1], '-inf', horizon)
        end
        if fields > 0 then
          for f = a + 11, a + 10 + fields do
            redis.call('HINCRBY', KEYS[k + 5], ARGV[f], 1)
          end
          redis.call('PEXPIREAT', KEYS[k + 5], ARGV[a + 9])
        end
      end
    end
  end
  n = n + 1
  out[n] = result
  k = k + 6 + 2 * topics + sets
  a = a + 11 + fields
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', horizon)
return out
`;

const OUTCOMES: PutOutcome[] = ['unchanged', 'duplicate', 'stored', 'emitted'];
/** The script's answer for a record whose story was merged after its target was read. */
const MERGED_MEANWHILE = 4;
/** Rounds of re-reading merge targets before a put gives up (each round needs a merge in between). */
const PUT_ROUNDS = 5;

/** The instant a record counts for in digests and candidate lists: publishedAt, else fetchedAt. */
export function digestTime(r: Pick<DigestRecord, 'publishedAt' | 'fetchedAt'>): number {
  const t = r.publishedAt ? Date.parse(r.publishedAt) : Number.NaN;
  return Number.isNaN(t) ? Date.parse(r.fetchedAt) : t;
}

/** The topics a record is streamed to: each scored topic of a relevant record. */
export function streamTopics(r: DigestRecord): string[] {
  return r.relevant ? [...new Set(r.topics.map((t) => t.id))] : [];
}

/**
 * The index sets a story is entered in when stored: one per text token of its title, summary and Chinese texts
 * (unless `text` is false), one per commodity and country tag, and the map index when it has a point.
 */
export function indexSetKeys(keys: RedisKeys, r: DigestRecord, text = true): string[] {
  const out = text ? recordTokens(r).map((t) => keys.textToken(t)) : [];
  for (const c of new Set(r.tags.commodities)) out.push(keys.tagIndex('commodity', c));
  for (const c of new Set(r.tags.countries)) out.push(keys.tagIndex('country', c));
  if (r.geo && Number.isFinite(r.geo.lat) && Number.isFinite(r.geo.lon)) out.push(keys.geoIndex());
  return out;
}

/** The reference a later item of a story leaves in the story's `duplicates`. */
export function duplicateRef(r: DigestRecord): DuplicateRef {
  return { id: r.id, sourceId: r.source.id, ...(r.url ? { url: r.url } : {}) };
}

export interface RedisRecordStoreOptions {
  redis: Redis;
  prefix: string;
  /** Days a record and its markers are kept. */
  recordDays: number;
  /** Approximate MAXLEN of every stream. */
  streamMaxLen: number;
  /** The clock, for the retention horizon and the count buckets. @defaultValue Date.now */
  now?: () => number;
  /** Write the full-text index (false only for the text-index bench's baseline). @defaultValue true */
  textIndex?: boolean;
}

type PutCommand = (numKeys: number, ...args: (string | number)[]) => Promise<number[]>;

export function createRedisRecordStore(opts: RedisRecordStoreOptions): RecordStore {
  const { redis } = opts;
  const keys = redisKeys(opts.prefix);
  const now = opts.now ?? Date.now;
  const ttl = Math.round(opts.recordDays * 86_400);
  const textIndex = opts.textIndex ?? true;
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

  /** One script call for `records`, each going to `targets[i]` (its merge target) or its own story. */
  async function putOnce(records: readonly DigestRecord[], targets: ReadonlyArray<string | null>) {
    const t = now();
    const keyList = [keys.storyTimes(), keys.stream('all')];
    const args: Array<string | number> = [ttl, opts.streamMaxLen, t - opts.recordDays * 86_400_000];
    records.forEach((original, i) => {
      const storyId = targets[i] ?? original.storyId;
      const r = storyId === original.storyId ? original : { ...original, storyId };
      const time = digestTime(r);
      const topics = streamTopics(r);
      const sets = indexSetKeys(keys, r, textIndex);
      const bucket = countBucket(time, t);
      const fields = bucket ? countFields(r) : [];
      keyList.push(
        keys.itemSeen(r.id),
        keys.storyMergedInto(original.storyId),
        keys.storyRecord(storyId),
        keys.storyDuplicates(storyId),
        keys.storyItems(storyId),
        keys.countsHour(bucket?.hour ?? 0),
      );
      for (const topic of topics) keyList.push(keys.stream(topic), keys.candidates(topic));
      keyList.push(...sets);
      args.push(
        topics.length,
        sets.length,
        fields.length,
        JSON.stringify(r),
        storyId,
        time,
        r.relevant ? 1 : 0,
        JSON.stringify(duplicateRef(r)),
        targets[i] ?? '',
        bucket?.expireAtMs ?? 0,
        r.id,
        ...fields,
      );
    });
    return put(keyList.length, ...keyList, ...args);
  }

  return {
    async put(records) {
      if (records.length === 0) return [];
      const outcomes: PutOutcome[] = new Array(records.length);
      let pending = records.map((_, i) => i);
      for (let round = 0; round < PUT_ROUNDS && pending.length > 0; round++) {
        const batch = pending.map((i) => records[i]!);
        const targets = await redis.mget(...batch.map((r) => keys.storyMergedInto(r.storyId)));
        const codes = await putOnce(batch, targets);
        const again: number[] = [];
        codes.forEach((c, j) => {
          if (c === MERGED_MEANWHILE) again.push(pending[j]!);
          else outcomes[pending[j]!] = OUTCOMES[c]!;
        });
        pending = again;
      }
      if (pending.length > 0)
        throw new GeoError(
          'STORY_CONFLICT',
          `stories kept being merged while ${pending.length} records were stored`,
        );
      return outcomes;
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
    /** A merged story answers with the record of the story it was merged into. */
    async story(storyId) {
      const [own, target] = await redis.mget(keys.storyRecord(storyId), keys.storyMergedInto(storyId));
      if (own || !target) return (await recordsOf([storyId]))[0] ?? null;
      return (await recordsOf([target]))[0] ?? null;
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
