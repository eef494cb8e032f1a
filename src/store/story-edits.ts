/**
 * Editors' corrections of the story index on Redis: merging one story into another, splitting an item out of a
 * story into a story of its own, and adding editors' texts (titleZh, summaryZh) to the text index.
 *
 * Merge A into B, one script: A's record and every later item of A become duplicates of B (the `duplicates`
 * list and the items hash that keeps their full records); A leaves the time index, the candidates, the text,
 * tag and map indexes and the counts; `rec:merged:A` = B remains as the pointer. The story index (dedupe) still
 * assigns later items to A: the put script resolves the pointer, so they land in B. Pointers stay one hop:
 * merging B into C later repoints every story merged into B (`rec:mergedfrom:B`) to C in the same script.
 *
 * Split item X out of story S, one script: X's full record (kept when X was stored as a duplicate) becomes the
 * record of a new story whose id is X (what the story index would have made had X opened its own story); X
 * leaves S's duplicates; the new story enters the indexes and counts and, when relevant, the candidates and
 * streams as any new story does. Splitting out a story merged into S (its id is X) undoes that merge for it.
 *
 * Each script checks what it depends on (the stories exist and are not merged, the sets it was given are still
 * whole) and answers a conflict instead of half-doing anything; a set that changed between the read and the
 * script is read again (bounded rounds).
 */
import type { Redis } from 'ioredis';
import { GeoError } from '../errors.js';
import { countBucket, countFields } from '../pipeline/search/counts.js';
import { recordTokens, textTokens } from '../pipeline/search/tokens.js';
import type { DigestRecord, DuplicateRef } from '../pipeline/types.js';
import { redisKeys } from './keys.js';
import { digestTime, duplicateRef, indexSetKeys, MAX_STORY_ITEMS, streamTopics } from './redis-records.js';

/**
 * KEYS: 1 record A, 2 mergedInto A, 3 mergedInto B, 4 record B, 5 duplicates A, 6 duplicates B, 7 items A,
 * 8 items B, 9 mergedFrom A, 10 mergedFrom B, 11 extra tokens A, 12 time index, 13 counts hour of A, then
 * cand:<topic> of A's topics, A's index sets, and the mergedInto keys of the stories merged into A.
 * ARGV: 1 A, 2 B, 3 ttl s, 4 A's duplicate ref JSON, 5 topic count, 6 index-set count, 7 stories merged into
 * A (count), 8 extra tokens of A (count), 9 count-field count, then those story ids, then the count fields.
 * The count fields are those the put script added for A (`countFields`, per-topic ones included), each taken
 * off only while above 0: a story stored before per-topic counting has none of its `topic:<id>|…` fields, and
 * taking one off there may take another story's (docs/api.md#counts).
 */
