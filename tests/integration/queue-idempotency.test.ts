/**
 * T-Q10 (duplicate enqueue and re-fetch change nothing), T-Q11 (schedulers come back after a flush, once) and
 * T-Q12 (one digest and one outbox entry per date, whatever runs twice or dies), RELIABILITY.md §4.2, on a
 * private redis-server (T-Q11 flushes it).
 *
 * Timings: SHORT_TIMINGS (lock 1 s, stalled check 0.5 s, drain 1 s, leader lease 1.5 s → reconcile every 0.5 s).
 */
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.js';
import {
  articleOf,
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
  settled,
  since,
  sleep,
  startWorker,
  storedStories,
  streamRecords,
  testConfig,
  uniquePrefix,
  waitFor,
  workerEnv,
} from '../helpers/queue.js';
import { type RedisChild, startRedis } from '../helpers/redis-server.js';
import { SHORT_TIMINGS, startRuntime } from '../helpers/runtime.js';

let redis: RedisChild;
let server: FeedServer;
const runtimes: Runtime[] = [];
const procs: Proc[] = [];

beforeAll(async () => {
  redis = await startRedis();
  server = await startFeedServer();
});

afterAll(async () => {
  await Promise.all(procs.map((p) => kill9(p)));
  await Promise.all(runtimes.map((r) => r.close()));
  await server?.close();
  await redis?.stop();
});

async function runtime(...args: Parameters<typeof startRuntime>): Promise<Runtime> {
  const rt = await startRuntime(args[0], { url: redis.url, ...args[1] });
  runtimes.push(rt);
  return rt;
}

/** Serves the feeds of a plan under `/dir/` and returns their registry entries. */
function serve(dir: string, plan: ReturnType<typeof planFeeds>, opts: Partial<TestSource> = {}, delayMs = 0) {
  return [...plan.feeds].map(([name, items]) => {
    server.route(`/${dir}/${name}.xml`, { kind: 'feed', body: rssOf(name, items), delayMs });
    return { id: name, url: server.url(`/${dir}/${name}.xml`), enabled: false, ...opts };
  });
}

/** Pending (delayed or waiting) jobs of each scheduler id. */
async function pendingBySchedulers(queue: Queue): Promise<Map<string, number>> {
  const jobs = await queue.getJobs(['delayed', 'waiting', 'prioritized'], 0, -1);
  const m = new Map<string, number>();
  for (const j of jobs) if (j.repeatJobKey) m.set(j.repeatJobKey, (m.get(j.repeatJobKey) ?? 0) + 1);
  return m;
}

