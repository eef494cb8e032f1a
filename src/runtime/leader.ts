/**
 * One leader at a time (a lease in Redis renewed while alive): it publishes the registry the cluster runs,
 * reconciles the job schedulers and owns the daily digest schedule. Any process may lead; when the leader
 * dies its lease runs out and another takes over within one lease.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SourceEntry } from '../config/sources-schema.js';
import type { Logger } from '../log.js';
import type { RedisKeys } from '../store/keys.js';

/** KEYS: leader. ARGV: token, lease ms. Takes or renews the lease; returns 1 when this token holds it. */
const LEASE_LUA = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
  return 1
end
return 0
`;

/** KEYS: leader. ARGV: token. Gives the lease up only if this token holds it. */
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export function registryHash(sources: readonly SourceEntry[]): string {
  return createHash('sha256').update(JSON.stringify(sources)).digest('hex').slice(0, 16);
}

/** The registry stored in Redis (what the cluster runs), or null. */
export async function storedRegistry(
  redis: Redis,
  keys: RedisKeys,
): Promise<{ hash: string; sources: SourceEntry[] } | null> {
  const [hash, json] = await redis.hmget(keys.registry(), 'hash', 'json');
  return hash && json ? { hash, sources: JSON.parse(json) as SourceEntry[] } : null;
}

export async function publishRegistry(
  redis: Redis,
  keys: RedisKeys,
  sources: readonly SourceEntry[],
): Promise<string> {
  const hash = registryHash(sources);
  await redis.hset(keys.registry(), {
    hash,
    json: JSON.stringify(sources),
    publishedAt: new Date().toISOString(),
  });
  return hash;
}

export interface Leadership {
  readonly isLeader: boolean;
  /** Runs one lease round now (take or renew); resolves to whether this process leads. */
  tick(): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * Campaigns every `leaseMs / 3`. `onTick` runs on the leader after each successful round (reconcile, flush
 * detection); errors in it are logged, never fatal.
 */
export function startLeadership(opts: {
  redis: Redis;
  keys: RedisKeys;
  leaseMs: number;
  log: Logger;
  onTick: () => Promise<void>;
}): Leadership {
  const token = randomUUID();
  let leader = false;
  let stopped = false;
  let running: Promise<boolean> | null = null;
  const lease = () =>
    opts.redis.eval(LEASE_LUA, 1, opts.keys.leader(), token, opts.leaseMs) as Promise<number>;
  async function round(): Promise<boolean> {
    try {
      const held = (await lease()) === 1;
      if (held !== leader) opts.log.info({ leader: held }, held ? 'leading' : 'no longer leading');
      leader = held;
      if (held && !stopped) await opts.onTick();
    } catch (err) {
      opts.log.warn({ err: (err as Error).message }, 'leader round failed');
    }
    return leader;
  }
  const tick = () => {
    running ??= round().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => void tick(), Math.max(50, Math.floor(opts.leaseMs / 3)));
  timer.unref();
  void tick();
  return {
    get isLeader() {
      return leader;
    },
    tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
      if (leader) await opts.redis.eval(RELEASE_LUA, 1, opts.keys.leader(), token).catch(() => undefined);
      leader = false;
    },
  };
}
