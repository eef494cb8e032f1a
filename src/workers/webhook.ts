/**
 * One webhook delivery (a `webhook` job of the deliver queue): POST the record JSON to the subscription's
 * receiver, signed (`X-Geointel-Signature`), with the stable delivery id (`X-Geointel-Delivery`, the same on
 * every attempt) and `X-Geointel-Event: record`.
 *
 * - A story with a recorded success is never sent again (checked first; the success is recorded in one atomic
 *   step with its log entry: src/store/subscriptions.ts). A deleted subscription's jobs send nothing; an
 *   inactive one's are dropped.
 * - 2xx: success. Anything else is logged as a failed attempt and rethrown: BullMQ retries it with exponential
 *   backoff from `webhooks.backoffMs` (Retry-After of a 429/503 wins), up to `webhooks.attempts` tries.
 *   Permanent failures end at once: a 4xx other than 408, 425 and 429 (the receiver refuses this body, and
 *   would refuse it again), a 3xx (redirects are not followed), and a URL the fetch policy refuses.
 * - At least once: a worker killed after the receiver answered but before the success was recorded makes
 *   the job run again (a stalled job): the receiver gets the same delivery id twice and should dedupe on it.
 * - Metrics: every attempt that POSTs counts once in `geointel_webhook_deliveries_total{outcome}` — `delivered`,
 *   `failed` (retried) or `gave_up` (the last try, or a permanent failure) — and its duration in
 *   `geointel_webhook_delivery_seconds`; jobs that send nothing (already delivered, gone, inactive) count nothing.
 */
import type { Job } from 'bullmq';
import type { AppConfig } from '../config/app-schema.js';
import { GeoError, isGeoError } from '../errors.js';
import type { WebhookPoster } from '../fetch/webhook-post.js';
import type { Logger } from '../log.js';
import { signatureHeader } from '../pipeline/webhook-signature.js';
import { type Metrics, WEBHOOK_OUTCOMES, type WebhookOutcome, zeroSeries } from '../runtime/metrics.js';
import { BACKOFF_TYPE, forQueue } from '../runtime/queues.js';
import type { SubscriptionStore } from '../store/subscriptions.js';
import { jobData, WebhookJob } from './job-data.js';

export interface WebhookWorkerDeps {
  subscriptions: SubscriptionStore;
  post: WebhookPoster;
  /** `geointel_webhook_deliveries_total{outcome}` (one per attempt) and `geointel_webhook_delivery_seconds`. */
  metrics: Pick<Metrics, 'webhookDeliveries' | 'webhookSeconds'>;
  log: Logger;
  now: () => number;
}

export type WebhookResult =
  | { status: 'delivered' | 'delivered-again'; httpStatus: number; attempt: number; ms: number }
  | { status: 'already-delivered' | 'gone' | 'inactive' };

export function webhookProcessor(deps: WebhookWorkerDeps): (job: Job) => Promise<WebhookResult> {
  zeroSeries(deps.metrics.webhookDeliveries, 'outcome', WEBHOOK_OUTCOMES);
  const count = (outcome: WebhookOutcome, started: number) => {
    deps.metrics.webhookDeliveries.inc({ outcome });
    deps.metrics.webhookSeconds.observe((performance.now() - started) / 1000);
  };
  return async (job) => {
    const data = jobData(WebhookJob, job.data, 'deliver');
    const sub = await deps.subscriptions.get(data.subscriptionId);
    if (!sub) return { status: 'gone' };
    if (!sub.active) return { status: 'inactive' };
    if (await deps.subscriptions.isDelivered(sub.id, data.storyId)) return { status: 'already-delivered' };
    // attemptsStarted counts a run cut by a dead worker too; attemptsMade only the failures BullMQ retried.
    const attempt = Math.max(job.attemptsStarted ?? 0, job.attemptsMade + 1);
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const log = deps.log.child({ subscription: sub.id, delivery: data.deliveryId, attempt });
    const headers = {
      'Content-Type': 'application/json; charset=utf-8',
      'X-Geointel-Signature': signatureHeader(sub.secret, Math.floor(deps.now() / 1000), data.record),
      'X-Geointel-Delivery': data.deliveryId,
      'X-Geointel-Event': 'record',
    };
    const base = { deliveryId: data.deliveryId, storyId: data.storyId, attempt };
    let answer: Awaited<ReturnType<WebhookPoster>>;
    const started = performance.now();
    try {
      answer = await deps.post(sub.url, data.record, headers);
    } catch (err) {
      const e = isGeoError(err)
        ? err
        : new GeoError('INTERNAL', `webhook delivery failed: ${(err as Error).message}`, { cause: err });
      const status = (e.details as { status?: number } | undefined)?.status;
      // Counted when the attempt ends, whatever the log does next (a deleted subscription's included).
      count(e.retry === 'permanent' || last ? 'gave_up' : 'failed', started);
      const outcome = await deps.subscriptions.recordAttempt(sub.id, {
        ...base,
        at: new Date(deps.now()).toISOString(),
        status: 'failed',
        httpStatus: typeof status === 'number' ? status : null,
        ms: Math.round(performance.now() - started),
        errorCode: e.code,
        final: e.retry === 'permanent' || last,
      });
      log.warn({ code: e.code, permanent: e.retry === 'permanent', last }, 'webhook attempt failed');
      if (outcome === 'gone') return { status: 'gone' };
      throw forQueue(e);
    }
    count('delivered', started);
    const outcome = await deps.subscriptions.recordAttempt(sub.id, {
      ...base,
      at: new Date(deps.now()).toISOString(),
      status: 'delivered',
      httpStatus: answer.status,
      ms: answer.ms,
      errorCode: null,
      final: true,
    });
    log.info({ httpStatus: answer.status, ms: answer.ms, outcome }, 'webhook delivered');
    if (outcome === 'gone') return { status: 'gone' };
    return {
      status: outcome === 'repeat' ? 'delivered-again' : 'delivered',
      httpStatus: answer.status,
      attempt,
      ms: answer.ms,
    };
  };
}

/** BullMQ options of a webhook job: the configured tries and backoff (the deliver queue's `geointel` type). */
export function webhookJobOptions(cfg: AppConfig['webhooks']) {
  return {
    attempts: cfg.attempts,
    backoff: { type: BACKOFF_TYPE, delay: cfg.backoffMs },
    removeOnComplete: { age: 7 * 86_400, count: 10_000 },
    removeOnFail: { age: 30 * 86_400, count: 10_000 },
  };
}
