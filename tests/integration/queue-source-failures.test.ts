/**
 * Source failures (queue-runtime issue acceptance): sources answering 404, 500, garbage (not a feed) and a
 * timeout are backed off and reported in the source health — 404 and garbage go to the daily probe and their
 * job fails without retries; 500 and the timeout back off and their job is retried — while the other sources'
 * records keep flowing. In-process runtime on a private redis-server.
 *
 * Timings: SHORT_TIMINGS (lock 1 s, stalled check 0.5 s, drain 1 s); fetch.totalTimeoutMs 800 ms. The first
 * retry of a fetch comes 1.5–2.5 s after its failure (src/runtime/queues.ts `retryDelay`).
 */
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_EVERY_MS } from '../../src/pipeline/health.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { articleOf, type FeedServer, planFeeds, rssOf, startFeedServer } from '../helpers/feeds.js';
import { settled, since, streamRecords, testConfig, uniquePrefix, waitFor } from '../helpers/queue.js';
import { type RedisChild, startRedis } from '../helpers/redis-server.js';
import { startRuntime } from '../helpers/runtime.js';

const TOTAL_TIMEOUT_MS = 800;
const HOUR = 3_600_000;

let redis: RedisChild;
let server: FeedServer;
let rt: Runtime;
const plan = planFeeds({ feeds: 2, perFeed: 6, shared: 0, seed: 21 });
const [okA, okB] = [...plan.feeds.keys()] as [string, string];
/** Items served in the first round: the first 3 of each ok feed; the second round serves all 6. */
const firstRound = new Set(
  [...plan.feeds.values()].flatMap((items) => items.slice(0, 3).map((i) => i.article)),
);

beforeAll(async () => {
  redis = await startRedis();
  server = await startFeedServer();
  for (const [name, items] of plan.feeds)
    server.route(`/ok/${name}.xml`, { kind: 'feed', body: rssOf(name, items.slice(0, 3)) });
  server.route('/bad/404.xml', { kind: 'status', status: 404 });
  server.route('/bad/500.xml', { kind: 'status', status: 500 });
  server.route('/bad/garbage.xml', { kind: 'garbage' });
  server.route('/bad/hang.xml', { kind: 'hang' });
  const sources = [
    { id: okA, url: server.url(`/ok/${okA}.xml`) },
    { id: okB, url: server.url(`/ok/${okB}.xml`) },
    { id: 'gone', url: server.url('/bad/404.xml') },
    { id: 'broken', url: server.url('/bad/500.xml') },
    { id: 'garbage', url: server.url('/bad/garbage.xml') },
    { id: 'slow', url: server.url('/bad/hang.xml') },
  ].map((s) => ({ ...s, enabled: false, pollEvery: '1h' }));
  rt = await startRuntime(testConfig(sources, uniquePrefix('src'), { totalTimeoutMs: TOTAL_TIMEOUT_MS }), {
    url: redis.url,
  });
});

afterAll(async () => {
  await rt?.close();
  await server?.close();
  await redis?.stop();
});

const job = async (id: string) => (await rt.queues.fetch.getJob(id)) as Job;
const health = async (id: string) => (await rt.stores.sources.get(id)).health;
/** |t − expected| ≤ 10 s: nextFetchAt is computed from the job's clock. */
const near = (iso: string | undefined, expectedMs: number) =>
  iso !== undefined && Math.abs(Date.parse(iso) - expectedMs) < 10_000;

