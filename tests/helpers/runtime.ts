/**
 * Starting the running system in a test: a unique key prefix on the given Redis, short BullMQ timings (said
 * here: lock 1 s, stalled check 0.5 s, drain 1 s, so kill-and-recover tests finish in seconds), and helpers
 * to drive fetches by hand and wait for the queues to drain.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { whenReady } from '../../src/api/redis-ready.js';
import { type Config, loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { ROLES } from '../../src/runtime/queues.js';
import { connect } from '../../src/runtime/redis.js';
import { openRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime/runtime.js';
import { createRedisTokenStore, type TokenRole, type TokenStore } from '../../src/store/tokens.js';
import { ROOT } from './cli.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const SHORT_TIMINGS = {
  lockDuration: 1_000,
  stalledInterval: 500,
  drainDelay: 1,
  leaseMs: 1_500,
  closeTimeoutMs: 3_000,
};

export function baseConfig(): Config {
  return loadConfig({ dir: join(ROOT, 'config'), env: {} });
}

/** The config with its own key prefix (every integration test has its own). */
export function withPrefix(config: Config, prefix = `t-${randomUUID().slice(0, 8)}`): Config {
  return { ...config, app: { ...config.app, redis: { ...config.app.redis, prefix } } };
}

export async function startRuntime(
  config: Config,
  opts: Partial<RuntimeOptions> & { url?: string } = {},
): Promise<Runtime> {
  return openRuntime({
    config,
    log: createLogger({ level: process.env.TEST_LOG ?? 'silent' }),
    redis: { url: opts.url ?? REDIS_URL },
    roles: ROLES,
    lead: false,
    metricsPort: null,
    timings: SHORT_TIMINGS,
    ...opts,
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until no fetch or process job is waiting, active or delayed. */
export async function drained(runtime: Runtime, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const counts = await Promise.all(
      [runtime.queues.fetch, runtime.queues.process, runtime.queues.article].map((q) =>
        q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children'),
      ),
    );
    if (counts.every((c) => Object.values(c).every((n) => n === 0))) return;
    if (Date.now() > until)
      throw new Error(`queues not drained after ${timeoutMs} ms: ${JSON.stringify(counts)}`);
    await sleep(50);
  }
}

/** Adds one fetch job per source id (unique job ids) and waits for everything to drain. */
export async function fetchNow(runtime: Runtime, sourceIds: readonly string[]): Promise<void> {
  await runtime.queues.fetch.addBulk(
    sourceIds.map((sourceId) => ({
      name: 'fetch',
      data: { sourceId },
      opts: { jobId: `manual-${sourceId}-${randomUUID()}` },
    })),
  );
  await drained(runtime);
}

/** Deletes every key under the runtime's prefix. */
export async function cleanup(runtime: Runtime): Promise<void> {
  const r = runtime.redis;
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${runtime.keys.prefix}:*`, 'COUNT', 1000);
    if (keys.length) await r.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/**
 * What an API test needs beside the runtime: a producer connection to its Redis (answering), the token store, and
 * one token per role, named `<label>-<role>`, written into `token`.
 */
export async function apiAccess(
  runtime: Runtime,
  label: string,
  token: Record<TokenRole, string>,
): Promise<{ redis: Redis; tokens: TokenStore }> {
  const redis = connect(
    runtime.redisTarget,
    'producer',
    createLogger({ level: process.env.TEST_LOG ?? 'silent' }),
  );
  if (!(await whenReady(redis, 5_000))) throw new Error('Redis did not answer');
  const tokens = createRedisTokenStore({ redis, prefix: runtime.keys.prefix });
  for (const role of ['viewer', 'editor', 'admin'] as const)
    token[role] = (await tokens.create(`${label}-${role}`, role)).token;
  return { redis, tokens };
}
