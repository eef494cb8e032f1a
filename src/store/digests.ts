/**
 * One digest per date, on Redis and in memory. Creating the digest and queueing it for delivery are one
 * atomic step (SET NX + XADD in one script), so a digest job that runs twice — a retry, a stalled job, two
 * schedulers — stores one digest and delivers it once.
 */
import type { Redis } from 'ioredis';
import { redisKeys } from './keys.js';
import type { DigestStore, StoredDigest } from './types.js';

/** KEYS: digest:<date>, outbox. ARGV: digest JSON, date, ttl s. Returns 1 when created, 0 when it existed. */
const PUT_DIGEST_LUA = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', tonumber(ARGV[3])) then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', 1000, '*', 'date', ARGV[2])
  return 1
end
return 0
`;

type PutDigest = (k1: string, k2: string, json: string, date: string, ttl: number) => Promise<number>;

export function createRedisDigestStore(opts: {
  redis: Redis;
  prefix: string;
  keepDays: number;
}): DigestStore {
  const { redis } = opts;
  const keys = redisKeys(opts.prefix);
  redis.defineCommand('geointelPutDigest', { numberOfKeys: 2, lua: PUT_DIGEST_LUA });
  const put = (redis as unknown as { geointelPutDigest: PutDigest }).geointelPutDigest.bind(redis);
  return {
    async putIfAbsent(d) {
      const created = await put(
        keys.digest(d.date),
        keys.digestOutbox(),
        JSON.stringify(d),
        d.date,
        opts.keepDays * 86_400,
      );
      return created === 1;
    },
    async get(date) {
      const raw = await redis.get(keys.digest(date));
      return raw ? (JSON.parse(raw) as StoredDigest) : null;
    },
  };
}

export function createMemoryDigestStore(): DigestStore & { outbox: string[] } {
  const digests = new Map<string, StoredDigest>();
  const outbox: string[] = [];
  return {
    outbox,
    async putIfAbsent(d) {
      if (digests.has(d.date)) return false;
      digests.set(d.date, d);
      outbox.push(d.date);
      return true;
    },
    async get(date) {
      return digests.get(date) ?? null;
    },
  };
}
