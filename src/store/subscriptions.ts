/**
 * Saved subscriptions (a filter and a webhook receiver) and what became of their deliveries, on Redis.
 *
 * Keys (src/store/keys.ts, docs/redis.md):
 * - `<prefix>:subs`: hash, subscription id → JSON (with its secret: only the deliver worker and the store read
 *   it; the API never answers it after creation);
 * - `<prefix>:sub:<id>:delivered`: sorted set, story id → time of the recorded success (ms), trimmed to the
 *   records' retention (`retention.recordDays`): a story found here is never sent to the subscription again;
 * - `<prefix>:sub:<id>:log`: stream, one entry per attempt (field `e`: JSON), `MAXLEN ~ logMaxLen`.
 *
 * Recording an attempt is one script: it checks the subscription still exists (a delivery finishing after a
 * DELETE leaves nothing behind), and for a success adds the story to the delivered set and the log entry in
 * the same step — a success is either fully recorded or not at all, so "delivered" and the log never disagree.
 */
import type { Redis } from 'ioredis';
import type { SubscriptionFilter } from '../pipeline/subscription-match.js';
import { redisKeys } from './keys.js';

export interface Subscription {
  /** `sub_` + 16 base64url characters. */
  id: string;
  name: string;
  filter: SubscriptionFilter;
  /** The receiver: records are POSTed here. */
  url: string;
  /** Inactive: the fan-out sends it nothing, its queued deliveries are dropped. */
  active: boolean;
  createdAt: string;
  /** The token holder who created it. */
  createdBy: string;
  updatedAt?: string;
  updatedBy?: string;
}

/** A subscription with the secret its deliveries are signed with. */
export interface StoredSubscription extends Subscription {
  secret: string;
}

/** One attempt of one delivery, as logged. */
export interface DeliveryAttempt {
  /** Stream id of the entry (set when read back). */
  id?: string;
  /** ISO-8601 time the attempt ended. */
  at: string;
  /** The stable delivery id (`X-Geointel-Delivery`): the same on every attempt of this subscription × story. */
  deliveryId: string;
  storyId: string;
  /** 1 for the first try; a worker killed mid-delivery makes the next try count again. */
  attempt: number;
  status: 'delivered' | 'failed';
  /** The receiver's HTTP status; null when none came (timeout, refused, network). */
  httpStatus: number | null;
  /** Duration of the attempt, ms. */
  ms: number;
  /** Why it failed (src/errors.ts code: `HTTP_500`, `TIMEOUT`, `SSRF_BLOCKED`…); null on success. */
  errorCode: string | null;
  /** No further attempt follows: a success, a permanent failure or the last allowed attempt. */
  final: boolean;
  /** A success for a story already recorded as delivered (two workers both got a 2xx). */
  repeat?: boolean;
}

export type RecordOutcome = 'recorded' | 'repeat' | 'gone';

export interface SubscriptionStore {
  /** Stores a new subscription; false when the id exists. */
  create(s: StoredSubscription): Promise<boolean>;
  get(id: string): Promise<StoredSubscription | null>;
  /** Every subscription, ordered by creation time. */
  list(): Promise<StoredSubscription[]>;
  /** Replaces a subscription; false when it no longer exists. */
  replace(s: StoredSubscription): Promise<boolean>;
  /** Removes a subscription, its delivered set and its log; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Whether a success was recorded for the story. */
  isDelivered(id: string, storyId: string): Promise<boolean>;
  /** Stories with a recorded success (within the retention). */
  deliveredCount(id: string): Promise<number>;
  /**
   * Logs one attempt; for a success, also records the story as delivered, in the same atomic step. `repeat`:
   * the story was recorded before (logged as such); `gone`: the subscription was deleted (nothing written).
   */
  recordAttempt(subscriptionId: string, attempt: DeliveryAttempt): Promise<RecordOutcome>;
  /** Log entries newest first, before the entry `beforeId` (exclusive) when given. */
  deliveries(id: string, count: number, beforeId?: string): Promise<DeliveryAttempt[]>;
}

/**
 * KEYS: subs hash, delivered zset, log stream. ARGV: subscription id, 'delivered'|'failed', story id, now ms,
 * oldest success kept (ms), log MAXLEN, entry JSON, entry JSON marked as a repeat. Returns 1 recorded,
 * 0 repeat (already delivered), -1 gone.
 */