export const MERGE_STORY_LUA = `
if redis.call('EXISTS', KEYS[2]) == 1 then return {'merged', redis.call('GET', KEYS[2])} end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing', ARGV[1]} end
if redis.call('EXISTS', KEYS[3]) == 1 then return {'into-merged', redis.call('GET', KEYS[3])} end
if redis.call('EXISTS', KEYS[4]) == 0 then return {'into-missing', ARGV[2]} end
local ttl = tonumber(ARGV[3])
local m = tonumber(ARGV[7])
local f = tonumber(ARGV[9])
if redis.call('SCARD', KEYS[9]) ~= m or redis.call('SCARD', KEYS[11]) ~= tonumber(ARGV[8]) then return {'retry'} end
for i = 1, m do
  if redis.call('SISMEMBER', KEYS[9], ARGV[9 + i]) == 0 then return {'retry'} end
end
local record = redis.call('GET', KEYS[1])
redis.call('RPUSH', KEYS[6], ARGV[4])
local dups = redis.call('LRANGE', KEYS[5], 0, -1)
for i = 1, #dups do redis.call('RPUSH', KEYS[6], dups[i]) end
redis.call('LTRIM', KEYS[6], -${MAX_STORY_ITEMS}, -1)
redis.call('EXPIRE', KEYS[6], ttl)
redis.call('HSET', KEYS[8], ARGV[1], record)
local items = redis.call('HGETALL', KEYS[7])
for i = 1, #items, 2 do redis.call('HSET', KEYS[8], items[i], items[i + 1]) end
redis.call('EXPIRE', KEYS[8], ttl)
redis.call('DEL', KEYS[1], KEYS[5], KEYS[7], KEYS[11], KEYS[9])
redis.call('SET', KEYS[2], ARGV[2], 'EX', ttl)
redis.call('SADD', KEYS[10], ARGV[1])
local aliases = 13 + tonumber(ARGV[5]) + tonumber(ARGV[6])
for i = 1, m do
  redis.call('SET', KEYS[aliases + i], ARGV[2], 'EX', ttl)
  redis.call('SADD', KEYS[10], ARGV[9 + i])
end
redis.call('EXPIRE', KEYS[10], ttl)
redis.call('ZREM', KEYS[12], ARGV[1])
for j = 14, aliases do redis.call('ZREM', KEYS[j], ARGV[1]) end
if f > 0 and redis.call('EXISTS', KEYS[13]) == 1 then
  for i = 10 + m, 9 + m + f do
    if tonumber(redis.call('HGET', KEYS[13], ARGV[i]) or '0') > 0 then
      redis.call('HINCRBY', KEYS[13], ARGV[i], -1)
    end
  end
end
return {'ok', tostring(#dups + 1)}
`;

/**
 * KEYS: 1 record S, 2 mergedInto S, 3 duplicates S, 4 items S, 5 record X, 6 mergedInto X, 7 mergedFrom S,
 * 8 item seen X, 9 time index, 10 stream:all, 11 counts hour of X, then (stream:<topic>, cand:<topic>) per
 * streamed topic of X, then X's index sets.
 * ARGV: 1 S, 2 X, 3 ttl s, 4 stream MAXLEN, 5 oldest digest time kept (ms), 6 X's item JSON as read, 7 X's
 * duplicate entry as read ('' none), 8 the new record JSON, 9 digest time ms, 10 relevant 1|0, 11 topic count,
 * 12 index-set count, 13 count-field count, 14 counts PEXPIREAT ms, then the count fields.
 */
export const SPLIT_STORY_LUA = `
if redis.call('EXISTS', KEYS[2]) == 1 then return {'merged', redis.call('GET', KEYS[2])} end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing', ARGV[1]} end
if redis.call('HGET', KEYS[4], ARGV[2]) ~= ARGV[6] then return {'retry'} end
if redis.call('EXISTS', KEYS[5]) == 1 then return {'exists', ARGV[2]} end
local alias = redis.call('GET', KEYS[6])
if alias and alias ~= ARGV[1] then return {'exists', ARGV[2]} end
if alias then
  redis.call('DEL', KEYS[6])
  redis.call('SREM', KEYS[7], ARGV[2])
end
local ttl = tonumber(ARGV[3])
local horizon = '(' .. ARGV[5]
local topics = tonumber(ARGV[11])
local sets = tonumber(ARGV[12])
local f = tonumber(ARGV[13])
redis.call('HDEL', KEYS[4], ARGV[2])
if ARGV[7] ~= '' then redis.call('LREM', KEYS[3], 1, ARGV[7]) end
redis.call('SET', KEYS[5], ARGV[8], 'EX', ttl)
redis.call('SET', KEYS[8], ARGV[2], 'EX', ttl)
redis.call('ZADD', KEYS[9], ARGV[9], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[9], '-inf', horizon)
for j = 12 + 2 * topics, 11 + 2 * topics + sets do
  redis.call('ZADD', KEYS[j], ARGV[9], ARGV[2])
  redis.call('ZREMRANGEBYSCORE', KEYS[j], '-inf', horizon)
  redis.call('EXPIRE', KEYS[j], ttl)
end
if ARGV[10] == '1' then
  redis.call('XADD', KEYS[10], 'MAXLEN', '~', ARGV[4], '*', 'record', ARGV[8])
  for j = 12, 10 + 2 * topics, 2 do
    redis.call('XADD', KEYS[j], 'MAXLEN', '~', ARGV[4], '*', 'record', ARGV[8])
    redis.call('ZADD', KEYS[j + 1], ARGV[9], ARGV[2])
    redis.call('ZREMRANGEBYSCORE', KEYS[j + 1], '-inf', horizon)
  end
  if f > 0 then
    for i = 15, 14 + f do redis.call('HINCRBY', KEYS[11], ARGV[i], 1) end
    redis.call('PEXPIREAT', KEYS[11], ARGV[14])
  end
end
return {'ok'}
`;

