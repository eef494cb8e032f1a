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
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

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
