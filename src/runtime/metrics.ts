/** Prometheus metrics of one process (prom-client, its own registry so tests can run several). */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

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
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