/**
 * KEYS: 1 time index, 2 extra tokens of the story, then the token sets. ARGV: 1 story id, 2 ttl s, 3 oldest
 * digest time kept (ms), then the tokens. Returns the number of sets written, -1 when the story is not in the
 * time index (unknown, merged or past the retention window).
 */
export const INDEX_TEXT_LUA = `
local t = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not t then return -1 end
local horizon = '(' .. ARGV[3]
for j = 3, #KEYS do
  redis.call('ZADD', KEYS[j], t, ARGV[1])
  redis.call('ZREMRANGEBYSCORE', KEYS[j], '-inf', horizon)
  redis.call('EXPIRE', KEYS[j], ARGV[2])
end
for i = 4, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
if #ARGV >= 4 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
return #KEYS - 2
`;

export interface MergeResult {
  storyId: string;
  into: string;
  /** Item ids that became duplicates of `into`: the merged story's own item, then its duplicates. */
  moved: string[];
  /** Both stories (with duplicates) before the merge. */
  before: { story: DigestRecord; into: DigestRecord };
  /** The target with its duplicates after the merge. */
  after: DigestRecord;
}

export interface SplitResult {
  storyId: string;
  itemId: string;
  /** The new story's id (the item's id). */
  newStoryId: string;
  /** The story before and after, with duplicates. */
  before: DigestRecord;
  after: DigestRecord;
  /** The new story's record. */
  record: DigestRecord;
}

export interface StoryEditStore {
  /** Merges story `storyId` into `into`. NOT_FOUND: either story unknown; STORY_CONFLICT: merged already, same. */
  merge(storyId: string, into: string): Promise<MergeResult>;
  /** Splits item `itemId` out of story `storyId` into a new story. NOT_FOUND, STORY_CONFLICT as fits. */
  split(storyId: string, itemId: string): Promise<SplitResult>;
  /**
   * Adds a text's tokens to the full-text index of a story (editors' titleZh/summaryZh); returns how many new
   * tokens it added. NOT_FOUND when the story is not in the time index (unknown, merged, past retention).
   */
  indexText(storyId: string, text: string): Promise<number>;
}

export interface RedisStoryEditOptions {
  redis: Redis;
  prefix: string;
  recordDays: number;
  streamMaxLen: number;
  now?: () => number;
}

/** Rounds a script is re-run after a set it was given changed meanwhile. */
const ROUNDS = 5;

type Script = (numKeys: number, ...args: (string | number)[]) => Promise<unknown>;

