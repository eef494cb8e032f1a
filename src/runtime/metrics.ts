/** Prometheus metrics of one process (prom-client, its own registry so tests can run several). */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { HealthCounters } from '../pipeline/health.js';
import { flagValues, type HealthFlag } from '../pipeline/health-flags.js';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'geointel_' });
  return {
    registry,
    fetches: new Counter({
      name: 'geointel_fetches_total',
      help: 'Source fetches by outcome (ok, not_modified, skipped, error code)',
      labelNames: ['source', 'outcome'] as const,
      registers: [registry],
    }),
    items: new Counter({
      name: 'geointel_items_total',
      help: 'Items by stage and outcome (fetch: parsed; process: emitted, duplicate, unchanged, stored)',
      labelNames: ['stage', 'outcome'] as const,
      registers: [registry],
    }),
    dedupeHits: new Counter({
      name: 'geointel_dedupe_hits_total',
      help: 'Items that joined an existing story',
      registers: [registry],
    }),
    stageSeconds: new Histogram({
      name: 'geointel_stage_seconds',
      help: 'Stage latency per job',
      labelNames: ['stage'] as const,
      buckets: [0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'geointel_queue_jobs',
      help: 'Jobs per queue and state (sampled at scrape time)',
      labelNames: ['queue', 'state'] as const,
      registers: [registry],
    }),
    sourceFailures: new Gauge({
      name: 'geointel_source_consecutive_failures',
      help: 'Consecutive failed fetches per source',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    sourceFlag: new Gauge({
      name: 'geointel_source_flag',
      help: 'Health flags per source, 1 when raised (silent, empty-listing, dates-all-fetch-day, moved)',
      labelNames: ['source', 'flag'] as const,
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'geointel_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (delivered; failed: retried; gave_up: retries exhausted or a permanent error)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    webhookSeconds: new Histogram({
      name: 'geointel_webhook_delivery_seconds',
      help: 'Webhook POST duration per attempt, failed ones included',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    mailMessages: new Counter({
      name: 'geointel_mail_messages_total',
      help: 'Digest e-mails per address by outcome (sent; failed: refused or deferred; skipped: already sent for that date and list)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    liveConnections: new Gauge({
      name: 'geointel_live_connections',
      help: 'Open live connections of this API process by kind (sse, ws)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    liveEnded: new Counter({
      name: 'geointel_live_ended_total',
      help: 'Live connections ended because their credential ended, by path (notice, recheck)',
      labelNames: ['path'] as const,
      registers: [registry],
    }),
    classified: new Counter({
      name: 'geointel_classified_total',
      help: 'Items classified by the process worker, by final topic (or off-topic) and decider (rule, lexicon, model)',
      labelNames: ['topic', 'decided_by'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The label values of the webhook, mail and live-connection series (bounded); {@link zeroSeries} publishes them at 0. */
export const WEBHOOK_OUTCOMES = ['delivered', 'failed', 'gave_up'] as const;
export const MAIL_OUTCOMES = ['sent', 'failed', 'skipped'] as const;
export const LIVE_KINDS = ['sse', 'ws'] as const;
export const LIVE_END_PATHS = ['notice', 'recheck'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];
export type MailOutcome = (typeof MAIL_OUTCOMES)[number];
export type LiveKind = (typeof LIVE_KINDS)[number];
export type LiveEndPath = (typeof LIVE_END_PATHS)[number];

/**
 * Publishes one series per value of a bounded label at 0 (a counter is added 0, a gauge left as it is), so a
 * process that runs the component shows them, and `rate()` works, before the first event. Call it where the
 * component starts.
 * @example zeroSeries(metrics.webhookDeliveries, 'outcome', WEBHOOK_OUTCOMES)
 */
export function zeroSeries<L extends string>(
  metric: Counter<L> | Gauge<L>,
  label: L,
  values: readonly string[],
): void {
  for (const v of values) metric.inc({ [label]: v } as Partial<Record<L, string>>, 0);
}

/**
 * Publishes a source's saved health: the consecutive-failures gauge and one `geointel_source_flag` series per
 * flag (0 or 1, so a cleared flag drops back to 0). Call it wherever health is saved.
 * @example setHealthMetrics(metrics, source.id, health, healthFlags(source, health, now()))
 */
export function setHealthMetrics(
  metrics: Pick<Metrics, 'sourceFailures' | 'sourceFlag'>,
  sourceId: string,
  health: HealthCounters,
  flags: readonly HealthFlag[],
): void {
  metrics.sourceFailures.set({ source: sourceId }, health.consecutiveFailures);
  for (const [flag, value] of Object.entries(flagValues(flags)))
    metrics.sourceFlag.set({ source: sourceId, flag }, value);
}
