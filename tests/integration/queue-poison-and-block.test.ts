/**
 * T-Q8 (a poison job that crashes its worker every time ends failed; the others complete) and T-Q9 (a blocked
 * event loop loses the job lock; the real process worker on a 1 000-item document does not), docs/reliability.md
 * §4.2, against `geointel worker` children on a private redis-server.
 *
 * Timings: SHORT_TIMINGS everywhere (lock 1 s, stalled check 0.5 s, drain 1 s; the children get them through
 * GEOINTEL_QUEUE_*), maxStalledCount 1 as the runtime sets it.
 *
 * The poison is a fetch job whose feed request makes the feed server SIGKILL the worker that asked — a real
 * crash of the real worker at the moment it runs that job, every time, with no hook in src/. The worker is
 * respawned after each crash as a supervisor (systemd, Kubernetes) would.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  articleOf,
  type FeedServer,
  planFeeds,
  rssOf,
  startFeedServer,
  tempDir,
  writeConfigDir,
} from '../helpers/feeds.js';
import { type Proc, spawnGeointel } from '../helpers/processes.js';
import {
  allJobs,
  counts,
  kill9,
  queueEvents,
  settled,
  since,
  sleep,
  startWorker,
  streamRecords,
  tail,
  testConfig,
  uniquePrefix,
  waitFor,
  workerEnv,
} from '../helpers/queue.js';
import { type RedisChild, startRedis } from '../helpers/redis-server.js';
import { SHORT_TIMINGS, startRuntime } from '../helpers/runtime.js';

let redis: RedisChild;
let server: FeedServer;
const procs: Proc[] = [];

beforeAll(async () => {
  redis = await startRedis();
  server = await startFeedServer();
});

afterAll(async () => {
  await Promise.all(procs.map((p) => kill9(p)));
  await server?.close();
  await redis?.stop();
});

/** BullMQ options of the runtime's workers under SHORT_TIMINGS (lock 1 s, stalled check 0.5 s). */
const bullOpts = (prefix: string) => ({
  connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null },
  prefix,
  lockDuration: SHORT_TIMINGS.lockDuration,
  stalledInterval: SHORT_TIMINGS.stalledInterval,
  maxStalledCount: 1,
});

/**
 * Another worker of the fleet that only runs BullMQ's stalled check on `queue` (it takes no jobs): any job
 * whose lock runs out while its worker is alive but blocked is moved back to wait by it.
 */
async function stallWatcher(queue: string, prefix: string): Promise<Worker> {
  const w = new Worker(queue, undefined, { ...bullOpts(prefix), autorun: false });
  w.on('error', () => undefined);
  await w.startStalledCheckTimer();
  return w;
}

/** T-Q8: the normal jobs queued beside the poison job (the plan's 50). */
const NORMAL_JOBS = 50;