describe('source failures', () => {
  it('404 and garbage: probe mode, job failed without retries; 500 and timeout: backoff, job retried; the others flow', async () => {
    const t0 = Date.now();
    await rt.queues.fetch.addBulk(
      [okA, okB, 'gone', 'broken', 'garbage', 'slow'].map((sourceId) => ({
        name: 'fetch',
        data: { sourceId },
        opts: { jobId: `r1-${sourceId}` },
      })),
    );
    // Permanent failures end at once.
    for (const id of ['gone', 'garbage'])
      await waitFor(`${id} to fail`, async () => (await job(`r1-${id}`)).isFailed(), 10_000);
    // Transient failures are waiting for their first retry.
    for (const id of ['broken', 'slow'])
      await waitFor(`${id} to be retried later`, async () => (await job(`r1-${id}`)).isDelayed(), 10_000);
    await settled([rt.queues.process], 10_000);

    const gone = await job('r1-gone');
    expect(gone.attemptsMade).toBe(1);
    expect(gone.failedReason).toMatch(/^HTTP_404/);
    const garbage = await job('r1-garbage');
    expect(garbage.attemptsMade).toBe(1);
    expect(garbage.failedReason).toMatch(/^(NOT_A_FEED|PARSE_ERROR)/);
    expect(server.hits('/bad/404.xml')).toBe(1);
    expect(server.hits('/bad/garbage.xml')).toBe(1);

    const now = Date.now();
    expect(await health('gone')).toMatchObject({
      consecutiveFailures: 1,
      lastErrorCode: 'HTTP_404',
      mode: 'probe',
    });
    expect(near((await health('gone')).nextFetchAt, now + PROBE_EVERY_MS)).toBe(true);
    expect(await health('garbage')).toMatchObject({ consecutiveFailures: 1, mode: 'probe' });
    expect((await health('garbage')).lastErrorCode).toBe(garbage.failedReason.split(':')[0]);
    expect(await health('broken')).toMatchObject({
      consecutiveFailures: 1,
      lastErrorCode: 'HTTP_500',
      mode: 'backoff',
    });
    expect(near((await health('broken')).nextFetchAt, now + HOUR)).toBe(true);
    expect(await health('slow')).toMatchObject({
      consecutiveFailures: 1,
      lastErrorCode: 'TIMEOUT',
      mode: 'backoff',
    });

    // The healthy sources' records flowed all along.
    let streamed = (await streamRecords(rt)).map((e) => articleOf(e.record.url));
    expect(new Set(streamed)).toEqual(firstRound);
    expect(await health(okA)).toMatchObject({ consecutiveFailures: 0, lastItems: 3 });

    // Second round while the failing jobs keep retrying: the ok feeds bring 3 new items each.
    for (const [name, items] of plan.feeds)
      server.route(`/ok/${name}.xml`, { kind: 'feed', body: rssOf(name, items) });
    await rt.queues.fetch.addBulk(
      [okA, okB].map((sourceId) => ({
        name: 'fetch',
        data: { sourceId },
        opts: { jobId: `r2-${sourceId}` },
      })),
    );
    await waitFor(
      'the second round of records',
      async () => (await streamRecords(rt)).length === plan.articles.size,
      10_000,
    );
    streamed = (await streamRecords(rt)).map((e) => articleOf(e.record.url));
    expect(new Set(streamed)).toEqual(plan.articles);
    expect(streamed).toHaveLength(plan.articles.size);

    // The transient ones were retried (second attempt recorded in health, but one slot counts one failure:
    // a short blip must not push the next scheduled fetch further out).
    for (const [id, path, code] of [
      ['broken', '/bad/500.xml', 'HTTP_500'],
      ['slow', '/bad/hang.xml', 'TIMEOUT'],
    ] as const) {
      await waitFor(`${id}'s retry`, async () => (await health(id)).fetches >= 2, 10_000);
      const h = await health(id);
      expect(h).toMatchObject({ consecutiveFailures: 1, fetches: 2, lastErrorCode: code, mode: 'backoff' });
      expect(near(h.nextFetchAt, Date.now() + HOUR)).toBe(true);
      expect(server.hits(path)).toBe(2);
      const j = await job(`r1-${id}`);
      expect(j.attemptsMade).toBe(2);
      expect((await j.isDelayed()) || (await j.isActive())).toBe(true);
    }

    // A scheduled slot inside the wait does nothing: no request, the job says why.
    await rt.queues.fetch.addBulk(
      ['gone', 'broken', 'garbage'].map((sourceId) => ({
        name: 'fetch',
        data: { sourceId },
        opts: { jobId: `slot-${sourceId}` },
      })),
    );
    for (const [id, mode] of [
      ['gone', 'probe'],
      ['broken', 'backoff'],
      ['garbage', 'probe'],
    ] as const) {
      await waitFor(`slot-${id}`, async () => (await job(`slot-${id}`)).isCompleted(), 10_000);
      expect((await job(`slot-${id}`)).returnvalue).toMatchObject({ skipped: mode });
    }
    expect(server.hits('/bad/404.xml')).toBe(1);
    expect(server.hits('/bad/500.xml')).toBe(2);
    for (const id of ['broken', 'slow']) await (await job(`r1-${id}`)).remove().catch(() => undefined);
    console.info(`source failures: ${since(t0)} ms`);
  }, 60_000);
});