export const RECORD_ATTEMPT_LUA = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return -1
end
local result = 1
local entry = ARGV[7]
if ARGV[2] == 'delivered' then
  if redis.call('ZSCORE', KEYS[2], ARGV[3]) then
    result = 0
    entry = ARGV[8]
  else
    redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[5])
end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'e', entry)
return result
`;

/** KEYS: subs hash. ARGV: id, JSON. Replaces the field only if it exists. */
const REPLACE_LUA = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

type Script = (...args: Array<string | number>) => Promise<number>;

export interface RedisSubscriptionStoreOptions {
  redis: Redis;
  prefix: string;
  /** Days a recorded success is remembered (the records' retention). @defaultValue 90 */
  keepDays?: number;
  /** Approximate length of each delivery log. @defaultValue 1000 */
  logMaxLen?: number;
  now?: () => number;
}

export function createRedisSubscriptionStore(opts: RedisSubscriptionStoreOptions): SubscriptionStore {
  const { redis } = opts;
  const keys = redisKeys(opts.prefix);
  const keepMs = (opts.keepDays ?? 90) * 86_400_000;
  const logMaxLen = opts.logMaxLen ?? 1_000;
  const now = opts.now ?? Date.now;
  redis.defineCommand('geointelRecordAttempt', { numberOfKeys: 3, lua: RECORD_ATTEMPT_LUA });
  redis.defineCommand('geointelReplaceSubscription', { numberOfKeys: 1, lua: REPLACE_LUA });
  const scripts = redis as unknown as { geointelRecordAttempt: Script; geointelReplaceSubscription: Script };

  const parse = (json: string | null | undefined): StoredSubscription | null =>
    json ? (JSON.parse(json) as StoredSubscription) : null;

  return {
    async create(s) {
      return (await redis.hsetnx(keys.subscriptions(), s.id, JSON.stringify(s))) === 1;
    },
    async get(id) {
      return parse(await redis.hget(keys.subscriptions(), id));
    },
    async list() {
      const all = await redis.hgetall(keys.subscriptions());
      return Object.values(all)
        .map((j) => parse(j)!)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    },
    async replace(s) {
      const r = await scripts.geointelReplaceSubscription.call(
        redis,
        keys.subscriptions(),
        s.id,
        JSON.stringify(s),
      );
      return r === 1;
    },
    async delete(id) {
      const res = await redis
        .multi()
        .hdel(keys.subscriptions(), id)
        .del(keys.subscriptionDelivered(id), keys.subscriptionLog(id))
        .exec();
      const err = res?.find(([e]) => e)?.[0];
      if (err) throw err;
      return res?.[0]?.[1] === 1;
    },
    async isDelivered(id, storyId) {
      return (await redis.zscore(keys.subscriptionDelivered(id), storyId)) !== null;
    },
    async deliveredCount(id) {
      return redis.zcard(keys.subscriptionDelivered(id));
    },
    async recordAttempt(subscriptionId, attempt) {
      const { id: _ignored, repeat: _r, ...entry } = attempt;
      const t = now();
      const r = await scripts.geointelRecordAttempt.call(
        redis,
        keys.subscriptions(),
        keys.subscriptionDelivered(subscriptionId),
        keys.subscriptionLog(subscriptionId),
        subscriptionId,
        entry.status,
        entry.storyId,
        t,
        t - keepMs,
        logMaxLen,
        JSON.stringify(entry),
        JSON.stringify({ ...entry, repeat: true }),
      );
      return r === 1 ? 'recorded' : r === 0 ? 'repeat' : 'gone';
    },
    async deliveries(id, count, beforeId) {
      const end = beforeId ? `(${beforeId}` : '+';
      const rows = (await redis.xrevrange(keys.subscriptionLog(id), end, '-', 'COUNT', count)) as Array<
        [string, string[]]
      >;
      const out: DeliveryAttempt[] = [];
      for (const [sid, fields] of rows) {
        const i = fields.indexOf('e');
        if (i < 0 || fields[i + 1] === undefined) continue;
        out.push({ ...(JSON.parse(fields[i + 1]!) as DeliveryAttempt), id: sid });
      }
      return out;
    },
  };
}