describe('T-Q8 poison job', () => {
  it('a fetch that crashes its worker on every start fails after maxStalledCount + 1 starts; 50 other jobs complete', async () => {
    const t0 = Date.now();
    const plan = planFeeds({ feeds: NORMAL_JOBS, perFeed: 3, shared: 0, seed: 8 });
    const sources = [...plan.feeds].map(([name, items]) => {
      server.route(`/q8/${name}.xml`, { kind: 'feed', body: rssOf(name, items) });
      return { id: name, url: server.url(`/q8/${name}.xml`), enabled: false };
    });
    sources.push({ id: 'poison', url: server.url('/q8/poison.xml'), enabled: false });
    const prefix = uniquePrefix('q8');
    // One fetch at a time in the fetch worker: nothing else is in flight when the poison crashes it.
    const env = workerEnv({
      redisUrl: redis.url,
      prefix,
      configDir: writeConfigDir(sources),
      extra: { GEOINTEL_QUEUE_FETCH_CONCURRENCY: '1' },
    });
    // This process runs the process role (the records of the 50 feeds); the fetch role runs in the child.
    const rt = await startRuntime(testConfig(sources, prefix), {
      url: redis.url,
      roles: ['process'],
      lead: false,
    });
    let current: Proc | undefined;
    let crashes = 0;
    let stopping = false;
    server.route('/q8/poison.xml', {
      kind: 'hook',
      onRequest: () => {
        crashes++;
        current?.child.kill('SIGKILL');
      },
    });
    const supervisor = (async () => {
      while (!stopping) {
        const p = spawnGeointel(['worker', '--role', 'fetch'], env);
        current = p;
        procs.push(p);
        await p.exited;
      }
    })();
    try {
      await waitFor(
        'the fetch worker to start',
        () => current?.logs.some((l) => l.msg === 'worker started'),
        20_000,
      );
      await rt.queues.fetch.addBulk([
        { name: 'fetch', data: { sourceId: 'poison' }, opts: { jobId: 'q8-poison' } },
        ...[...plan.feeds.keys()].map((sourceId) => ({
          name: 'fetch',
          data: { sourceId },
          opts: { jobId: `q8-${sourceId}` },
        })),
      ]);
      const poison = await waitFor(
        'the poison job to end failed',
        async () => {
          const j = await rt.queues.fetch.getJob('q8-poison');
          return j && (await j.getState()) === 'failed' ? j : null;
        },
        45_000,
        100,
      );
      await settled([rt.queues.fetch, rt.queues.process], 30_000);
      expect(poison.failedReason).toContain('stalled more than allowable limit');
      // maxStalledCount is 1: the job ran (and crashed its worker) twice, then BullMQ failed it unrun.
      expect(crashes).toBe(2);
      expect(server.hits('/q8/poison.xml')).toBe(2);
      expect(poison.stalledCounter).toBe(2);
      expect(await counts(rt.queues.fetch)).toMatchObject({ completed: NORMAL_JOBS, failed: 1 });
      expect(await counts(rt.queues.process)).toMatchObject({ completed: NORMAL_JOBS, failed: 0 });
      const others = (await allJobs(rt.queues.fetch)).filter((j) => j.id !== 'q8-poison');
      expect(others.every((j) => j.returnvalue?.status === 200)).toBe(true);
      const streamed = (await streamRecords(rt)).map((e) => articleOf(e.record.url));
      expect(new Set(streamed)).toEqual(plan.articles);
      expect(streamed).toHaveLength(plan.articles.size);
      console.info(
        `T-Q8: poison failed after ${crashes} crashing starts; ${NORMAL_JOBS} jobs completed; ${since(t0)} ms`,
      );
    } finally {
      stopping = true;
      if (current) await kill9(current);
      await supervisor;
      await rt.close();
    }
  }, 90_000);
});