describe('T-Q10 duplicate enqueue and re-fetch', () => {
  let rt: Runtime;
  let plan: ReturnType<typeof planFeeds>;
  beforeAll(async () => {
    // Two feeds of 5 items sharing 2 articles: one linked https in one feed and http + utm_* in the other.
    plan = planFeeds({ feeds: 2, perFeed: 5, shared: 1, seed: 10 });
    const sources = serve('q10', plan, {}, 200);
    rt = await runtime(testConfig(sources, uniquePrefix('q10')));
  });

  it('the same job id added twice (and again after it ran) runs once', async () => {
    const add = () => rt.queues.fetch.add('fetch', { sourceId: 'feed-0' }, { jobId: 'q10-same' });
    await Promise.all([add(), add()]);
    await settled([rt.queues.fetch, rt.queues.process], 20_000);
    await add();
    await settled([rt.queues.fetch, rt.queues.process], 20_000);
    const job = (await rt.queues.fetch.getJob('q10-same'))!;
    expect(job.attemptsStarted).toBe(1);
    expect(server.hits('/q10/feed-0.xml')).toBe(1);
    expect(await counts(rt.queues.fetch)).toMatchObject({ completed: 1, failed: 0 });
  });

  it('two feeds sharing items (http vs https, utm_* parameters): each shared item stored once as a duplicate, emitted once', async () => {
    await rt.queues.fetch.add('fetch', { sourceId: 'feed-1' }, { jobId: 'q10-feed-1' });
    await settled([rt.queues.fetch, rt.queues.process], 20_000);
    const outcomes = { emitted: 0, duplicate: 0, unchanged: 0, stored: 0 };
    for (const j of await allJobs(rt.queues.process))
      for (const k of Object.keys(outcomes) as Array<keyof typeof outcomes>) outcomes[k] += j.returnvalue[k];
    // 10 items, 8 distinct articles: 2 items arrive second and join the story of their first copy.
    expect(plan.articles.size).toBe(8);
    expect(outcomes).toEqual({ emitted: 8, duplicate: 2, unchanged: 0, stored: 0 });
    const streamed = (await streamRecords(rt)).map((e) => articleOf(e.record.url));
    expect(streamed).toHaveLength(8);
    expect(new Set(streamed)).toEqual(plan.articles);
    const shared = (await storedStories(rt)).filter((s) => s.duplicates.length > 0);
    expect(shared).toHaveLength(2);
    for (const s of shared) {
      expect(s.duplicates).toHaveLength(1);
      expect(articleOf(s.duplicates[0]!.url)).toBe(articleOf(s.url));
      expect(s.duplicates[0]!.sourceId).not.toBe(s.source.id);
    }
  });

  it('re-fetching unchanged feeds costs a 304 each and adds no record', async () => {
    const before = (await streamRecords(rt)).length;
    const processed = (await counts(rt.queues.process)).completed;
    const nm = server.notModified();
    await rt.queues.fetch.addBulk(
      ['feed-0', 'feed-1'].map((sourceId) => ({
        name: 'fetch',
        data: { sourceId },
        opts: { jobId: `q10-re-${sourceId}` },
      })),
    );
    await settled([rt.queues.fetch, rt.queues.process], 20_000);
    expect(server.notModified() - nm).toBe(2);
    for (const id of ['feed-0', 'feed-1'])
      expect((await rt.queues.fetch.getJob(`q10-re-${id}`))!.returnvalue).toEqual({ status: 304 });
    expect((await counts(rt.queues.process)).completed).toBe(processed);
    expect((await streamRecords(rt)).length).toBe(before);
    const health = await rt.stores.sources.all();
    expect(health['feed-0']?.health).toMatchObject({ notModified: 1, consecutiveFailures: 0 });
  });

  it('two processes reconciling the same registry at once make one scheduler per source and one pending job each', async () => {
    const plan3 = planFeeds({ feeds: 3, perFeed: 1, shared: 0, seed: 11 });
    const sources = serve('q10s', plan3, { enabled: true, pollEvery: '1h' });
    const config = testConfig(sources, uniquePrefix('q10s'));
    // No workers: the scheduled jobs stay pending, so they can be counted.
    const [a, b] = [await runtime(config, { roles: [] }), await runtime(config, { roles: [] })];
    await Promise.all([a.reconcile(), b.reconcile(), a.reconcile(), b.reconcile()]);
    const fetchSchedulers = (await a.queues.fetch.getJobSchedulers(0, -1)).map((s) => s.key).sort();
    expect(fetchSchedulers).toEqual(sources.map((s) => `fetch-${s.id}`).sort());
    expect((await a.queues.deliver.getJobSchedulers(0, -1)).map((s) => s.key).sort()).toEqual([
      'digest-daily',
      'digest-mail',
    ]);
    const pending = await pendingBySchedulers(a.queues.fetch);
    for (const s of sources) expect(pending.get(`fetch-${s.id}`), s.id).toBe(1);
  });
});

describe('T-Q11 scheduler loss', () => {
  it('after FLUSHALL the leader recreates every enabled source scheduler within one reconcile tick, none doubled', async () => {
    const plan = planFeeds({ feeds: 5, perFeed: 1, shared: 0, seed: 12 });
    const sources = serve('q11', plan, { enabled: true, pollEvery: '1h' });
    sources[4]!.enabled = false;
    const enabled = sources
      .filter((s) => s.enabled)
      .map((s) => `fetch-${s.id}`)
      .sort();
    const config = testConfig(sources, uniquePrefix('q11'));
    // Two processes campaign (lease 1.5 s, reconcile every 0.5 s); no workers, so scheduled jobs stay pending.
    const a = await runtime(config, { roles: [], lead: true });
    const b = await runtime(config, { roles: [], lead: true });
    const schedulers = async () => (await a.queues.fetch.getJobSchedulers(0, -1)).map((s) => s.key).sort();
    await waitFor('the first reconcile', async () => (await schedulers()).length === enabled.length, 10_000);
    expect([a.leadership!.isLeader, b.leadership!.isLeader].filter(Boolean)).toHaveLength(1);
    await redis.client().flushall();
    const flushedAt = Date.now();
    expect(await schedulers()).toEqual([]);
    await waitFor(
      'the schedulers to come back',
      async () =>
        JSON.stringify(await schedulers()) === JSON.stringify(enabled) &&
        (await a.queues.deliver.getJobSchedulers(0, -1)).length === 2,
      10_000,
      20,
    );
    const backMs = since(flushedAt);
    // One tick is leaseMs / 3 = 500 ms; 2 s leaves room for a slow machine.
    expect(backMs).toBeLessThanOrEqual(SHORT_TIMINGS.leaseMs / 3 + 1_500);
    await sleep(SHORT_TIMINGS.leaseMs); // three more ticks: nothing is added twice
    expect(await schedulers()).toEqual(enabled);
    expect((await a.queues.deliver.getJobSchedulers(0, -1)).map((s) => s.key).sort()).toEqual([
      'digest-daily',
      'digest-mail',
    ]);
    const pending = await pendingBySchedulers(a.queues.fetch);
    expect([...pending.keys()].sort()).toEqual(enabled);
    expect([...pending.values()].every((n) => n === 1)).toBe(true);
    expect(await a.redis.hget(a.keys.registry(), 'hash')).toBeTruthy();
    expect([a.leadership!.isLeader, b.leadership!.isLeader].filter(Boolean)).toHaveLength(1);
    console.info(`T-Q11: schedulers back ${backMs} ms after FLUSHALL`);
  }, 30_000);
});

