/**
 * Redis connections and the startup guard. Workers wait for Redis forever (`maxRetriesPerRequest: null`, as
 * BullMQ requires); producers and API reads fail fast (`enableOfflineQueue: false`) so a caller gets an error
 * instead of a hang while Redis is away. Every client has an `error` listener (no "Unhandled error event").
 */
import { Redis, type RedisOptions } from 'ioredis';
import { GeoError } from '../errors.js';
import type { Logger } from '../log.js';

/** Where Redis is: a URL (`redis://`, `rediss://`) or a unix socket path (the embedded server). */
export type RedisTarget = { url: string } | { path: string };

export type ConnectionRole = 'worker' | 'producer';

export function describeTarget(t: RedisTarget): string {
  return 'url' in t ? t.url.replace(/\/\/[^@/]*@/, '//***@') : `unix:${t.path}`;
}

/** ioredis options for a role; reconnects back off from 200 ms to 5 s. */
export function redisOptions(target: RedisTarget, role: ConnectionRole): RedisOptions {
  const base: RedisOptions = {
    ...('path' in target ? { path: target.path } : {}),
    retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 5), 5_000),
    lazyConnect: false,
  };
  return role === 'worker'
    ? { ...base, maxRetriesPerRequest: null, enableOfflineQueue: true }
    : { ...base, maxRetriesPerRequest: 1, enableOfflineQueue: false };
}

export function connect(target: RedisTarget, role: ConnectionRole, log: Logger): Redis {
  const opts = redisOptions(target, role);
  const client = 'url' in target ? new Redis(target.url, opts) : new Redis(opts);
  let last = '';
  client.on('error', (err: Error) => {
    // One line per distinct error while Redis is away, not one per reconnect attempt.
    if (err.message !== last) log.warn({ err: err.message, role }, 'redis connection error');
    last = err.message;
  });
  client.on('ready', () => {
    last = '';
  });
  return client;
}

/** Settings the production profile insists on (BullMQ: noeviction; reliability notes: AOF for durability). */
export async function checkRedisSettings(
  client: Redis,
  profile: 'production' | 'development',
  log: Logger,
): Promise<string[]> {
  const problems: string[] = [];
  try {
    const [, policy] = (await client.config('GET', 'maxmemory-policy')) as string[];
    const [, aof] = (await client.config('GET', 'appendonly')) as string[];
    if (policy && policy !== 'noeviction')
      problems.push(`maxmemory-policy is "${policy}"; it must be "noeviction" (evicted keys lose jobs)`);
    if (aof && aof !== 'yes')
      problems.push(
        'appendonly is "no"; it must be "yes" (without AOF a Redis restart loses acknowledged work)',
      );
  } catch (err) {
    // Managed Redis often forbids CONFIG: trust the operator, say so once.
    log.warn({ err: (err as Error).message }, 'cannot read Redis settings (CONFIG GET refused); not checked');
    return [];
  }
  if (problems.length === 0) return [];
  if (profile === 'production')
    throw new GeoError(
      'REDIS_MISCONFIGURED',
      `Redis refused for the production profile: ${problems.join('; ')}`,
    );
  for (const p of problems)
    log.warn({ setting: p }, 'Redis setting unsafe for production (development profile)');
  return problems;
}