describe('T-Q9 event-loop block', () => {
  it('hazard: a naive processor that busy-loops 3 s under a 1 s lock is run again while it still runs', async () => {
    const prefix = uniquePrefix('q9n');
    const key = `${prefix}:naive:executions`;
    // A plain BullMQ worker (not geointel code) with the runtime's lock settings and a blocking processor.
    const code = `
      const { Worker } = await import('bullmq');
      const { Redis } = await import('ioredis');
      const counter = new Redis(process.env.Q_REDIS);
      const w = new Worker('naive', async () => {
        await counter.incr(process.env.Q_KEY);
        const end = Date.now() + 3000;
        while (Date.now() < end) {}
        return 'done';
      }, JSON.parse(process.env.Q_OPTS));
      w.on('error', (e) => console.error(JSON.stringify({ msg: 'worker error', err: e.message })));
      console.error(JSON.stringify({ msg: 'worker started' }));`;
    const naive = spawnGeointel(
      [],
      { Q_REDIS: redis.url, Q_KEY: key, Q_OPTS: JSON.stringify({ ...bullOpts(prefix), concurrency: 1 }) },
      [process.execPath, '--input-type=module', '-e', code],
    );
    procs.push(naive);
    const queue = new Queue('naive', { connection: bullOpts(prefix).connection, prefix });
    let watcher: Worker | undefined;
    try {
      await naive.waitForLog((l) => l.msg === 'worker started', 20_000);
      await queue.add('naive', {}, { jobId: 'n1' });
      await waitFor('the naive job to start', async () => (await queue.getJob('n1'))?.processedOn, 10_000);
      watcher = await stallWatcher('naive', prefix);
      const c = redis.client();
      await waitFor('a second execution', async () => Number(await c.get(key)) >= 2, 20_000);
      const executions = Number(await c.get(key));
      expect(executions).toBeGreaterThan(1);
      expect((await queueEvents(c, prefix, 'naive', 'stalled')).length).toBeGreaterThan(0);
      expect(naive.logs.some((l) => /lock/i.test(String(l.err ?? '')))).toBe(true);
      console.info(`T-Q9 hazard: ${executions} executions of one job`);
    } finally {
      await kill9(naive);
      await watcher?.close(true);
      await queue.close();
    }
  }, 60_000);

  it('the real worker fetches and processes a 1 000-item document under a 1 s lock: one execution, no stall, no long block', async () => {
    const t0 = Date.now();
    const plan = planFeeds({ feeds: 1, perFeed: 1000, shared: 0, seed: 9 });
    const [name, items] = [...plan.feeds][0]!;
    server.route('/q9/big.xml', { kind: 'feed', body: rssOf(name, items) });
    const sources = [{ id: 'big', url: server.url('/q9/big.xml'), enabled: false }];
    const prefix = uniquePrefix('q9');
    // Test-side instrumentation preloaded into the child: the longest event-loop block every 100 ms.
    const probe = join(tempDir('geointel-probe-'), 'loop-probe.mjs');
    writeFileSync(
      probe,
      `import { monitorEventLoopDelay } from 'node:perf_hooks';
const h = monitorEventLoopDelay({ resolution: 5 });
h.enable();
setInterval(() => {
  process.stderr.write(JSON.stringify({ msg: 'loop-probe', t: Date.now(), maxMs: h.max / 1e6 }) + '\\n');
  h.reset();
}, 100).unref();
`,
    );
    const env = workerEnv({
      redisUrl: redis.url,
      prefix,
      configDir: writeConfigDir(sources),
      extra: { NODE_OPTIONS: `--import=${probe}` },
    });
    const worker = await startWorker('fetch,process', env);
    procs.push(worker);
    const watchers = [await stallWatcher('fetch', prefix), await stallWatcher('process', prefix)];
    const rt = await startRuntime(testConfig(sources, prefix), { url: redis.url, roles: [], lead: false });
    try {
      await rt.queues.fetch.add('fetch', { sourceId: 'big' }, { jobId: 'q9-big' });
      await waitFor('the fetch job', async () => (await counts(rt.queues.fetch)).completed === 1, 20_000);
      const fetched = (await rt.queues.fetch.getJob('q9-big'))!;
      expect(fetched.returnvalue).toMatchObject({ status: 200, items: 1000 });
      await settled([rt.queues.process], 30_000);
      const job = (await rt.queues.process.getJob(fetched.returnvalue.processJob))!;
      expect(await job.getState(), tail(worker)).toBe('completed');
      expect(job.returnvalue).toMatchObject({ emitted: 1000 });
      for (const j of [fetched, job]) {
        expect(j.attemptsStarted, j.id).toBe(1);
        expect(j.stalledCounter, j.id).toBe(0);
      }
      expect(await queueEvents(rt.redis, prefix, 'fetch', 'stalled')).toHaveLength(0);
      expect(await queueEvents(rt.redis, prefix, 'process', 'stalled')).toHaveLength(0);
      expect((await streamRecords(rt)).length).toBe(1000);
      // The longest block while either job ran stays under half the lock (the renewal interval).
      await sleep(200);
      const during = worker.logs.filter(
        (l) =>
          l.msg === 'loop-probe' &&
          (l.t as number) >= fetched.processedOn! &&
          (l.t as number) <= job.finishedOn! + 200,
      );
      expect(during.length).toBeGreaterThan(0);
      const maxIn = (from: number, to: number) =>
        Math.round(
          Math.max(
            0,
            ...during
              .filter((l) => (l.t as number) >= from && (l.t as number) <= to + 100)
              .map((l) => l.maxMs as number),
          ),
        );
      const maxBlockMs = maxIn(fetched.processedOn!, job.finishedOn!);
      expect(maxBlockMs).toBeLessThan(SHORT_TIMINGS.lockDuration / 2);
      console.info(
        `T-Q9 real: 1 000 items, fetch ${fetched.finishedOn! - fetched.processedOn!} ms (longest block ` +
          `${maxIn(fetched.processedOn!, fetched.finishedOn!)} ms), process ${job.finishedOn! - job.processedOn!} ms ` +
          `(longest block ${maxIn(job.processedOn!, job.finishedOn!)} ms), each run once, 0 stalled; ${since(t0)} ms`,
      );
    } finally {
      await Promise.all(watchers.map((w) => w.close(true)));
      await rt.close();
      await kill9(worker);
    }
  }, 60_000);
});
