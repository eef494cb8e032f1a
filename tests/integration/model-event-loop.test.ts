/**
 * T-Q9 (RELIABILITY §4.2) for the learned model: the process worker classifies with the model in the path
 * (config `model.enabled`, on by default: the baseline of `models/` while no version is promoted) in chunks of
 * 25 items with a yield between them, so a 1 000-item document never blocks the event loop past the lock. Two
 * `geointel worker --role fetch,process` children (2 workers, each running BullMQ's stalled check) on a private
 * redis-server, lock 1 s, stalled check 0.5 s (SHORT_TIMINGS through GEOINTEL_QUEUE_*). Pass: the process job
 * runs once (attemptsStarted 1, stalledCounter 0, no `stalled` event), no worker logs "Missing lock", the
 * longest event-loop block while it runs stays under half the lock (the renewal interval), and the worker that
 * ran it logged the model version it classified with. The naive-processor hazard (a 3 s busy loop runs twice)
 * is shown in queue-poison-and-block.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModelPath } from '../../src/runtime/model.js';
import { readModelFile } from '../../src/store/models.js';
import {
  type FeedServer,
  planFeeds,
  rssOf,
  startFeedServer,
  tempDir,
  writeConfigDir,
} from '../helpers/feeds.js';
import type { Proc } from '../helpers/processes.js';
import {
  counts,
  kill9,
  queueEvents,
  settled,
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
import { baseConfig, SHORT_TIMINGS, startRuntime } from '../helpers/runtime.js';

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

describe('T-Q9 the learned model on the event loop', () => {
  it('2 workers, lock 1 s: a 1 000-item document classified with the model runs once, no Missing lock, short blocks', async () => {
    const t0 = Date.now();
    const config = baseConfig();
    expect(config.app.model.enabled, 'the model is on by default').toBe(true);
    // A promoted version (the baseline's weights under a version name of this test): the worker loads it from
    // Redis on its first process job and logs it, which shows the model is in the path.
    const modelVersion = 'mq9-promoted';
    const modelFile = {
      ...readModelFile(resolveModelPath(config.app.model.baseline)),
      version: modelVersion,
    };
    const plan = planFeeds({ feeds: 1, perFeed: 1000, shared: 0, seed: 19 });
    const [name, items] = [...plan.feeds][0]!;
    server.route('/mq9/big.xml', { kind: 'feed', body: rssOf(name, items) });
    const sources = [{ id: 'big', url: server.url('/mq9/big.xml'), enabled: false }];
    const prefix = uniquePrefix('mq9');
    // Test-side instrumentation preloaded into each child: the longest event-loop block every 100 ms.
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
    const workers = await Promise.all([startWorker('fetch,process', env), startWorker('fetch,process', env)]);
    procs.push(...workers);
    const rt = await startRuntime(testConfig(sources, prefix), { url: redis.url, roles: [], lead: false });
    try {
      await rt.stores.models.put(modelFile, new Date().toISOString());
      expect(await rt.stores.models.promote(modelVersion)).toMatchObject({ changed: true });
      await rt.queues.fetch.add('fetch', { sourceId: 'big' }, { jobId: 'mq9-big' });
      const fetched = await waitFor(
        'the fetch job',
        async () => {
          const j = await rt.queues.fetch.getJob('mq9-big');
          return j?.finishedOn ? j : null;
        },
        20_000,
      );
      expect(fetched.returnvalue).toMatchObject({ status: 200, items: 1000 });
      await settled([rt.queues.fetch, rt.queues.process], 30_000);
      const job = (await rt.queues.process.getJob(fetched.returnvalue.processJob))!;
      expect(await job.getState(), workers.map((w) => tail(w)).join('\n')).toBe('completed');
      expect(job.returnvalue).toMatchObject({ emitted: 1000 });
      // Executions == 1.
      expect(job.attemptsStarted).toBe(1);
      expect(job.stalledCounter).toBe(0);
      expect(await queueEvents(rt.redis, prefix, 'process', 'stalled')).toHaveLength(0);
      expect(await counts(rt.queues.process)).toMatchObject({ completed: 1, failed: 0 });
      expect((await streamRecords(rt)).length).toBe(1000);
      await sleep(200);
      // No lock lost anywhere.
      const lockLines = workers.flatMap((w) =>
        w.logs.filter((l) => /missing lock|lock mismatch/i.test(JSON.stringify(l))),
      );
      expect(lockLines).toEqual([]);
      // The worker that ran it classified with the model (it logs the version on its first process job).
      const ran = workers.find((w) => w.logs.some((l) => l.msg === 'processed' && l.jobId === job.id));
      expect(ran, 'the worker that processed the job').toBeDefined();
      const modelLine = ran!.logs.find((l) => l.msg === 'model version in use');
      expect(modelLine?.model).toBe(modelVersion);
      expect(
        workers.flatMap((w) => w.logs.filter((l) => /cannot load the promoted model/.test(String(l.msg)))),
      ).toEqual([]);
      // The longest block of that worker while the job ran stays under half the lock.
      const probes = ran!.logs.filter(
        (l) =>
          l.msg === 'loop-probe' &&
          (l.t as number) >= job.processedOn! &&
          (l.t as number) <= job.finishedOn! + 200,
      );
      expect(probes.length).toBeGreaterThan(0);
      const maxBlockMs = Math.round(Math.max(...probes.map((l) => l.maxMs as number)));
      expect(maxBlockMs).toBeLessThan(SHORT_TIMINGS.lockDuration / 2);
      console.info(
        `T-Q9 model: 1 000 items, model ${modelVersion}, process ${job.finishedOn! - job.processedOn!} ms, ` +
          `longest block ${maxBlockMs} ms (${probes.length} probes), 1 execution, 0 stalled, 0 lock errors; ${since(t0)} ms`,
      );
    } finally {
      await rt.close();
      await Promise.all(workers.map((w) => kill9(w)));
    }
  }, 90_000);
});

const since = (t: number) => Date.now() - t;
