/**
 * The composition root of the running system: from a loaded config and a Redis address it builds the Redis
 * clients, the stores, the queues, the workers of the roles asked for, the leader campaign and the ops
 * server. `geointel run`, `worker`, `demo` and the integration tests all start the system through here.
 */
import { FlowProducer, type Job, Queue, Worker, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/load.js';
import type { SourceEntry } from '../config/sources-schema.js';
import { createFetcherFromConfig, hostLimitsOf } from '../fetch/index.js';
import { createWebhookPoster } from '../fetch/webhook-post.js';
import type { Logger } from '../log.js';
import { createSmtpTransport, type MailTransport } from '../mail/transport.js';
import { compileTaxonomy } from '../pipeline/classify/index.js';
import { createKeywords } from '../pipeline/digest/keywords.js';
import type { FetchFn } from '../pipeline/fetch-port.js';
import { compileGlossary } from '../pipeline/glossary/index.js';
import { createRedisDigestStore } from '../store/digests.js';
import { createRedisDraftStore, type DraftStore } from '../store/drafts.js';
import { readEdition } from '../store/edition-reader.js';
import { createRedisEditionStore, type EditionStore } from '../store/editions.js';
import { redisKeys } from '../store/keys.js';
import { createRedisMailStore, type MailStore } from '../store/mail.js';
import { createRedisModelStore, type ModelStore } from '../store/models.js';
import { createRedisHostLimiter } from '../store/redis-host-limiter.js';
import { createRedisRecordStore } from '../store/redis-records.js';
import { createRedisSourceStore } from '../store/redis-sources.js';
import { createRedisStoryLog } from '../store/redis-story-log.js';
import { createStreamGroup } from '../store/stream-group.js';
import { createRedisSubscriptionStore, type SubscriptionStore } from '../store/subscriptions.js';
import type { DigestStore, RecordStore, SourceStateStore, StoryStore } from '../store/types.js';
import { createTranslator } from '../translate/index.js';
import { articleProcessor } from '../workers/article.js';
import { deliverProcessor } from '../workers/deliver.js';
import { fetchProcessor } from '../workers/fetch.js';
import { mailProcessor } from '../workers/mail.js';
import { processProcessor } from '../workers/process.js';
import { draftingRecords, translateProcessor } from '../workers/translate.js';
import { webhookJobOptions, webhookProcessor } from '../workers/webhook.js';
import { FANOUT_GROUP, startWebhookFanout, type WebhookFanout } from '../workers/webhook-fanout.js';
import { type Leadership, publishRegistry, registryHash, startLeadership, storedRegistry } from './leader.js';
import { createMetrics, type Metrics } from './metrics.js';
import { activeModel } from './model.js';
import { type OomBackoff, oomBackoff } from './oom-backoff.js';
import { type OpsServer, type Readiness, startOpsServer } from './ops-server.js';
import {
  backoffBaseOf,
  idPart,
  JOB_OPTIONS,
  MAX_STALLED,
  QUEUES,
  QUEUES_OF_ROLE,
  type QueueName,
  type Role,
  retryDelay,
} from './queues.js';
import { checkRedisSettings, connect, type RedisTarget, redisOptions } from './redis.js';
import { reconcileSchedulers, wantedDigestSchedulers, wantedFetchSchedulers } from './schedules.js';
import { storyOptionsOf } from './story-options.js';

export interface RuntimeTimings {
  /** BullMQ job lock, ms; a dead worker's jobs return after it (plus the stalled check). */
  lockDuration: number;
  stalledInterval: number;
  /** Seconds an idle worker blocks waiting for a job. */
  drainDelay: number;
  /** Leader lease, ms; reconcile runs every third of it. */
  leaseMs: number;
  /** How long `close()` waits for in-flight jobs before handing them back. */
  closeTimeoutMs: number;
  concurrency: Record<QueueName, number>;
  /** How long a process job waits for its article pages. */
  articleDeadlineMs: number;
  /**
   * Multiplier of every retry's backoff delay (a `Retry-After` is kept as given). 1 in service; tests that must
   * see a job's retries through shrink it instead of waiting out the production pacing.
   */
  backoffScale: number;
}

/** Timings from config `queue` (GEOINTEL_QUEUE_* variables). */
export function timingsOf(q: Config['app']['queue']): RuntimeTimings {
  return {
    lockDuration: q.lockDurationMs,
    stalledInterval: q.stalledIntervalMs,
    drainDelay: q.drainDelaySeconds,
    leaseMs: q.leaderLeaseMs,
    closeTimeoutMs: q.closeTimeoutMs,
    concurrency: {
      fetch: q.fetchConcurrency,
      process: q.processConcurrency,
      deliver: q.deliverConcurrency,
      article: q.articleConcurrency,
      translate: q.translateConcurrency,
    },
    articleDeadlineMs: q.articleDeadlineMs,
    backoffScale: 1,
  };
}

export interface RuntimeOptions {
  config: Config;
  log: Logger;
  redis: RedisTarget;
  /** Worker roles to run in this process (none: a client of the stores and queues only). */
  roles: readonly Role[];
  /** Campaign for leadership (reconcile schedulers, own the digest). @defaultValue roles.length > 0 */
  lead?: boolean;
  /** Replaces the hardened fetcher (benches); the demo uses `allowPrivate` instead. */
  fetch?: FetchFn;
  /** CIDRs added to fetch.allowPrivate for this process. */
  allowPrivate?: readonly string[];
  timings?: Partial<Omit<RuntimeTimings, 'concurrency'>> & {
    concurrency?: Partial<Record<QueueName, number>>;
  };
  /** Port of /healthz, /readyz, /metrics; null: none. @defaultValue config http.metricsPort */
  metricsPort?: number | null;
  now?: () => number;
  /** Replaces the Redis story store (a single-process test or bench with the in-memory twin). */
  stories?: StoryStore;
}

export interface Stores {
  stories: StoryStore;
  records: RecordStore;
  sources: SourceStateStore;
  digests: DigestStore;
  /** Saved subscriptions and their delivery logs (webhooks). */
  subscriptions: SubscriptionStore;
  /** Machine drafts of stories' Chinese, apart from the records (src/store/drafts.ts). */
  drafts: DraftStore;
  /** Editions of the bulletin: editors' picks, order, published finals (src/store/editions.ts). */
  editions: EditionStore;
  /** The e-mailed digest's sent-marks, unsubscriptions and link secret (src/store/mail.ts). */
  mail: MailStore;
  /** Trained model versions and the promoted one (src/store/models.ts). */
  models: ModelStore;
}

export interface Runtime {
  config: Config;
  log: Logger;
  redis: Redis;
  /** Where Redis is (the API opens its own fail-fast client there: src/api/server.ts). */
  redisTarget: RedisTarget;
  keys: ReturnType<typeof redisKeys>;
  stores: Stores;
  queues: Record<QueueName, Queue>;
  workers: Worker[];
  metrics: Metrics;
  leadership?: Leadership;
  ops?: OpsServer;
  /** The webhook fan-out (processes of the deliver role). */
  webhookFanout?: WebhookFanout;
  /** The registry this process runs (the cluster's stored one once known). */
  sources(): readonly SourceEntry[];
  readiness(): Promise<Readiness>;
  /** Reconciles schedulers now (the leader does it on its own every lease/3). */
  reconcile(): Promise<void>;
  close(): Promise<void>;
}

export async function openRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { config, log } = opts;
  const configured = timingsOf(config.app.queue);
  const timings: RuntimeTimings = {
    ...configured,
    ...opts.timings,
    concurrency: { ...configured.concurrency, ...opts.timings?.concurrency },
  };
  const now = opts.now ?? Date.now;
  const prefix = config.app.redis.prefix;
  const keys = redisKeys(prefix);
  const redis = connect(opts.redis, 'worker', log.child({ conn: 'main' }));
  try {
    await checkRedisSettings(redis, config.app.profile, log);
  } catch (err) {
    redis.disconnect();
    throw err;
  }

  let registry: readonly SourceEntry[] = config.sources;
  let byId = new Map(registry.map((s) => [s.id, s]));
  const useRegistry = (sources: readonly SourceEntry[]) => {
    registry = sources;
    byId = new Map(sources.map((s) => [s.id, s]));
  };
  const localHash = registryHash(config.sources);
  const stored = await storedRegistry(redis, keys);
  if (stored && stored.hash !== localHash)
    log.warn(
      { local: localHash, cluster: stored.hash },
      'config/sources.yaml differs from the registry the cluster runs; this process follows the cluster until a leader publishes a new one',
    );
  if (stored) useRegistry(stored.sources);

  const taxonomy = compileTaxonomy(config.topics, config.tags);
  const metrics = createMetrics();
  // SMTP connects at the first mail job (a process that never mails needs no SMTP settings).
  let smtp: MailTransport | undefined;
  const stores: Stores = {
    stories: opts.stories ?? createRedisStoryLog({ redis, prefix, ...storyOptionsOf(config.sources) }),
    records: createRedisRecordStore({
      redis,
      prefix,
      recordDays: config.app.retention.recordDays,
      streamMaxLen: config.app.retention.streamMaxLen,
      now,
    }),
    sources: createRedisSourceStore({ redis, prefix }),
    digests: createRedisDigestStore({ redis, prefix, keepDays: config.app.retention.recordDays }),
    subscriptions: createRedisSubscriptionStore({
      redis,
      prefix,
      keepDays: config.app.retention.recordDays,
      now,
    }),
    drafts: createRedisDraftStore({ redis, prefix, keepDays: config.app.retention.recordDays }),
    editions: createRedisEditionStore({ redis, prefix }),
    mail: createRedisMailStore({ redis, prefix }),
    models: createRedisModelStore({ redis, prefix }),
  };
  const queueOpts = { connection: redis, prefix };
  const queues = {
    fetch: new Queue(QUEUES.fetch, { ...queueOpts, defaultJobOptions: JOB_OPTIONS.fetch }),
    process: new Queue(QUEUES.process, { ...queueOpts, defaultJobOptions: JOB_OPTIONS.process }),
    deliver: new Queue(QUEUES.deliver, { ...queueOpts, defaultJobOptions: JOB_OPTIONS.deliver }),
    article: new Queue(QUEUES.article, { ...queueOpts, defaultJobOptions: JOB_OPTIONS.article }),
    translate: new Queue(QUEUES.translate, { ...queueOpts, defaultJobOptions: JOB_OPTIONS.translate }),
  } satisfies Record<QueueName, Queue>;
  // Machine drafts (docs/translation.md): with no backend configured, no job is queued and no worker runs.
  const translator = createTranslator(config.app.translation);
  const draftRecords = translator
    ? draftingRecords(stores.records, async (storyIds) => {
        await queues.translate.addBulk(
          storyIds.map((storyId) => ({
            name: 'translate',
            data: { storyId },
            opts: { jobId: `translate-${idPart(storyId)}` },
          })),
        );
      })
    : stores.records;
  const flows = new FlowProducer({ connection: redis, prefix });
  flows.on('error', (err) => log.warn({ err: err.message }, 'flow producer error'));
  for (const q of Object.values(queues))
    q.on('error', (err) => log.warn({ err: err.message, queue: q.name }, 'queue error'));

  const fetch =
    opts.fetch ??
    createFetcherFromConfig(config.app.fetch, {
      allowPrivate: opts.allowPrivate ? [...opts.allowPrivate] : undefined,
      // A worker killed mid-fetch holds its host slot until the lease ends: no longer than one fetch may take.
      limiter: createRedisHostLimiter({
        ...hostLimitsOf(config.app.fetch),
        redis,
        prefix,
        leaseMs: config.app.fetch.totalTimeoutMs + 5_000,
      }),
      log: log.child({ role: 'fetcher' }),
    }).fetch;

  const processors = {
    fetch: () =>
      fetchProcessor({
        source: (id) => byId.get(id),
        state: stores.sources,
        fetch,
        enqueueProcess: async (data, jobId, articles) => {
          if (articles.length === 0) {
            await queues.process.add('process', data, { jobId });
            return;
          }
          // The process job waits for its article children (each answers by the deadline, never fails).
          const deadline = new Date(now() + timings.articleDeadlineMs).toISOString();
          await flows.add({
            name: 'process',
            queueName: QUEUES.process,
            data,
            opts: { ...JOB_OPTIONS.process, jobId },
            children: articles.map((a) => ({
              name: 'article',
              queueName: QUEUES.article,
              data: { sourceId: data.sourceId, itemId: a.itemId, url: a.url, deadline },
              opts: { ...JOB_OPTIONS.article, jobId: `article-${idPart(jobId, a.itemId)}` },
            })),
          });
        },
        storedItems: (ids) => stores.records.seen(ids),
        ingest: config.app.ingest,
        metrics,
        log: log.child({ role: 'fetch' }),
        now,
      }),
    process: () =>
      processProcessor({
        source: (id) => byId.get(id),
        taxonomy: () => taxonomy,
        ...(config.app.model.enabled ? { model: activeModel(stores.models, config, log) } : {}),
        stories: stores.stories,
        records: draftRecords,
        sourceItems: stores.sources,
        now,
        metrics,
        log: log.child({ role: 'process' }),
        futureToleranceHours: config.app.ingest.futureToleranceHours,
      }),
    translate: () =>
      translateProcessor({
        records: stores.records,
        drafts: stores.drafts,
        // Started only when a backend is configured (the worker loop below skips the queue otherwise).
        translator: translator!,
        glossary: compileGlossary(config.glossary.entries),
        maxChars: config.app.translation.maxChars,
        metrics,
        log: log.child({ role: 'translate' }),
        now,
      }),
    article: () =>
      articleProcessor({
        source: (id) => byId.get(id),
        fetch,
        ingest: config.app.ingest,
        metrics,
        log: log.child({ role: 'article' }),
        now,
      }),
    deliver: () =>
      deliverProcessor({
        records: stores.records,
        digests: stores.digests,
        digest: config.app.digest,
        topics: () => config.topics.topics,
        sources: () => registry,
        metrics,
        log: log.child({ role: 'deliver' }),
        now,
        webhook: webhookProcessor({
          subscriptions: stores.subscriptions,
          // Receivers are checked like fetched URLs (the same allowPrivate); redirects are not followed.
          post: createWebhookPoster({
            allowPrivate: [...config.app.fetch.allowPrivate, ...(opts.allowPrivate ?? [])],
            timeoutMs: config.app.webhooks.timeoutMs,
            connectTimeoutMs: config.app.fetch.connectTimeoutMs,
            contact: config.app.fetch.contact,
          }),
          metrics,
          log: log.child({ role: 'webhook' }),
          now,
        }),
        mail: mailProcessor({
          store: stores.mail,
          transport: () => (smtp ??= createSmtpTransport(config.app.smtp)),
          edition: (date) =>
            readEdition(
              {
                records: stores.records,
                editions: stores.editions,
                digest: config.app.digest,
                topics: () => config.topics.topics,
                sources: () => registry,
              },
              date,
            ).then((e) => (e ? { digest: e.digest, final: e.edition === 'final' } : null)),
          config: config.app,
          keywords: createKeywords(config.glossary, config.tags),
          metrics,
          log: log.child({ role: 'mail' }),
        }),
      }),
  };

  const workers: Worker[] = [];
  const backoffs = new Map<Worker, OomBackoff>();
  for (const queueName of new Set(opts.roles.flatMap((r) => QUEUES_OF_ROLE[r]))) {
    if (queueName === 'translate' && !translator) continue;
    const role = queueName;
    const wopts: WorkerOptions = {
      connection: redisOptions(opts.redis, 'worker') as WorkerOptions['connection'],
      prefix,
      concurrency: timings.concurrency[role],
      lockDuration: timings.lockDuration,
      stalledInterval: timings.stalledInterval,
      drainDelay: timings.drainDelay,
      maxStalledCount: MAX_STALLED[role],
      settings: {
        // Webhook jobs name their own base delay (webhooks.backoffMs); the others double from 2 s.
        backoffStrategy: (attempts, _type, err, job) =>
          retryDelay(attempts, err, Math.random, backoffBaseOf(job) * timings.backoffScale),
      },
    };
    if ('url' in opts.redis) Object.assign(wopts.connection as object, urlConnection(opts.redis.url));
    const worker = new Worker(QUEUES[role], processors[role](), wopts);
    const wlog = log.child({ role });
    const logError = onceEvery(10_000, (err: string, repeated: number) =>
      wlog.warn({ err, ...(repeated ? { repeated } : {}) }, 'worker error'),
    );
    // While Redis refuses writes (OOM) the worker pauses and resumes after a growing delay (oom-backoff.ts).
    const backoff = oomBackoff(worker, {
      onPause: (pauseMs, pauses) => wlog.info({ pauseMs, pauses }, 'redis out of memory; worker paused'),
    });
    backoffs.set(worker, backoff);
    worker.on('error', (err) => {
      logError(err.message);
      backoff.onError(err);
    });
    worker.on('failed', (job: Job | undefined, err) =>
      wlog.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'),
    );
    worker.on('stalled', (jobId) => wlog.warn({ jobId }, 'job stalled; it runs again'));
    workers.push(worker);
  }

  // The deliver role also fans stream:all out to the subscriptions' webhooks (a consumer group shared by every
  // deliver process; docs/runtime.md).
  const webhookFanout = opts.roles.includes('deliver')
    ? await startWebhookFanout({
        group: createStreamGroup({ redis, key: keys.stream('all'), group: FANOUT_GROUP }),
        subscriptions: stores.subscriptions,
        enqueue: async (jobs) => {
          const jobOpts = webhookJobOptions(config.app.webhooks);
          await queues.deliver.addBulk(jobs.map((j) => ({ ...j, opts: { ...jobOpts, ...j.opts } })));
        },
        connect: () => connect(opts.redis, 'producer', log.child({ conn: 'webhook-fanout' })),
        log,
        claimIdleMs: timings.lockDuration,
        claimEveryMs: timings.stalledInterval,
      })
    : undefined;

  async function reconcile(): Promise<void> {
    const current = await storedRegistry(redis, keys);
    if (!current || current.hash !== localHash) {
      // The leader publishes its own registry (a deploy with a new sources.yaml restarts the leader too); a
      // missing one means Redis lost its data, so everything is reconciled again.
      await publishRegistry(redis, keys, config.sources);
      useRegistry(config.sources);
    }
    const fetched = await reconcileSchedulers(queues.fetch, wantedFetchSchedulers(registry), 'fetch-');
    const digest = await reconcileSchedulers(
      queues.deliver,
      wantedDigestSchedulers(config.app.digest),
      'digest-',
      JOB_OPTIONS.deliver,
    );
    const changed = [fetched, digest].some((r) => r.added.length + r.updated.length + r.removed.length > 0);
    if (changed) log.info({ fetch: fetched, digest }, 'schedulers reconciled');
  }

  const lead = opts.lead ?? opts.roles.length > 0;
  const leadership = lead
    ? startLeadership({
        redis,
        keys,
        leaseMs: timings.leaseMs,
        log: log.child({ role: 'leader' }),
        onTick: reconcile,
      })
    : undefined;
  if (!lead) {
    // Followers refresh the cluster's registry now and then, so a new source reaches every process.
    const refresh = setInterval(() => {
      storedRegistry(redis, keys)
        .then((r) => r && useRegistry(r.sources))
        .catch(() => undefined);
    }, timings.leaseMs);
    refresh.unref();
  }

  async function readiness(): Promise<Readiness> {
    const checks: Record<string, string> = {};
    try {
      await Promise.race([
        redis.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 500).unref()),
      ]);
      checks.redis = 'ok';
    } catch (err) {
      checks.redis = `unavailable: ${(err as Error).message}`;
    }
    for (const w of workers) {
      // A worker paused by the OOM backoff is well and resumes by itself; the check says when.
      const until = backoffs.get(w)?.pausedUntil();
      checks[`worker:${w.name}`] = until
        ? `backoff: redis out of memory, resumes in ${Math.max(0, until - Date.now())} ms`
        : w.isRunning()
          ? 'running'
          : 'stopped';
    }
    return {
      ready: Object.values(checks).every((c) => c === 'ok' || c === 'running' || c.startsWith('backoff')),
      checks,
    };
  }

  const metricsPort = opts.metricsPort === undefined ? config.app.http.metricsPort : opts.metricsPort;
  const ops =
    metricsPort === null
      ? undefined
      : await startOpsServer(metricsPort, config.app.http.host, {
          readiness,
          metrics,
          beforeScrape: () => sampleQueues(queues, metrics),
        });

  let closing: Promise<void> | null = null;
  return {
    config,
    log,
    redis,
    redisTarget: opts.redis,
    keys,
    stores,
    queues,
    workers,
    metrics,
    leadership,
    ops,
    webhookFanout,
    sources: () => registry,
    readiness,
    reconcile,
    close() {
      closing ??= (async () => {
        await leadership?.stop();
        await webhookFanout?.stop();
        // Stop taking jobs and let in-flight ones finish; past the grace period hand them back (they stall
        // and another worker runs them again).
        await Promise.all(
          workers.map(async (w) => {
            // pause() stops taking jobs and waits for the active ones; close() would return the same pending
            // promise to a later close(true), so the forced close must not start from a graceful close.
            // A worker the OOM backoff paused is resumed first: pause() of a paused worker would not wait.
            const resumeFirst = backoffs.get(w)?.stop() && w.isPaused();
            const graceful = (resumeFirst ? w.resume() : Promise.resolve())
              .then(() => w.pause(false))
              .then(() => true);
            const timer = new Promise<boolean>((r) =>
              setTimeout(() => r(false), timings.closeTimeoutMs).unref(),
            );
            await w.close(!(await Promise.race([graceful, timer])));
          }),
        );
        await Promise.all(Object.values(queues).map((q) => q.close().catch(() => undefined)));
        await flows.close().catch(() => undefined);
        smtp?.close();
        await ops?.close();
        await redis.quit().catch(() => redis.disconnect());
      })();
      return closing;
    },
  };
}

