/**
 * Queue reliability helpers: `geointel worker` children with the short timings of the in-process tests
 * (`SHORT_TIMINGS`: lock 1 s, stalled check 0.5 s, drain 1 s, lease 1.5 s — passed as GEOINTEL_QUEUE_*
 * variables), reading BullMQ's own records of what happened (event stream, job hashes), and polling with a
 * deadline. Everything here observes the system from outside; none of it changes what the workers do.
 */
import { randomUUID } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../../src/config/load.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { sourceEntries, type TestSource } from './feeds.js';
import { type Proc, spawnGeointel } from './processes.js';
import { baseConfig, SHORT_TIMINGS } from './runtime.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns a truthy value; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T> | T,
  timeoutMs: number,
  everyMs = 50,
): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
    await sleep(everyMs);
  }
}

/** The GEOINTEL_QUEUE_* variables of SHORT_TIMINGS (lock 1 s, stalled 0.5 s, drain 1 s, lease 1.5 s). */
export const SHORT_TIMING_ENV: Record<string, string> = {
  GEOINTEL_QUEUE_LOCK_DURATION_MS: String(SHORT_TIMINGS.lockDuration),
  GEOINTEL_QUEUE_STALLED_INTERVAL_MS: String(SHORT_TIMINGS.stalledInterval),
  GEOINTEL_QUEUE_DRAIN_DELAY_SECONDS: String(SHORT_TIMINGS.drainDelay),
  GEOINTEL_QUEUE_LEADER_LEASE_MS: String(SHORT_TIMINGS.leaseMs),
  GEOINTEL_QUEUE_CLOSE_TIMEOUT_MS: String(SHORT_TIMINGS.closeTimeoutMs),
};

/**
 * Environment of a `geointel worker` child: its Redis, key prefix and config folder, the loopback feed
 * server allow-listed, no per-host politeness delay (every test feed is on 127.0.0.1) and no robots.txt.
 */
export function workerEnv(opts: {
  redisUrl: string;
  prefix: string;
  configDir: string;
  short?: boolean;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    REDIS_URL: opts.redisUrl,
    GEOINTEL_PREFIX: opts.prefix,
    GEOINTEL_CONFIG_DIR: opts.configDir,
    GEOINTEL_PROFILE: 'development',
    GEOINTEL_FETCH_ALLOW_PRIVATE: '127.0.0.1/32',
    GEOINTEL_FETCH_PER_HOST_DELAY_MS: '0',
    GEOINTEL_FETCH_PER_HOST_CONCURRENCY: '64',
    GEOINTEL_FETCH_ROBOTS: 'false',
    METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    ...(opts.short === false ? {} : SHORT_TIMING_ENV),
    ...opts.extra,
  };
}

/** Spawns `geointel worker --role <roles>` and waits for its "worker started" line. */
export async function startWorker(
  roles: string,
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<Proc> {
  const proc = spawnGeointel(['worker', '--role', roles], env);
  const started = proc.waitForLog((l) => l.msg === 'worker started', timeoutMs);
  const exited = proc.exited.then((e) => {
    throw new Error(`worker exited before it started: ${JSON.stringify(e)}; logs: ${tail(proc)}`);
  });
  await Promise.race([started, exited]);
  return proc;
}

export const tail = (p: Proc, n = 15) =>
  p.logs
    .slice(-n)
    .map((l) => JSON.stringify(l))
    .join('\n');

/** SIGKILLs a child and waits for it to be gone. */
export async function kill9(p: Proc): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await p.exited;
}

/** Entries of a queue's BullMQ event stream (`<prefix>:<queue>:events`) with the given event name. */
export async function queueEvents(redis: Redis, prefix: string, queue: string, event: string) {
  const entries = await redis.xrange(`${prefix}:${queue}:events`, '-', '+');
  return entries
    .map(([id, f]) => {
      const o: Record<string, string> = { id };
      for (let i = 0; i + 1 < f.length; i += 2) o[f[i]!] = f[i + 1]!;
      return o;
    })
    .filter((e) => e.event === event);
}

/** Every job of a queue in any state. */
export async function allJobs(queue: Queue): Promise<Job[]> {
  return queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed', 'prioritized'], 0, -1);
}

export interface Counts {
  waiting: number;
  active: number;
  delayed: number;
  prioritized: number;
  completed: number;
  failed: number;
}

/** Job counts of the states that matter here. */
export async function counts(queue: Queue): Promise<Counts> {
  const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed');
  const n = (k: string) => c[k] ?? 0;
  return {
    waiting: n('waiting'),
    active: n('active'),
    delayed: n('delayed'),
    prioritized: n('prioritized'),
    completed: n('completed'),
    failed: n('failed'),
  };
}

/** Resolves when no job of the queues is waiting, active or delayed. */
export async function settled(queues: readonly Queue[], timeoutMs: number): Promise<void> {
  await waitFor(
    `queues ${queues.map((q) => q.name).join(', ')} to settle`,
    async () => {
      for (const q of queues) {
        const c = await counts(q);
        if (c.waiting + c.active + c.delayed + c.prioritized > 0) return false;
      }
      return true;
    },
    timeoutMs,
  );
}

/** Stream entries of a runtime's `stream:<topic>`, all of them. */
export async function streamRecords(runtime: Runtime, topic = 'all') {
  const out = [];
  let after = '0';
  for (;;) {
    const page = await runtime.stores.records.readStream(topic, after, 1000);
    out.push(...page);
    if (page.length < 1000) return out;
    after = page[page.length - 1]!.id;
  }
}

/** Every stored story record (`<prefix>:rec:story:*`), with its duplicates. */
export async function storedStories(runtime: Runtime) {
  const ids: string[] = [];
  const match = runtime.keys.storyRecord('*');
  let cursor = '0';
  do {
    const [next, keys] = await runtime.redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    ids.push(...keys.map((k) => k.slice(match.length - 1)));
    cursor = next;
  } while (cursor !== '0');
  const records = await Promise.all(ids.map((id) => runtime.stores.records.story(id)));
  return records.filter((r) => r !== null);
}

/** Elapsed milliseconds since `t0`, for the durations the tests report. */
export const since = (t0: number) => Date.now() - t0;

/**
 * The repository config with `sources` as the registry, a unique key prefix, the loopback feed server
 * allow-listed, no per-host delay and no robots.txt (the in-process twin of {@link workerEnv}).
 */
export function testConfig(
  sources: readonly TestSource[],
  prefix: string,
  fetch: Partial<Config['app']['fetch']> = {},
): Config {
  const base = baseConfig();
  return {
    ...base,
    sources: sourceEntries(sources),
    app: {
      ...base.app,
      redis: { ...base.app.redis, prefix },
      fetch: {
        ...base.app.fetch,
        allowPrivate: ['127.0.0.1/32'],
        perHostDelayMs: 0,
        perHostConcurrency: 64,
        robots: false,
        ...fetch,
      },
    },
  };
}

export const uniquePrefix = (name: string) => `tq-${name}-${randomUUID().slice(0, 8)}`;
