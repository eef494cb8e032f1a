/**
 * Deliver worker: the daily digest. The job id is `digest-<YYYY-MM-DD>`; the store creates the digest and
 * queues it for delivery in one atomic step, so a job that runs twice builds twice but stores and delivers
 * once. Webhooks and e-mail read the outbox (next issues).
 *
 * A job named `webhook` is one webhook delivery instead (src/workers/webhook.ts), queued by the fan-out.
 */
import { type Job, type Processor, UnrecoverableError } from 'bullmq';
import type { AppConfig } from '../config/app-schema.js';
import type { SourceEntry } from '../config/sources-schema.js';
import type { Logger } from '../log.js';
import { buildDigest, type DigestTopic, selectionOptions } from '../pipeline/digest/index.js';
import { digestDateAt } from '../pipeline/digest/zoned.js';
import type { Metrics } from '../runtime/metrics.js';
import { forQueue } from '../runtime/queues.js';
import type { DigestStore, RecordStore } from '../store/types.js';
import { DeliverJob, jobData } from './job-data.js';

export interface DeliverWorkerDeps {
  records: RecordStore;
  digests: DigestStore;
  digest: AppConfig['digest'];
  topics: () => readonly DigestTopic[];
  /** The source registry: what each source publishes, for the digest's selection. Absent: none known. */
  sources?: () => readonly SourceEntry[];
  metrics: Metrics;
  log: Logger;
  now: () => number;
  /** The webhook deliveries (jobs named `webhook`); absent: such a job fails for good. */
  webhook?: (job: Job) => Promise<unknown>;
  /** The e-mailed digest (jobs named `mail`, src/workers/mail.ts); absent: such a job fails for good. */
  mail?: Processor;
}

const DAY = 86_400_000;

export function deliverProcessor(deps: DeliverWorkerDeps): Processor {
  return async (job) => {
    if (job.name === 'webhook') {
      if (!deps.webhook) throw new UnrecoverableError('INTERNAL: this deliver worker has no webhook sender');
      return deps.webhook(job);
    }
    if (job.name === 'mail') {
      if (!deps.mail) throw new UnrecoverableError('INTERNAL: this deliver worker has no mail sender');
      return deps.mail(job);
    }
    const data = jobData(DeliverJob, job.data, 'deliver');
    // A scheduled job names no date: the day whose window closed last before the job's own due time.
    const date =
      data.date ??
      digestDateAt(job.timestamp + (job.delay ?? 0), deps.digest.timeZone, deps.digest.cutoffHour);
    const timer = deps.metrics.stageSeconds.startTimer({ stage: 'digest' });
    try {
      const existing = await deps.digests.get(date);
      if (existing) return { date, created: false, items: existing.storyIds.length };
      // A superset of the day's window (time zones reach ±14 h); buildDigest keeps exactly the window.
      const day = Date.parse(`${date}T00:00:00Z`);
      const records = await deps.records.storiesBetween(day - 2 * DAY, day + DAY);
      const digest = buildDigest(records, {
        date,
        timeZone: deps.digest.timeZone,
        cutoffHour: deps.digest.cutoffHour,
        perSection: deps.digest.perSection,
        topics: deps.topics(),
        ...selectionOptions(deps.digest, deps.sources?.() ?? []),
      });
      const storyIds = digest.sections.flatMap((s) => s.items.map((e) => e.record.storyId));
      const created = await deps.digests.putIfAbsent({
        date,
        builtAt: new Date(deps.now()).toISOString(),
        storyIds,
        json: digest,
      });
      deps.log.info({ jobId: job.id, date, items: storyIds.length, created }, 'digest');
      return { date, created, items: storyIds.length };
    } catch (err) {
      throw forQueue(err);
    } finally {
      timer();
    }
  };
}
