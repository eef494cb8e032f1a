/**
 * T-Q1 (kill -9 of worker processes while jobs are active) and T-Q2 (SIGTERM lets the in-flight job finish),
 * docs/reliability.md §4.2, against real `geointel worker` children on a private redis-server.
 *
 * Timings: the children run with SHORT_TIMINGS through GEOINTEL_QUEUE_* (lock 1 s, stalled check 0.5 s, drain
 * 1 s), so a killed worker's jobs run again within ~1.5 s; T-Q2 runs with the production defaults (lock 30 s,
 * grace 10 s). The truth about which stories exist comes from the GUIDs and article ids the test generated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.js';
import {
  articleOf,
  type FeedPlan,
  type FeedServer,
  planFeeds,
  rssOf,
  startFeedServer,
  type TestSource,
  writeConfigDir,
} from '../helpers/feeds.js';
import type { Proc } from '../helpers/processes.js';
import {
  allJobs,
  counts,
  kill9,
  queueEvents,
  settled,
  since,
  sleep,
  startWorker,
  storedStories,
  streamRecords,
  tail,
  testConfig,
  uniquePrefix,
  waitFor,
  workerEnv,
} from '../helpers/queue.js';
import { type RedisChild, startRedis } from '../helpers/redis-server.js';
import { startRuntime } from '../helpers/runtime.js';

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

/** A client of the queues and stores (no workers, not leading) for the test's own reads. */
async function client(sources: readonly TestSource[], prefix: string): Promise<Runtime> {
  return startRuntime(testConfig(sources, prefix), { url: redis.url, roles: [], lead: false });
}

describe('T-Q1 SIGKILL of a worker process while jobs are active', () => {
  // 3 waves of 18 feeds (54 fetch jobs, 54 process jobs), 7 items per feed of which 2 are carried by two feeds
  // (29 % overlapping items), feeds answered after 300 ms so fetches are in flight when a worker dies.
  const WAVES = 3;
  const PER_WAVE = 18;
  let plan: FeedPlan;
  let sources: TestSource[];

  beforeAll(() => {
    plan = planFeeds({ feeds: WAVES * PER_WAVE, perFeed: 7, shared: 1, seed: 1 });
    sources = [...plan.feeds].map(([name, items]) => {
      server.route(`/q1/${name}.xml`, { kind: 'feed', body: rssOf(name, items), delayMs: 300 });
      // Disabled: no scheduler adds fetches of its own; the test's fetch jobs are the only ones.
      return { id: name, url: server.url(`/q1/${name}.xml`), enabled: false };
    });
  });

  it('every job completes once more after each kill, none fails, every story is stored and streamed once', async () => {
    const t0 = Date.now();
    const prefix = uniquePrefix('q1');
    const env = workerEnv({
      redisUrl: redis.url,
      prefix,
      configDir: writeConfigDir(sources),
      extra: { GEOINTEL_QUEUE_FETCH_CONCURRENCY: '4' },
    });
    const rt = await client(sources, prefix);
    try {
      const survivor = await startWorker('all', env);
      procs.push(survivor);
      let victim = await startWorker('all', env);
      procs.push(victim);
      const kills: Array<{ wave: number; afterMs: number; active: string[] }> = [];
      const names = [...plan.feeds.keys()];
      for (let wave = 0; wave < WAVES; wave++) {
        const batch = names.slice(wave * PER_WAVE, (wave + 1) * PER_WAVE);
        await rt.queues.fetch.addBulk(
          batch.map((sourceId) => ({ name: 'fetch', data: { sourceId }, opts: { jobId: `q1-${sourceId}` } })),
        );
        const afterMs = 250 + Math.floor(Math.random() * 350);
        await sleep(afterMs);
        const active = [
          ...(await rt.queues.fetch.getActive()).map((j) => j.id!),
          ...(await rt.queues.process.getActive()).map((j) => j.id!),
        ];
        expect(active.length, `jobs in flight just before kill ${wave + 1}`).toBeGreaterThan(0);
        await kill9(victim);
        kills.push({ wave, afterMs, active });
        victim = await startWorker('all', env);
        procs.push(victim);
        await settled([rt.queues.fetch, rt.queues.process], 40_000);
      }

      const fetch = await counts(rt.queues.fetch);
      const proc = await counts(rt.queues.process);
      expect({ fetch, proc }).toMatchObject({
        fetch: { completed: names.length, failed: 0 },
        proc: { completed: names.length, failed: 0 },
      });

      // Re-executions: BullMQ's stalled events and counters, and feeds fetched more than once.
      const jobs = [...(await allJobs(rt.queues.fetch)), ...(await allJobs(rt.queues.process))];
      const stalledJobs = jobs.filter((j) => j.stalledCounter > 0).map((j) => j.id!);
      const stalledEvents = [
        ...(await queueEvents(rt.redis, prefix, 'fetch', 'stalled')),
        ...(await queueEvents(rt.redis, prefix, 'process', 'stalled')),
      ];
      expect(stalledJobs.length).toBeGreaterThan(0);
      expect(stalledEvents.length).toBeGreaterThanOrEqual(stalledJobs.length);
      // Each kill took down work in flight: some job active just before it ran again afterwards.
      for (const k of kills)
        expect(
          k.active.some((id) => stalledJobs.includes(id)),
          `kill ${k.wave + 1} (${k.afterMs} ms into its wave; active: ${k.active.join(', ')})`,
        ).toBe(true);
      const refetched = names.filter((n) => server.hits(`/q1/${n}.xml`) > 1);
      expect(refetched.length).toBeGreaterThan(0);

      // Output: every generated article exactly once in stream:all and once among the stored stories.
      const streamed = (await streamRecords(rt)).map((e) => articleOf(e.record.url));
      expect(streamed.length).toBe(plan.articles.size);
      expect(new Set(streamed)).toEqual(plan.articles);
      const stories = await storedStories(rt);
      expect(stories.map((s) => articleOf(s.url)).sort()).toEqual([...plan.articles].sort());
      // Each article shared by two feeds is one story holding the other feed's item as a duplicate.
      const shared = stories.filter((s) => s.duplicates.length > 0);
      expect(shared.length).toBe(names.length);
      expect(shared.every((s) => s.duplicates.length === 1)).toBe(true);
      console.info(
        `T-Q1: ${names.length} fetch + ${names.length} process jobs, kills at ${kills
          .map((k) => `${k.afterMs} ms (${k.active.length} active)`)
          .join(', ')}; ${stalledJobs.length} jobs re-executed (${stalledEvents.length} stalled events), ` +
          `${refetched.length} feeds fetched again; ${plan.articles.size} stories; ${since(t0)} ms`,
      );
    } finally {
      await rt.close();
    }
  }, 120_000);
});

