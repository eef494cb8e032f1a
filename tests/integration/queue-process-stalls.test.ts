/**
 * A process job survives more stalls than the default allowance (docs/reliability.md, T-Q1 / T-Q8 and the
 * chaos finding "two process jobs failed 'job stalled more than allowable limit'"). A process job holds items
 * already fetched and acknowledged; the feed may never serve them again. Its worker is SIGKILLed three times
 * while it runs the job — one more than `maxStalledCount` 1 allows, with which BullMQ would fail it unrun on
 * the third stall (T-Q8 shows exactly that for a fetch job) — and respawned each time as a supervisor would.
 * The process queue's `maxStalledCount` is 4 (`MAX_STALLED`, src/runtime/queues.ts): the job completes on its
 * fourth start and every item is stored and streamed exactly once.
 *
 * Timings: SHORT_TIMINGS (lock 1 s, stalled check 0.5 s, drain 1 s; the child gets them through GEOINTEL_QUEUE_*),
 * a private redis-server. The fetch role runs in this process, the process role in the `geointel worker` child.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_STALLED } from '../../src/runtime/queues.js';
import {
  articleOf,
  type FeedServer,
  planFeeds,
  rssOf,
  startFeedServer,
  writeConfigDir,
} from '../helpers/feeds.js';
import { type Proc, spawnGeointel } from '../helpers/processes.js';
import {
  counts,
  kill9,
  queueEvents,
  settled,
  since,
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

describe('process jobs and stalls', () => {
  it('a process job whose worker is killed 3 times while it runs (more than maxStalledCount 1 allows) completes, every item stored once', async () => {
    const t0 = Date.now();
    const KILLS = 3;
    expect(MAX_STALLED.process).toBeGreaterThanOrEqual(KILLS);
    // 1 000 items: the job runs long enough (classification in chunks, stories per slice) to be killed in it.
    const plan = planFeeds({ feeds: 1, perFeed: 1000, shared: 0, seed: 16 });
    const [name, items] = [...plan.feeds][0]!;
    server.route('/ps/big.xml', { kind: 'feed', body: rssOf(name, items) });
    const sources = [{ id: 'big', url: server.url('/ps/big.xml'), enabled: false }];
    const prefix = uniquePrefix('ps');
    const env = workerEnv({ redisUrl: redis.url, prefix, configDir: writeConfigDir(sources) });
    const rt = await startRuntime(testConfig(sources, prefix), {
      url: redis.url,
      roles: ['fetch'],
      lead: false,
    });
    let current: Proc | undefined;
    let stopping = false;
    const supervisor = (async () => {
      while (!stopping) {
        const p = spawnGeointel(['worker', '--role', 'process'], env);
        current = p;
        procs.push(p);
        await p.exited;
      }
    })();
    const kills: Array<{ attemptsStarted: number; activeMs: number }> = [];
    try {
      await waitFor(
        'the process worker',
        () => current?.logs.some((l) => l.msg === 'worker started'),
        20_000,
      );
      await rt.queues.fetch.add('fetch', { sourceId: 'big' }, { jobId: 'ps-big' });
      const fetched = await waitFor(
        'the fetch job',
        async () => {
          const j = await rt.queues.fetch.getJob('ps-big');
          return j?.finishedOn ? j : null;
        },
        20_000,
      );
      expect(fetched.returnvalue).toMatchObject({ status: 200, items: 1000 });
      const processId = fetched.returnvalue.processJob as string;
      // Kill the worker each time it has started the job again (a new start: attemptsStarted grew).
      for (let k = 0; k < KILLS; k++) {
        const victim = await waitFor(
          `start ${k + 1} of the process job`,
          async () => {
            const j = await rt.queues.process.getJob(processId);
            if (!j || (j.attemptsStarted ?? 0) <= k) return null;
            return (await j.getState()) === 'active' ? j : null;
          },
          30_000,
          10,
        );
        const p = current!;
        p.child.kill('SIGKILL');
        await p.exited;
        kills.push({ attemptsStarted: victim.attemptsStarted, activeMs: Date.now() - victim.processedOn! });
      }
      await settled([rt.queues.fetch, rt.queues.process], 60_000);
      const job = (await rt.queues.process.getJob(processId))!;
      expect(await job.getState(), `${job.failedReason}\n${tail(current!)}`).toBe('completed');
      // Each kill was a real stall: BullMQ counted it and ran the job again; the job ran once more to the end.
      expect(job.stalledCounter).toBe(KILLS);
      expect(job.attemptsStarted).toBe(KILLS + 1);
      expect((await queueEvents(rt.redis, prefix, 'process', 'stalled')).length).toBe(KILLS);
      expect(await counts(rt.queues.process)).toMatchObject({ completed: 1, failed: 0 });
      // Nothing lost, nothing doubled: the stream holds each of the 1 000 articles once.
      const streamed = (await streamRecords(rt)).map((e) => articleOf(e.record.url));
      expect(streamed).toHaveLength(plan.articles.size);
      expect(new Set(streamed)).toEqual(plan.articles);
      const rv = job.returnvalue as Record<string, number>;
      console.info(
        `process stalls: ${KILLS} kills mid-job (${kills.map((k) => `start ${k.attemptsStarted} after ${k.activeMs} ms`).join(', ')}); ` +
          `completed on start ${job.attemptsStarted}, stalledCounter ${job.stalledCounter}, last run ${JSON.stringify(rv)}, ` +
          `${streamed.length} records streamed once; ${since(t0)} ms`,
      );
    } finally {
      stopping = true;
      if (current) await kill9(current);
      await supervisor;
      await rt.close();
    }
  }, 120_000);
});