export function createRedisStoryEdits(opts: RedisStoryEditOptions): StoryEditStore {
  const { redis } = opts;
  const keys = redisKeys(opts.prefix);
  const now = opts.now ?? Date.now;
  const ttl = Math.round(opts.recordDays * 86_400);
  const script = (name: string, lua: string): Script => {
    redis.defineCommand(name, { lua });
    return (redis as unknown as Record<string, Script>)[name]!.bind(redis);
  };
  const mergeScript = script('geointelMergeStory', MERGE_STORY_LUA);
  const splitScript = script('geointelSplitStory', SPLIT_STORY_LUA);
  const indexScript = script('geointelIndexText', INDEX_TEXT_LUA);

  /** A story's record with its duplicates appended, or null. */
  async function withDuplicates(storyId: string): Promise<DigestRecord | null> {
    const res = await redis
      .multi()
      .get(keys.storyRecord(storyId))
      .lrange(keys.storyDuplicates(storyId), 0, -1)
      .exec();
    const err = res?.find(([e]) => e)?.[0];
    if (!res || err) throw err ?? new Error('transaction aborted');
    const json = res[0]?.[1];
    const dups = (res[1]?.[1] ?? []) as string[];
    if (typeof json !== 'string') return null;
    const r = JSON.parse(json) as DigestRecord;
    return { ...r, duplicates: [...r.duplicates, ...dups.map((d) => JSON.parse(d) as DuplicateRef)] };
  }

  function refuse(answer: string[], storyId: string, into?: string): never {
    const [code, arg] = answer;
    if (code === 'missing') throw new GeoError('NOT_FOUND', 'no such story');
    if (code === 'into-missing') throw new GeoError('NOT_FOUND', 'no such story to merge into');
    if (code === 'merged')
      throw new GeoError('STORY_CONFLICT', `story ${storyId} was merged into ${arg}`, {
        details: { mergedInto: arg },
      });
    if (code === 'into-merged')
      throw new GeoError('STORY_CONFLICT', `story ${into} was merged into ${arg}: merge into ${arg}`, {
        details: { mergedInto: arg },
      });
    if (code === 'exists') throw new GeoError('STORY_CONFLICT', `a story ${arg} exists already`);
    if (code === 'retry') throw new GeoError('STORY_CONFLICT', 'the story kept changing; retry');
    throw new GeoError('INTERNAL', `unexpected answer ${code}`);
  }

  return {
    async merge(storyId, into) {
      if (storyId === into) throw new GeoError('STORY_CONFLICT', 'a story cannot be merged into itself');
      for (let round = 0; ; round++) {
        const [story, target, from, extra] = await Promise.all([
          withDuplicates(storyId),
          withDuplicates(into),
          redis.smembers(keys.storyMergedFrom(storyId)),
          redis.smembers(keys.storyExtraTokens(storyId)),
        ]);
        const r = story;
        const topics = r ? streamTopics(r) : [];
        const sets = r
          ? [...new Set([...indexSetKeys(keys, r), ...extra.map((t) => keys.textToken(t))])]
          : [];
        const bucket = r ? countBucket(digestTime(r), now()) : null;
        const fields = r && bucket ? countFields(r) : [];
        const keyList = [
          keys.storyRecord(storyId),
          keys.storyMergedInto(storyId),
          keys.storyMergedInto(into),
          keys.storyRecord(into),
          keys.storyDuplicates(storyId),
          keys.storyDuplicates(into),
          keys.storyItems(storyId),
          keys.storyItems(into),
          keys.storyMergedFrom(storyId),
          keys.storyMergedFrom(into),
          keys.storyExtraTokens(storyId),
          keys.storyTimes(),
          keys.countsHour(bucket?.hour ?? 0),
          ...topics.map((t) => keys.candidates(t)),
          ...sets,
          ...from.map((id) => keys.storyMergedInto(id)),
        ];
        const args = [
          storyId,
          into,
          ttl,
          JSON.stringify(r ? duplicateRef(r) : { id: storyId, sourceId: '' }),
          topics.length,
          sets.length,
          from.length,
          extra.length,
          fields.length,
          ...from,
          ...fields,
        ];
        const answer = (await mergeScript(keyList.length, ...keyList, ...args)) as string[];
        if (answer[0] === 'retry' && round < ROUNDS - 1) continue;
        if (answer[0] !== 'ok' || !r || !target) refuse(answer, storyId, into);
        const after = await withDuplicates(into);
        return {
          storyId,
          into,
          moved: [r.id, ...r.duplicates.map((d) => d.id)],
          before: { story: r, into: target },
          after: after ?? target,
        };
      }
    },

    async split(storyId, itemId) {
      for (let round = 0; ; round++) {
        const [story, itemJson] = await Promise.all([
          withDuplicates(storyId),
          redis.hget(keys.storyItems(storyId), itemId),
        ]);
        if (story && !itemJson) {
          if (story.id === itemId)
            throw new GeoError(
              'STORY_CONFLICT',
              "the story's own item cannot be split out of it (split the others out, or merge)",
            );
          if (story.duplicates.some((d) => d.id === itemId))
            throw new GeoError(
              'STORY_CONFLICT',
              'the item was stored before full item records were kept (or past the story’s 500): it cannot be split',
            );
          throw new GeoError('NOT_FOUND', 'no such item in the story');
        }
        const dupEntries = await redis.lrange(keys.storyDuplicates(storyId), 0, -1);
        const entry = dupEntries.find((e) => (JSON.parse(e) as DuplicateRef).id === itemId) ?? '';
        const item = itemJson ? (JSON.parse(itemJson) as DigestRecord) : null;
        const record: DigestRecord | null = item
          ? { ...item, storyId: itemId, canonicalId: itemId, duplicates: [] }
          : null;
        const t = now();
        const time = record ? digestTime(record) : 0;
        const topics = record ? streamTopics(record) : [];
        const sets = record ? indexSetKeys(keys, record) : [];
        const bucket = record ? countBucket(time, t) : null;
        const fields = record && bucket ? countFields(record) : [];
        const keyList = [
          keys.storyRecord(storyId),
          keys.storyMergedInto(storyId),
          keys.storyDuplicates(storyId),
          keys.storyItems(storyId),
          keys.storyRecord(itemId),
          keys.storyMergedInto(itemId),
          keys.storyMergedFrom(storyId),
          keys.itemSeen(itemId),
          keys.storyTimes(),
          keys.stream('all'),
          keys.countsHour(bucket?.hour ?? 0),
          ...topics.flatMap((topic) => [keys.stream(topic), keys.candidates(topic)]),
          ...sets,
        ];
        const args = [
          storyId,
          itemId,
          ttl,
          opts.streamMaxLen,
          t - opts.recordDays * 86_400_000,
          itemJson ?? '',
          entry,
          JSON.stringify(record),
          time,
          record?.relevant ? 1 : 0,
          topics.length,
          sets.length,
          fields.length,
          bucket?.expireAtMs ?? 0,
          ...fields,
        ];
        const answer = (await splitScript(keyList.length, ...keyList, ...args)) as string[];
        if (answer[0] === 'retry' && round < ROUNDS - 1) continue;
        if (answer[0] !== 'ok' || !story || !record) refuse(answer, storyId);
        const after = await withDuplicates(storyId);
        return { storyId, itemId, newStoryId: itemId, before: story, after: after ?? story, record };
      }
    },

    async indexText(storyId, text) {
      const json = await redis.get(keys.storyRecord(storyId));
      if (!json) throw new GeoError('NOT_FOUND', 'no such story');
      const own = new Set(recordTokens(JSON.parse(json) as DigestRecord));
      const tokens = textTokens(text).filter((t) => !own.has(t));
      const keyList = [
        keys.storyTimes(),
        keys.storyExtraTokens(storyId),
        ...tokens.map((t) => keys.textToken(t)),
      ];
      const n = (await indexScript(
        keyList.length,
        ...keyList,
        storyId,
        ttl,
        now() - opts.recordDays * 86_400_000,
        ...tokens,
      )) as number;
      if (n < 0) throw new GeoError('NOT_FOUND', 'the story is not in the index (merged or past retention)');
      return n;
    },
  };
}
