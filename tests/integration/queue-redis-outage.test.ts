/**
 * T-Q3 (Redis SIGKILL and restart with AOF: acknowledged jobs survive, workers resume, /readyz says
 * "degraded" meanwhile; the no-AOF control loses them) and T-Q4 (an outage longer than drainDelay, the
 * regression of BullMQ #4479/#4585: idle workers and a stream reader pick up again by themselves), RELIABILITY.md
 * §4.2. Each test kills its own redis-server child; the runtimes run in this process.
 *
 * Timings: SHORT_TIMINGS (lock 1 s, stalled check 0.5 s, drain 1 s). Reconnects back off 200 ms → 5 s
 * (src/runtime/redis.ts), which bounds how soon after a restart the clients are back.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.js';
import { articleOf, type FeedServer, planFeeds, rssOf, startFeedServer } from '../helpers/feeds.js';
import { waitForStatus } from '../helpers/processes.js';
import { counts, settled, since, sleep, testConfig, uniquePrefix, waitFor } from '../helpers/queue.js';
import { startRedis } from '../helpers/redis-server.js';
import { startRuntime } from '../helpers/runtime.js';

let server: FeedServer;
beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(async () => {
  await server?.close();
});

/** `n` small feeds served by the test server under `dir` (disabled: only the test's jobs fetch them). */
function feeds(dir: string, n: number, delayMs: number, seed: number) {
  const plan = planFeeds({ feeds: n, perFeed: 1, shared: 0, seed });
  const sources = [...plan.feeds].map(([name, items]) => {
    server.route(`/${dir}/${name}.xml`, { kind: 'feed', body: rssOf(name, items), delayMs });
    return { id: name, url: server.url(`/${dir}/${name}.xml`), enabled: false };
  });
  return { plan, sources };
}

/** Adds `fetchN` fetch jobs (round robin over the sources) and `deliverN` deliver jobs in chunks; the ids acknowledged. */
async function enqueue(rt: Runtime, ids: readonly string[], fetchN: number, deliverN: number) {
  const acked: string[] = [];
  const all = [
    ...Array.from({ length: fetchN }, (_, i) => ({
      queue: rt.queues.fetch,
      name: 'fetch',
      data: { sourceId: ids[i % ids.length]! },
      jobId: `q3-f-${i}`,
    })),
    ...Array.from({ length: deliverN }, (_, i) => ({
      queue: rt.queues.deliver,
      name: 'digest',
      data: { date: new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString().slice(0, 10) },
      jobId: `q3-d-${i}`,
    })),
  ];
  for (let i = 0; i < all.length; i += 50) {
    const chunk = all.slice(i, i + 50);
    for (const q of [rt.queues.fetch, rt.queues.deliver]) {
      const mine = chunk.filter((c) => c.queue === q);
      if (mine.length)
        await q.addBulk(mine.map((c) => ({ name: c.name, data: c.data, opts: { jobId: c.jobId } })));
    }
    acked.push(...chunk.map((c) => c.jobId));
  }
  return acked;
}

describe('T-Q3 Redis SIGKILL and restart', () => {
  it('with AOF: every acknowledged job is still there and completes; workers resume; /readyz is 503 "degraded" while Redis is down', async () => {
    const redis = await startRedis({ aof: true });
    const { sources } = feeds('q3', 5, 40, 31);
    const prefix = uniquePrefix('q3');
    const rt = await startRuntime(testConfig(sources, prefix), { url: redis.url, metricsPort: 0 });
    try {
      const ready = `http://127.0.0.1:${rt.ops!.port}/readyz`;
      expect(await waitForStatus(ready, 200, 10_000)).toBe(200);
      const completedAt: number[] = [];
      for (const w of rt.workers) w.on('completed', () => completedAt.push(Date.now()));
      const acked = await enqueue(
        rt,
        sources.map((s) => s.id),
        450,
        50,
      );
      expect(acked).toHaveLength(500);
      await redis.kill('SIGKILL');
      const killedAt = Date.now();
      const doneBefore = completedAt.length;
      // Readiness while Redis is away.
      let degradedMs = -1;
      let body: { status?: string; checks?: Record<string, string> } = {};
      while (since(killedAt) < 5_000) {
        const res = await fetch(ready).catch(() => null);
        if (res?.status === 503) {
          degradedMs = since(killedAt);
          body = (await res.json()) as typeof body;
          break;
        }
        await sleep(50);
      }
      expect(degradedMs, 'ms until /readyz answered 503').toBeGreaterThanOrEqual(0);
      expect(degradedMs).toBeLessThanOrEqual(2_000);
      expect(body.status).toBe('degraded');
      expect(body.checks?.redis).toMatch(/^unavailable/);
      await sleep(Math.max(0, 2_000 - since(killedAt)));
      await redis.restart();
      const restartedAt = Date.now();
      await waitFor(
        'a job completed after the restart',
        () => completedAt.some((t) => t > restartedAt),
        10_000,
      );
      const resumeMs = completedAt.find((t) => t > restartedAt)! - restartedAt;
      await settled([rt.queues.fetch, rt.queues.process, rt.queues.deliver], 60_000);
      const states = await Promise.all(
        acked.map(async (id) => {
          const q = id.startsWith('q3-f-') ? rt.queues.fetch : rt.queues.deliver;
          return (await q.getJob(id))?.getState() ?? 'missing';
        }),
      );
      const missing = acked.filter((_, i) => states[i] === 'missing');
      expect(missing, 'acknowledged jobs lost').toEqual([]);
      expect(states.every((s) => s === 'completed')).toBe(true);
      expect(await counts(rt.queues.fetch)).toMatchObject({ failed: 0 });
      expect(await counts(rt.queues.deliver)).toMatchObject({ failed: 0 });
      expect(await waitForStatus(ready, 200, 10_000)).toBe(200);
      expect(rt.workers.every((w) => w.isRunning())).toBe(true);
      console.info(
        `T-Q3 AOF: 500 acked, ${doneBefore} done before the kill, 0 lost; /readyz 503 after ${degradedMs} ms; ` +
          `first job ${resumeMs} ms after restart; all done ${since(restartedAt)} ms after restart`,
      );
    } finally {
      await rt.close();
      await redis.stop();
    }
  }, 120_000);

  it('negative control without AOF: the same kill loses every acknowledged job', async () => {
    const redis = await startRedis({ aof: false });
    const { sources } = feeds('q3n', 5, 0, 32);
    // A producer only (no workers): nothing runs, so every job is waiting when Redis dies.
    const rt = await startRuntime(testConfig(sources, uniquePrefix('q3n')), { url: redis.url, roles: [] });
    try {
      const acked = await enqueue(
        rt,
        sources.map((s) => s.id),
        450,
        50,
      );
      const before = (await counts(rt.queues.fetch)).waiting + (await counts(rt.queues.deliver)).waiting;
      expect(before).toBe(500);
      await redis.kill('SIGKILL');
      await redis.restart();
      const c = redis.client();
      const present = await Promise.all(
        acked.map((id) =>
          c.exists(`${rt.keys.prefix}:${id.startsWith('q3-f-') ? 'fetch' : 'deliver'}:${id}`),
        ),
      );
      expect(present.filter((p) => p === 1)).toHaveLength(0);
      console.info(`T-Q3 control (appendonly no): ${acked.length} acknowledged, ${acked.length} lost`);
    } finally {
      await rt.close();
      await redis.stop();
    }
  }, 60_000);
});

