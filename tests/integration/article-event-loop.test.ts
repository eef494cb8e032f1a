/**
 * T-Q9 for the article queue (RELIABILITY.md §4.2 Q3/T-Q9): reading an article page is synchronous CPU work
 * (Readability over linkedom) that takes seconds on a link-heavy page. Two workers, lock 1 s, stalled check
 * 0.5 s (SHORT_TIMINGS through GEOINTEL_QUEUE_*), maxStalledCount 1 as the runtime sets it, a private
 * redis-server, the page on a loopback server (each execution of the job fetches it once: the server's hit
 * count is the execution count, observed from outside).
 *
 * - hazard: the pre-thread design — the real article processor from dist with the inline extractor (the page
 *   read on the worker's event loop) — in two plain BullMQ workers: the lock runs out while the page is read,
 *   the other worker runs the job again, and BullMQ reports "Missing lock";
 * - fix: two real `geointel worker --role fetch` children (pages read on worker threads,
 *   src/extract/article-pool.ts): one execution, no stall, no lock error, the longest event-loop block under
 *   half the lock;
 * - budget: a page not read by the job's deadline has its thread ended: the job completes once, without the
 *   page (PARSE_TIMEOUT logged), and the next page is read by a fresh thread.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ROOT } from '../helpers/cli.js';
import { type FeedServer, startFeedServer, tempDir, writeConfigDir } from '../helpers/feeds.js';
import { type Proc, spawnGeointel } from '../helpers/processes.js';
import {
  kill9,
  queueEvents,
  since,
  startWorker,
  tail,
  uniquePrefix,
  waitFor,
  workerEnv,
} from '../helpers/queue.js';
import { type RedisChild, startRedis } from '../helpers/redis-server.js';
import { SHORT_TIMINGS } from '../helpers/runtime.js';

let redis: RedisChild;
let server: FeedServer;
let probe: string;
const procs: Proc[] = [];

/**
 * A link-heavy article page: 40 000 paragraphs, each a link and a sentence (3.6 MB). Readability needs 3–6 s
 * for it on the 2-core reference box under load (the fix test asserts the thread's block exceeds the lock) —
 * several times the 1 s lock, so that a machine three times faster still shows the hazard.
 */
const HEAVY_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Link-heavy page</title></head><body><article>${'<p><a href="/x">Related link words</a> and a sentence about the earthquake, with more words.</p>'.repeat(40_000)}</article></body></html>`;
/** A plain article page, read in milliseconds. */
const LIGHT_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Quake</title></head><body><article>${'<p>A magnitude 6.1 earthquake struck the coast on Tuesday morning, the survey said, damaging roads and cutting power to several towns in the region.</p>'.repeat(4)}</article></body></html>`;

beforeAll(async () => {
  redis = await startRedis();
  server = await startFeedServer();
  for (const [path, body] of [
    ['/q9a/heavy.html', HEAVY_PAGE],
    ['/q9a/naive.html', HEAVY_PAGE],
    ['/q9a/budget.html', HEAVY_PAGE],
    ['/q9a/light.html', LIGHT_PAGE],
  ] as const)
    server.route(path, { kind: 'feed', body, contentType: 'text/html; charset=utf-8' });
  // Test-side instrumentation preloaded into the children: the longest event-loop block every 100 ms.
  probe = join(tempDir('geointel-probe-'), 'loop-probe.mjs');
  writeFileSync(
    probe,
    `import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';
const h = monitorEventLoopDelay({ resolution: 5 });
h.enable();
setInterval(() => {
  process.stderr.write(JSON.stringify({ msg: 'loop-probe', thread: !isMainThread, t: Date.now(), maxMs: h.max / 1e6 }) + '\\n');
  h.reset();
}, 100).unref();
`,
  );
});

afterAll(async () => {
  await Promise.all(procs.map((p) => kill9(p)));
  await server?.close();
  await redis?.stop();
});

const connection = () => ({ host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null });

/** A config folder whose registry holds the (disabled) source of the article jobs. */
function pageRegistry(): string {
  const dir = writeConfigDir([]);
  // The registry's defaults for everything but the id, name and URL (the entry is never polled).
  writeFileSync(
    join(dir, 'sources.yaml'),
    stringify({ sources: [{ id: 'page', name: 'Article pages', url: server.url('/'), enabled: false }] }),
  );
  return dir;
}

/** The article job of one page, due in `deadlineMs`. */
const articleJob = (path: string, deadlineMs: number) => ({
  sourceId: 'page',
  itemId: path,
  url: server.url(path),
  deadline: new Date(Date.now() + deadlineMs).toISOString(),
});

/**
 * The longest event-loop block (ms) a child's probe saw between two instants: on its main thread (the one
 * whose timers renew the locks), or on its worker threads (the preload runs in them too).
 */