/**
 * A log call for one distinct message at most once per `everyMs`, told how many repeats it held back. A worker
 * whose Redis refuses writes (OOM) emits an error event per refused command — BullMQ's fetch loop retries at
 * once, thousands a second (T-Q7, docs/reliability.md) — and the log must not grow at that rate.
 */
function onceEvery(everyMs: number, log: (message: string, repeated: number) => void) {
  const last = new Map<string, { at: number; held: number }>();
  return (message: string) => {
    const now = Date.now();
    const seen = last.get(message);
    if (seen && now - seen.at < everyMs) {
      seen.held++;
      return;
    }
    log(message, seen?.held ?? 0);
    last.set(message, { at: now, held: 0 });
    if (last.size > 100) last.delete(last.keys().next().value!);
  };
}

/** Host, port, credentials and TLS of a redis:// URL as ioredis options (BullMQ workers take options). */
function urlConnection(url: string): Record<string, unknown> {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined && !Number.isNaN(db) ? { db } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Sets the queue-depth gauges from the queues' job counts (before each /metrics scrape). */
export async function sampleQueues(queues: Record<QueueName, Queue>, metrics: Metrics): Promise<void> {
  for (const [name, queue] of Object.entries(queues)) {
    const counts = await queue.getJobCounts(
      'waiting',
      'active',
      'delayed',
      'failed',
      'completed',
      'waiting-children',
    );
    for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ queue: name, state }, n);
  }
}
