import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import {
  abortedWait,
  type HostLimiter,
  type HostLimiterOptions,
  type ReleaseFn,
} from '../fetch/host-limiter.js';

/**
 * Atomic slot grab. KEYS[1]: sorted set of holders (member = token, score = lease expiry, ms);
 * KEYS[2]: earliest next start (ms). ARGV: token, concurrency, minDelayMs, leaseMs.
 * Returns {1, 0} when the slot is taken, else {0, suggested wait in ms}. Uses the Redis clock (TIME) so
 * that processes with skewed clocks agree; expired leases (a worker killed mid-fetch) are dropped first.
 */
const ACQUIRE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(first[2]) - now}
end
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < nxt then return {0, nxt - now} end
local lease = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease)
local delay = tonumber(ARGV[3])
if delay > 0 then redis.call('SET', KEYS[2], now + delay, 'PX', delay) end
return {1, 0}
`;

/** Options of the Redis limiter. */
export interface RedisHostLimiterOptions extends HostLimiterOptions {
  /** A connected ioredis client (or Cluster); not closed by the limiter. */
  redis: Redis | Cluster;
  /** Key prefix, e.g. `geointel`; keys are `<prefix>:limiter:{<host>}:active|next` (hash tag per host). */
  prefix: string;
  /** How long a slot is held at most if its holder dies without releasing, ms. @defaultValue 120000 */
  leaseMs?: number;
  /** Longest sleep between attempts while every slot is taken, ms. @defaultValue 50 */
  pollMs?: number;
}

type AcquireCommand = (k1: string, k2: string, ...args: (string | number)[]) => Promise<[number, number]>;

/**
 * Cross-process limiter on Redis: the same contract as the in-process one, enforced by one Lua script per
 * attempt. Waiters poll (no FIFO guarantee across processes); a lease bounds how long a crashed holder
 * can block a host. Both keys of a host share the hash tag `{<host>}` so the script is Cluster-safe.
 */
export function createRedisHostLimiter(opts: RedisHostLimiterOptions): HostLimiter {
  const leaseMs = opts.leaseMs ?? 120_000;
  const pollMs = opts.pollMs ?? 50;
  const redis = opts.redis;
  const commandName = 'geointelHostAcquire';
  const commands = redis as unknown as Record<string, AcquireCommand | undefined>;
  if (typeof commands[commandName] !== 'function')
    redis.defineCommand(commandName, { numberOfKeys: 2, lua: ACQUIRE_LUA });
  const acquireCmd = (k1: string, k2: string, ...args: (string | number)[]) =>
    (commands[commandName] as AcquireCommand).call(redis, k1, k2, ...args);

  const keys = (host: string): [string, string] => {
    const base = `${opts.prefix}:limiter:{${host.toLowerCase()}}`;
    return [`${base}:active`, `${base}:next`];
  };

  return {
    async acquire(host, signal) {
      const [active, next] = keys(host);
      const token = randomUUID();
      for (;;) {
        if (signal?.aborted) throw abortedWait(host, signal);
        const [ok, waitMs] = await acquireCmd(
          active,
          next,
          token,
          Math.max(1, opts.concurrency),
          opts.minDelayMs,
          leaseMs,
        );
        if (ok === 1) {
          let released = false;
          const release: ReleaseFn = () => {
            if (released) return;
            released = true;
            redis.zrem(active, token).catch(() => undefined);
          };
          return release;
        }
        const sleep = Math.max(1, Math.min(waitMs, pollMs)) + Math.floor(Math.random() * 5);
        await delay(sleep, signal);
      }
    },
  };
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