function longestBlock(p: Proc, from: number, to: number, thread = false): number {
  const lines = p.logs.filter(
    (l) =>
      l.msg === 'loop-probe' && l.thread === thread && (l.t as number) >= from && (l.t as number) <= to + 100,
  );
  return Math.round(Math.max(0, ...lines.map((l) => l.maxMs as number)));
}

const lockErrors = (p: Proc) => p.logs.filter((l) => /missing lock/i.test(String(l.err ?? l.msg ?? '')));

describe('T-Q9 article queue', () => {
  it('hazard: the page read on the event loop (2 workers, lock 1 s) runs the job twice and loses the lock', async () => {
    const t0 = Date.now();
    const prefix = uniquePrefix('q9an');
    const env = workerEnv({ redisUrl: redis.url, prefix, configDir: pageRegistry() });
    // The real article processor of dist/, with the inline extractor: the design before worker threads.
    const code = `
      const dist = process.env.Q_DIST;
      const { Worker } = await import('bullmq');
      const { loadConfig } = await import(dist + '/config/load.js');
      const { createFetcherFromConfig } = await import(dist + '/fetch/index.js');
      const { createLogger } = await import(dist + '/log.js');
      const { createMetrics } = await import(dist + '/runtime/metrics.js');
      const { articleProcessor } = await import(dist + '/workers/article.js');
      const { inlineArticleExtractor } = await import(dist + '/extract/article-pool.js');
      const config = loadConfig();
      const log = createLogger();
      const q = config.app.queue;
      const processor = articleProcessor({
        source: () => undefined,
        fetch: createFetcherFromConfig(config.app.fetch).fetch,
        ingest: config.app.ingest,
        metrics: createMetrics(),
        log,
        now: Date.now,
        extractor: inlineArticleExtractor(),
      });
      const w = new Worker('article', processor, {
        connection: JSON.parse(process.env.Q_CONNECTION),
        prefix: process.env.GEOINTEL_PREFIX,
        concurrency: q.articleConcurrency,
        lockDuration: q.lockDurationMs,
        stalledInterval: q.stalledIntervalMs,
        maxStalledCount: 1,
      });
      w.on('error', (e) => log.warn({ err: e.message }, 'worker error'));
      w.on('failed', (job, e) => log.warn({ jobId: job?.id, err: e.message }, 'job failed'));
      w.on('completed', (job) => log.info({ jobId: job.id }, 'job completed'));
      log.info('worker started');`;
    const naive = [1, 2].map(() => {
      const p = spawnGeointel(
        [],
        {
          ...env,
          Q_DIST: pathToFileURL(join(ROOT, 'dist')).href,
          Q_CONNECTION: JSON.stringify(connection()),
          NODE_OPTIONS: `--import=${probe}`,
        },
        [process.execPath, '--input-type=module', '-e', code],
      );
      procs.push(p);
      return p;
    });
    const queue = new Queue('article', { connection: connection(), prefix });
    try {
      await Promise.all(naive.map((p) => p.waitForLog((l) => l.msg === 'worker started', 20_000)));
      const job = await queue.add('article', articleJob('/q9a/naive.html', 60_000), { jobId: 'q9a-naive' });
      await waitFor('a second execution', () => server.hits('/q9a/naive.html') >= 2, 30_000);
      const c = redis.client();
      await waitFor(
        'a stalled event',
        async () => (await queueEvents(c, prefix, 'article', 'stalled')).length,
        10_000,
      );
      await waitFor('a lock error', () => naive.some((p) => lockErrors(p).length > 0), 20_000);
      const executions = server.hits('/q9a/naive.html');
      expect(executions).toBeGreaterThan(1);
      const state = await (await queue.getJob(job.id!))?.getState();
      const blocks = naive.map((p) => longestBlock(p, t0, Date.now()));
      // No thread in this design: the page was read on the main thread.
      expect(naive.every((p) => p.logs.every((l) => l.thread !== true))).toBe(true);
      // The lock was lost (stalled event, "Missing lock", a second execution): that is the hazard. The longest
      // single block measured depends on the machine (0.37 s on an idle CI machine, 2.6–4.4 s on a loaded one:
      // the read is several blocks, the monitor sees the longest); it is reported, and must be a real block.
      expect(Math.max(...blocks)).toBeGreaterThan(SHORT_TIMINGS.lockDuration / 4);
      console.info(
        `T-Q9 article hazard: ${executions} executions of one job (state ${state}), longest event-loop blocks ` +
          `${blocks.join(' / ')} ms under a ${SHORT_TIMINGS.lockDuration} ms lock, ` +
          `${naive.reduce((n, p) => n + lockErrors(p).length, 0)} "Missing lock" errors; ${since(t0)} ms`,
      );
    } finally {
      await Promise.all(naive.map((p) => kill9(p)));
      await queue.close();
    }
  }, 90_000);

  it('fix: two real workers read the page on a thread — one execution, no stall, no lock error, no long block', async () => {
    const t0 = Date.now();
    const prefix = uniquePrefix('q9a');
    const env = workerEnv({
      redisUrl: redis.url,
      prefix,
      configDir: pageRegistry(),
      extra: { NODE_OPTIONS: `--import=${probe}` },
    });
    const workers = [await startWorker('fetch', env), await startWorker('fetch', env)];
    procs.push(...workers);
    const queue = new Queue('article', { connection: connection(), prefix });
    try {
      await queue.add('article', articleJob('/q9a/heavy.html', 60_000), { jobId: 'q9a-heavy' });
      const job = await waitFor(
        'the heavy page job to complete',
        async () => {
          const j = await queue.getJob('q9a-heavy');
          return j && (await j.getState()) === 'completed' ? j : null;
        },
        45_000,
        100,
      );
      // Any stall would show within a stalled interval or two after the lock ran out.
      await new Promise((r) => setTimeout(r, 4 * SHORT_TIMINGS.stalledInterval));
      expect(job.returnvalue.extraction?.method, workers.map((w) => tail(w)).join('\n')).toBe('body');
      expect(job.returnvalue.extraction.summary.length).toBeGreaterThan(100);
      expect(server.hits('/q9a/heavy.html')).toBe(1);
      expect(job.attemptsStarted).toBe(1);
      expect(job.stalledCounter).toBe(0);
      expect(await queueEvents(redis.client(), prefix, 'article', 'stalled')).toHaveLength(0);
      for (const w of workers) expect(lockErrors(w), tail(w)).toHaveLength(0);
      const blocks = workers.map((w) => longestBlock(w, job.processedOn!, job.finishedOn!));
      expect(Math.max(...blocks)).toBeLessThan(SHORT_TIMINGS.lockDuration / 2);
      // The page was read on a thread, which was blocked for as long as the page took.
      const threadBlock = Math.max(
        ...workers.map((w) => longestBlock(w, job.processedOn!, job.finishedOn!, true)),
      );
      expect(threadBlock).toBeGreaterThan(SHORT_TIMINGS.lockDuration);
      console.info(
        `T-Q9 article fix: 1 execution in ${job.finishedOn! - job.processedOn!} ms, 0 stalled, 0 lock errors, ` +
          `longest main event-loop blocks ${blocks.join(' / ')} ms (the extraction thread's: ${threadBlock} ms); ` +
          `${since(t0)} ms`,
      );

      // Budget: the same page due in 1.5 s is cut off at its deadline; the next page gets a fresh thread.
      const t1 = Date.now();
      await queue.add('article', articleJob('/q9a/budget.html', 1_500), { jobId: 'q9a-budget' });
      const cut = await waitFor(
        'the budget job to complete',
        async () => {
          const j = await queue.getJob('q9a-budget');
          return j && (await j.getState()) === 'completed' ? j : null;
        },
        20_000,
        100,
      );
      expect(cut.returnvalue).toEqual({ itemId: '/q9a/budget.html', extraction: null });
      expect(server.hits('/q9a/budget.html')).toBe(1);
      expect(cut.attemptsStarted).toBe(1);
      const took = cut.finishedOn! - t1;
      // The read was ended by the budget (PARSE_TIMEOUT below), at the deadline; the ceiling is 5× that.
      expect(took).toBeLessThan(5 * 1_500);
      expect(
        workers.some((w) =>
          w.logs.some((l) => l.code === 'PARSE_TIMEOUT' && l.url === server.url('/q9a/budget.html')),
        ),
      ).toBe(true);
      await queue.add('article', articleJob('/q9a/light.html', 30_000), { jobId: 'q9a-light' });
      const light = await waitFor(
        'the light page job',
        async () => {
          const j = await queue.getJob('q9a-light');
          return j && (await j.getState()) === 'completed' ? j : null;
        },
        20_000,
        100,
      );
      expect(light.returnvalue.extraction.summary).toMatch(/^A magnitude 6\.1 earthquake struck the coast/);
      expect(await queueEvents(redis.client(), prefix, 'article', 'stalled')).toHaveLength(0);
      console.info(
        `T-Q9 article budget: page read stopped ${took} ms after a 1 500 ms deadline was set, job completed once ` +
          `without it; next page read in ${light.finishedOn! - light.processedOn!} ms`,
      );
    } finally {
      await queue.close();
      await Promise.all(workers.map((w) => kill9(w)));
    }
  }, 120_000);
});