describe('T-Q4 an outage longer than drainDelay', () => {
  it('after 8 s without Redis, idle workers and a stream reader carry on: 5 jobs done ≤ 10 s, 5 entries seen ≤ 5 s', async () => {
    const redis = await startRedis({ aof: true });
    const { plan, sources } = feeds('q4', 5, 0, 41);
    const prefix = uniquePrefix('q4');
    const rt = await startRuntime(testConfig(sources, prefix), { url: redis.url });
    // The consumer side: an XREAD BLOCK loop with its own client, as a bulletin service would run.
    const reader = new Redis(redis.url, { maxRetriesPerRequest: null });
    reader.on('error', () => undefined);
    const seen: Array<{ article: string | undefined; at: number; lag: number }> = [];
    let readerErrors = 0;
    let stop = false;
    const loop = (async () => {
      let last = '0-0';
      while (!stop) {
        try {
          const res = await reader.xread('COUNT', 100, 'BLOCK', 1000, 'STREAMS', rt.keys.stream('all'), last);
          for (const [, entries] of res ?? [])
            for (const [id, fields] of entries) {
              last = id;
              const rec = JSON.parse(fields[fields.indexOf('record') + 1]!) as { url?: string };
              seen.push({
                article: articleOf(rec.url),
                at: Date.now(),
                lag: Date.now() - Number(id.split('-')[0]),
              });
            }
        } catch {
          readerErrors++;
          await sleep(100);
        }
      }
    })();
    try {
      let closed = 0;
      for (const w of rt.workers) w.on('closed', () => closed++);
      await sleep(1_500); // idle: every worker is blocked waiting for jobs
      await redis.kill('SIGKILL');
      await sleep(8_000);
      await redis.restart();
      const restartedAt = Date.now();
      // Producers fail fast while their connection comes back; the test retries like any producer would.
      await waitFor(
        'the queue to accept jobs',
        () =>
          rt.queues.fetch
            .addBulk(
              sources.map((s) => ({
                name: 'fetch',
                data: { sourceId: s.id },
                opts: { jobId: `q4-${s.id}` },
              })),
            )
            .then(() => true),
        10_000,
        200,
      );
      await settled([rt.queues.fetch, rt.queues.process], 10_000 - since(restartedAt));
      const doneMs = since(restartedAt);
      expect(await counts(rt.queues.fetch)).toMatchObject({ completed: 5, failed: 0 });
      expect(await counts(rt.queues.process)).toMatchObject({ completed: 5, failed: 0 });
      expect(doneMs).toBeLessThanOrEqual(10_000);
      await waitFor('the reader to see 5 entries', () => seen.length >= 5, 5_000);
      // Reader lag: from each entry's XADD (its stream id) to the reader having it.
      const lagMs = Math.max(...seen.map((s) => s.lag));
      expect(lagMs).toBeLessThanOrEqual(5_000);
      expect(new Set(seen.map((s) => s.article))).toEqual(plan.articles);
      expect(seen).toHaveLength(5);
      expect(rt.workers.every((w) => w.isRunning())).toBe(true);
      expect(closed).toBe(0);
      console.info(
        `T-Q4: 8 s outage; 5 fetch + 5 process jobs done ${doneMs} ms after restart; reader had each of the 5 entries ` +
          `≤ ${lagMs} ms after its XADD (${readerErrors} reader errors during the outage)`,
      );
    } finally {
      stop = true;
      await loop;
      reader.disconnect();
      await rt.close();
      await redis.stop();
    }
  }, 60_000);
});