describe('T-Q2 SIGTERM of a worker with a job in flight', () => {
  it('the 2 s fetch started before SIGTERM completes once, without stalling, and the worker exits 0 within the grace', async () => {
    const plan = planFeeds({ feeds: 1, perFeed: 5, shared: 0, seed: 2 });
    const [name, items] = [...plan.feeds][0]!;
    server.route('/q2/slow.xml', { kind: 'feed', body: rssOf(name, items), delayMs: 2_000 });
    const sources = [{ id: 'slow', url: server.url('/q2/slow.xml'), enabled: false }];
    const prefix = uniquePrefix('q2');
    // Production timings (lock 30 s, stalled check 30 s, grace 10 s): nothing but SIGTERM handling is tested.
    const env = workerEnv({ redisUrl: redis.url, prefix, configDir: writeConfigDir(sources), short: false });
    const rt = await client(sources, prefix);
    try {
      const worker = await startWorker('all', env);
      procs.push(worker);
      await rt.queues.fetch.add('fetch', { sourceId: 'slow' }, { jobId: 'q2-slow' });
      await waitFor('the slow feed request', () => server.inFlight() > 0, 10_000, 10);
      await sleep(500);
      const t0 = Date.now();
      worker.child.kill('SIGTERM');
      const exit = await worker.exited;
      const stopMs = since(t0);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(stopMs).toBeLessThan(10_000);
      const job = (await rt.queues.fetch.getJob('q2-slow'))!;
      expect(await job.getState()).toBe('completed');
      expect(job.returnvalue).toMatchObject({ status: 200, items: items.length });
      expect(job.stalledCounter).toBe(0);
      expect(job.attemptsStarted).toBe(1);
      expect(server.hits('/q2/slow.xml')).toBe(1);
      expect(await queueEvents(rt.redis, prefix, 'fetch', 'stalled')).toHaveLength(0);
      // The process job it queued waits for the next worker: handed over, not lost.
      expect(await counts(rt.queues.process)).toMatchObject({ waiting: 1, active: 0, failed: 0 });
      console.info(`T-Q2: SIGTERM 0.5 s into a 2 s fetch; exit 0 after ${stopMs} ms`);
    } finally {
      await rt.close();
    }
  }, 60_000);

  it('a job longer than the grace period is handed back: the worker exits within the grace and another worker runs the job', async () => {
    const plan = planFeeds({ feeds: 1, perFeed: 5, shared: 0, seed: 3 });
    const [name, items] = [...plan.feeds][0]!;
    server.route('/q2/slower.xml', { kind: 'feed', body: rssOf(name, items), delayMs: 8_000 });
    const sources = [{ id: 'slower', url: server.url('/q2/slower.xml'), enabled: false }];
    const prefix = uniquePrefix('q2b');
    // Short timings (lock 1 s, stalled check 0.5 s) and a 1 s grace: an 8 s job outlives it.
    const env = workerEnv({
      redisUrl: redis.url,
      prefix,
      configDir: writeConfigDir(sources),
      extra: { GEOINTEL_QUEUE_CLOSE_TIMEOUT_MS: '1000' },
    });
    const rt = await client(sources, prefix);
    try {
      const worker = await startWorker('fetch', env);
      procs.push(worker);
      await rt.queues.fetch.add('fetch', { sourceId: 'slower' }, { jobId: 'q2-slower' });
      await waitFor('the slower feed request', () => server.inFlight() > 0, 10_000, 10);
      await sleep(500);
      const t0 = Date.now();
      worker.child.kill('SIGTERM');
      const exit = await Promise.race([worker.exited, sleep(15_000).then(() => null)]);
      const stopMs = since(t0);
      if (!exit) await kill9(worker);
      expect(exit, `worker still running ${stopMs} ms after SIGTERM; logs:\n${tail(worker)}`).toEqual({
        code: 0,
        signal: null,
      });
      // 1 s grace, then at most 2 s for connections a handed-back fetch leaves open: about 3 s, far from the 8 s job.
      expect(stopMs, 'exit after the grace, without waiting for the 8 s job').toBeLessThan(6_000);
      const next = await startWorker('fetch', env);
      procs.push(next);
      const job = (await rt.queues.fetch.getJob('q2-slower'))!;
      await waitFor(
        'the handed-back job to complete',
        async () => (await job.getState()) === 'completed',
        20_000,
      );
      const done = (await rt.queues.fetch.getJob('q2-slower'))!;
      expect(done.stalledCounter, 'handed back: it stalled once and ran again').toBe(1);
      expect(done.returnvalue).toMatchObject({ status: 200, items: items.length });
      next.child.kill('SIGTERM');
      expect((await next.exited).code).toBe(0);
    } finally {
      await rt.close();
    }
  }, 60_000);
});
