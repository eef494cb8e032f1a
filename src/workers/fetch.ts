/**
 * Fetch worker: one job per source per due time. Polls the source (conditional GET, parse only a new body),
 * normalises, hands the items to the process queue, then keeps validators, body and health counters. The
 * process job is queued before the validators are saved, so a crash in between costs a refetch, never items.
 */
import type { Processor } from 'bullmq';
import type { AppConfig } from '../config/app-schema.js';
import type { SourceEntry } from '../config/sources-schema.js';
import { GeoError, isGeoError } from '../errors.js';
import type { Logger } from '../log.js';
import { articleUrl, needsArticle } from '../pipeline/article/index.js';
import type { FetchFn } from '../pipeline/fetch-port.js';
import { durationMs, fetchDue, type HealthCounters, nextHealth } from '../pipeline/health.js';
import { datesAllFetchDay, healthFlags } from '../pipeline/health-flags.js';
import { normalizeFor } from '../pipeline/ingest.js';
import { parseDocument } from '../pipeline/parse/index.js';
import { pollDocument } from '../pipeline/poll.js';
import type { Item } from '../pipeline/types.js';
import { type Metrics, setHealthMetrics } from '../runtime/metrics.js';
import { forQueue, idPart } from '../runtime/queues.js';
import type { SourceStateStore } from '../store/types.js';
import { FetchJob, jobData } from './job-data.js';

export interface FetchWorkerDeps {
  source: (id: string) => SourceEntry | undefined;
  state: SourceStateStore;
  fetch: FetchFn;
  /**
   * Adds the process job (the id makes a re-run of this fetch add nothing), with one article child job per
   * listed item: the process job then runs once they have all answered.
   */
  enqueueProcess: (
    data: { sourceId: string; fetchedAt: string; url: string; items: Item[] },
    jobId: string,
    articles: Array<{ itemId: string; url: string }>,
  ) => Promise<void>;
  /** Which of these item ids are already stored (their article pages are not fetched again). */
  storedItems: (ids: string[]) => Promise<boolean[]>;
  ingest: AppConfig['ingest'];
  metrics: Metrics;
  log: Logger;
  now: () => number;
}

export function fetchProcessor(deps: FetchWorkerDeps): Processor {
  const saveHealth = async (sourceId: string, h: HealthCounters) => {
    await deps.state.setHealth(sourceId, h);
    const source = deps.source(sourceId);
    if (source) setHealthMetrics(deps.metrics, sourceId, h, healthFlags(source, h, deps.now()));
  };
  /** Items whose feed gave no usable summary, not stored yet, and their pages (unless the source says no). */
  const articlesFor = async (items: Item[], source: SourceEntry) => {
    if (source.article?.enabled === false) return [];
    const wanted = items.filter((i) => needsArticle(i, deps.ingest.summaryMinChars));
    if (wanted.length === 0) return [];
    const stored = await deps.storedItems(wanted.map((i) => i.id));
    return wanted.filter((_, k) => !stored[k]).map((i) => ({ itemId: i.id, url: articleUrl(i)! }));
  };
  return async (job) => {
    const { sourceId } = jobData(FetchJob, job.data, 'fetch');
    const source = deps.source(sourceId);
    if (!source) throw forQueue(new GeoError('SOURCE_UNKNOWN', `no source "${sourceId}" in the registry`));
    const log = deps.log.child({ jobId: job.id, source: sourceId });
    const { validators, health } = await deps.state.get(sourceId);
    const nowMs = deps.now();
    // A scheduled slot inside a backoff or probe wait does nothing (retries of a started fetch do run).
    if (job.attemptsMade === 0 && !fetchDue(health, nowMs)) {
      deps.metrics.fetches.inc({ source: sourceId, outcome: 'skipped' });
      return { skipped: health.mode ?? 'wait', nextFetchAt: health.nextFetchAt };
    }
    const at = { nowMs, pollEveryMs: durationMs(source.pollEvery) };
    const timer = deps.metrics.stageSeconds.startTimer({ stage: 'fetch' });
    try {
      const res = await pollDocument(
        { fetch: deps.fetch, parse: parseDocument, now: deps.now },
        {
          url: source.url,
          ...validators,
          kind: source.kind,
          html: source.html,
          maxItems: deps.ingest.maxItemsPerDocument,
        },
      );
      if (res.status === 'not-modified') {
        await deps.state.setValidators(sourceId, res.validators);
        await saveHealth(
          sourceId,
          nextHealth(health, { kind: 'not-modified', permanentRedirect: res.permanentRedirect ?? null }, at),
        );
        deps.metrics.fetches.inc({ source: sourceId, outcome: 'not_modified' });
        log.info({ status: 304 }, 'not modified');
        return { status: 304 };
      }
      const fetchedAt = new Date(nowMs).toISOString();
      const { items, warnings } = normalizeFor(res.doc, {
        source,
        fetchedAt,
        url: res.finalUrl,
        limits: deps.ingest,
      });
      const jobId = `process-${sourceId}-${idPart(res.finalUrl, res.body)}`;
      await deps.enqueueProcess(
        { sourceId, fetchedAt, url: res.finalUrl, items },
        jobId,
        await articlesFor(items, source),
      );
      await deps.state.setValidators(sourceId, res.validators);
      await deps.state.putBody(sourceId, {
        bytes: res.body,
        url: res.finalUrl,
        contentType: res.contentType,
        fetchedAt,
      });
      const newest = items.reduce<string | null>(
        (m, i) => (i.publishedAt && (!m || i.publishedAt > m) ? i.publishedAt : m),
        null,
      );
      await saveHealth(
        sourceId,
        nextHealth(
          health,
          {
            kind: 'ok',
            items: res.doc.items.length,
            newestItemAt: newest,
            datesAllFetchDay: datesAllFetchDay(
              res.doc.items.map((i) => i.published),
              nowMs,
              source.timeZone,
            ),
            permanentRedirect: res.permanentRedirect ?? null,
          },
          at,
        ),
      );
      deps.metrics.fetches.inc({ source: sourceId, outcome: 'ok' });
      deps.metrics.items.inc({ stage: 'fetch', outcome: 'parsed' }, items.length);
      log.info(
        {
          status: 200,
          items: items.length,
          warnings: warnings.length,
          fetchMs: res.fetchMs,
          parseMs: res.parseMs,
        },
        'fetched',
      );
      return { status: 200, items: items.length, warnings: warnings.length, processJob: jobId };
    } catch (err) {
      const e = isGeoError(err)
        ? err
        : new GeoError('INTERNAL', (err as Error)?.message ?? String(err), { cause: err });
      await saveHealth(
        sourceId,
        nextHealth(
          health,
          {
            kind: 'error',
            code: e.code,
            message: e.message,
            retry: e.retry,
            retryOfSlot: job.attemptsMade > 0,
          },
          at,
        ),
      );
      deps.metrics.fetches.inc({ source: sourceId, outcome: e.code });
      log.warn({ code: e.code, retry: e.retry, attempt: job.attemptsMade + 1 }, e.message);
      throw forQueue(e);
    } finally {
      timer();
    }
  };
}