describe('T-Q12 digest idempotency', () => {
  // 3 000 records in the window, so building a digest takes long enough to be interrupted.
  const plan = planFeeds({ feeds: 3, perFeed: 1000, shared: 0, seed: 13 });
  const prefix = uniquePrefix('q12');
  const today = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  let sources: TestSource[];
  let config: ReturnType<typeof testConfig>;
  let rt: Runtime;

  beforeAll(async () => {
    sources = serve('q12', plan);
    config = testConfig(sources, prefix);
    rt = await runtime(config, { roles: ['fetch', 'process'] });
    await rt.queues.fetch.addBulk(
      sources.map((s) => ({ name: 'fetch', data: { sourceId: s.id }, opts: { jobId: `q12-${s.id}` } })),
    );
    await settled([rt.queues.fetch, rt.queues.process], 40_000);
    expect((await streamRecords(rt)).length).toBe(3000);
  }, 60_000);

  const outboxDates = async () =>
    (await rt.redis.xrange(rt.keys.digestOutbox(), '-', '+')).map(([, f]) => f[f.indexOf('date') + 1]);

  it('the deliver job for one date added twice, run by two deliver workers at once: one digest, one outbox entry', async () => {
    const w1 = await runtime(config, { roles: ['deliver'] });
    const w2 = await runtime(config, { roles: ['deliver'] });
    try {
      const q = w1.queues.deliver;
      await Promise.all([
        q.add('digest', { date: today }, { jobId: `digest-${today}` }),
        q.add('digest', { date: today }, { jobId: `digest-${today}` }),
        q.add('digest', { date: today }, { jobId: `q12-again-${today}` }),
        w2.queues.deliver.add('digest', { date: today }, { jobId: `q12-other-scheduler-${today}` }),
      ]);
      await settled([q], 30_000);
      const jobs = await allJobs(q);
      expect(jobs).toHaveLength(3);
      expect(jobs.every((j) => j.finishedOn && !j.failedReason)).toBe(true);
      expect(jobs.filter((j) => j.returnvalue.created)).toHaveLength(1);
      expect(await rt.redis.keys(rt.keys.digest('*'))).toEqual([rt.keys.digest(today)]);
      expect((await outboxDates()).filter((d) => d === today)).toHaveLength(1);
    } finally {
      await w1.close();
      await w2.close();
    }
  }, 60_000);

  it('a deliver worker SIGKILLed while it builds: the job runs again elsewhere, one digest, one outbox entry', async () => {
    const env = workerEnv({ redisUrl: redis.url, prefix, configDir: writeConfigDir(sources) });
    // The only deliver worker when the job is added, so the one that takes it.
    const victim = await startWorker('deliver', env);
    procs.push(victim);
    await rt.queues.deliver.add('digest', { date: tomorrow }, { jobId: `digest-${tomorrow}` });
    const job = await waitFor(
      'the digest job to start',
      async () => {
        const j = await rt.queues.deliver.getJob(`digest-${tomorrow}`);
        return j?.processedOn ? j : null;
      },
      10_000,
      5,
    );
    await kill9(victim);
    const killedAfterMs = Date.now() - job.processedOn!;
    const builtBeforeKill = (await rt.redis.exists(rt.keys.digest(tomorrow))) === 1;
    // The rest of the fleet: a deliver worker that finds the stalled job.
    await runtime(config, { roles: ['deliver'] });
    await waitFor('the digest job to complete', async () => (await job.getState()) === 'completed', 20_000);
    const done = (await rt.queues.deliver.getJob(`digest-${tomorrow}`))!;
    expect(done.stalledCounter).toBe(1);
    expect(done.returnvalue.created).toBe(!builtBeforeKill);
    expect((await rt.redis.keys(rt.keys.digest(tomorrow))).length).toBe(1);
    expect((await outboxDates()).filter((d) => d === tomorrow)).toHaveLength(1);
    const rerunMs = done.finishedOn! - done.processedOn!;
    console.info(
      `T-Q12: killed ~${killedAfterMs} ms into the job, ` +
        `${builtBeforeKill ? 'after the digest was stored' : 'before the digest was stored'}; ` +
        `the re-run took ${rerunMs} ms and ${done.returnvalue.created ? 'created it' : 'found it'}`,
    );
  }, 60_000);
});
