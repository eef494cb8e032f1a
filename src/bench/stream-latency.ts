/**
 * The `stream-latency` bench: from the end of a fetch (the moment its process job is added) to a stream
 * reader (`XREAD BLOCK` on `<prefix>:stream:all`, its own connection) receiving the record, with the fixture
 * documents of the pipeline bench offered at ~`rate` items/s for ~`seconds` s to one `geointel worker --role
 * process` on a private Redis. A document of n items is added n / rate s after the previous one, so the
 * offered load is `rate` on average but arrives in documents, as fetches deliver it (up to 1 000 items at
 * once). The add time of every item is kept in a map by item id, and the reader (this process) looks up the
 * record's item id; only records emitted to the stream are samples (off-topic items, duplicates and items
 * already stored are not streamed). The worker first runs the warm-up round (JIT), which is not measured.
 */
import { Queue } from 'bullmq';
import { JOB_OPTIONS, QUEUES } from '../runtime/queues.js';
import { recordField } from '../store/redis-records.js';
import { benchDocuments, outcomesOf, processJob, waitFinished } from './pipeline.js';
import { startRedisChild } from './redis-child.js';
import { spawnWorkers, type WorkerProcs, warmUp, workerConfigDir } from './scale.js';

/** Documents of at most this many items count as small in the breakdown. */
const SMALL_DOC = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchStreamLatency(opts: { rate?: number; seconds?: number } = {}) {
  const rate = opts.rate ?? 1_000;
  const seconds = opts.seconds ?? 10;
  const set = await benchDocuments(rate * seconds);
  // Offer whole documents until ~rate × seconds items.
  const docs: typeof set.docs = [];
  let offered = 0;
  for (const d of set.docs) {
    if (offered >= rate * seconds) break;
    docs.push(d);
    offered += d.items.length;
  }
  const cfg = workerConfigDir(set.config);
  const redisChild = await startRedisChild().catch((err: unknown) => {
    cfg.remove();
    throw err;
  });
  const redis = redisChild.client();
  const reader = redisChild.client();
  const prefix = 'bench-latency';
  const queue = new Queue(QUEUES.process, {
    connection: redis,
    prefix,
    defaultJobOptions: JOB_OPTIONS.process,
  });
  let workers: WorkerProcs | undefined;
  try {
    workers = await spawnWorkers(1, { url: redisChild.url, prefix, configDir: cfg.dir, queue });
    await warmUp(queue, redis, prefix, set);
    // Item id → add time and the size of its document.
    const addedAt = new Map<string, { t: number; n: number }>();
    const latencies: number[] = [];
    const small: number[] = [];
    const large: number[] = [];
    const largest: number[] = [];
    const largestItems = Math.max(...docs.map((d) => d.items.length));
    let unknown = 0;
    let reading = true;
    const streamKey = `${prefix}:stream:all`;
    // Only records emitted after the warm-up count.
    let last =
      ((await redis.xrevrange(streamKey, '+', '-', 'COUNT', 1))[0]?.[0] as string | undefined) ?? '0-0';
    const readLoop = (async () => {
      while (reading) {
        const res = (await reader.xread('COUNT', 1000, 'BLOCK', 200, 'STREAMS', streamKey, last)) as Array<
          [string, Array<[string, string[]]>]
        > | null;
        const at = performance.now();
        for (const [, entries] of res ?? [])
          for (const [id, fields] of entries) {
            last = id;
            const itemId = (JSON.parse(recordField(fields)) as { id?: string } | null)?.id;
            const a = itemId === undefined ? undefined : addedAt.get(itemId);
            if (a === undefined) unknown++;
            else {
              latencies.push(at - a.t);
              (a.n <= SMALL_DOC ? small : large).push(at - a.t);
              if (a.n === largestItems) largest.push(at - a.t);
            }
          }
      }
    })();

    const start = performance.now();
    let before = 0;
    for (const d of docs) {
      const due = start + (before / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const job = processJob(d);
      const t = performance.now();
      for (const item of d.items) addedAt.set(item.id, { t, n: d.items.length });
      await queue.add(job.name, job.data, job.opts);
      before += d.items.length;
    }
    // The schedule ends when the last document's share of time has passed.
    const end = start + (before / rate) * 1000;
    if (end > performance.now()) await sleep(end - performance.now());
    const offeredSeconds = (performance.now() - start) / 1000;
    const done = await waitFinished(redis, prefix, QUEUES.process, set.warmup.length + docs.length);
    const outcomes = await outcomesOf(queue, new Set(docs.map((d) => processJob(d).opts.jobId)));
    const wanted = Date.now() + 5_000;
    while (latencies.length + unknown < outcomes.emitted && Date.now() < wanted) await sleep(20);
    reading = false;
    await readLoop;
    if (done.failed) throw new Error(`${done.failed} process jobs failed`);

    const pct = (p: number, xs = latencies) => {
      const s = [...xs].sort((a, b) => a - b);
      return Math.round((s[Math.floor((s.length - 1) * p)] ?? 0) * 10) / 10;
    };
    return {
      bench: 'stream-latency' as const,
      rate: Math.round(offered / offeredSeconds),
      p50Ms: pct(0.5),
      p99Ms: pct(0.99),
      samples: latencies.length,
      maxMs: pct(1),
      // A job emits its document's records together once all are processed: the large documents (the
      // journal captures, 671 and 1 000 items) bound the tail, small ones show the queue's own latency.
      smallDocs: {
        maxItems: SMALL_DOC,
        samples: small.length,
        p50Ms: pct(0.5, small),
        p99Ms: pct(0.99, small),
      },
      largeDocs: { samples: large.length, p50Ms: pct(0.5, large), p99Ms: pct(0.99, large) },
      largestDoc: {
        items: largestItems,
        samples: largest.length,
        p50Ms: pct(0.5, largest),
        maxMs: pct(1, largest),
      },
      offeredItems: offered,
      documents: docs.length,
      offeredSeconds: Math.round(offeredSeconds * 10) / 10,
      emitted: outcomes.emitted,
      unmatched: unknown,
    };
  } finally {
    await workers?.stop();
    await queue.close();
    reader.disconnect();
    redis.disconnect();
    await redisChild.stop();
    cfg.remove();
  }
}
