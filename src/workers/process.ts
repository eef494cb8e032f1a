/**
 * Process worker: one job per fetched document. Classifies the items in small chunks (yielding between them
 * so the job lock keeps being renewed), assigns stories through the store, builds records and stores them:
 * the record store marks each story seen and emits it in one atomic step, so a re-run emits nothing twice.
 * Every classified item counts once in `geointel_classified_total{topic, decided_by}` from the stage's own
 * decision (`Classified.decision`; a re-run job's items are classified, and counted, again).
 */
import type { Job, Processor } from 'bullmq';
import type { SourceEntry } from '../config/sources-schema.js';
import { GeoError } from '../errors.js';
import type { Logger } from '../log.js';
import { applyArticle } from '../pipeline/article/index.js';
import type { Taxonomy } from '../pipeline/classify/index.js';
import { type Classified, classifyFor, recordsFor } from '../pipeline/ingest.js';
import type { ModelScorer } from '../pipeline/model/scorer.js';
import type { Item } from '../pipeline/types.js';
import type { Metrics } from '../runtime/metrics.js';
import { forQueue } from '../runtime/queues.js';
import type { PutOutcome, RecordStore, SourceStateStore, StoryStore } from '../store/types.js';
import type { ArticleResult } from './article.js';
import { jobData, ProcessJob } from './job-data.js';

export interface ProcessWorkerDeps {
  source: (id: string) => SourceEntry | undefined;
  taxonomy: () => Taxonomy;
  /**
   * The learned model of the moment (src/store/models.ts `followActiveModel`): asked once per job, so a
   * promoted or restored version is used from the next job on; absent or undefined: the lexicons alone.
   */
  model?: () => Promise<ModelScorer | undefined>;
  stories: StoryStore;
  records: RecordStore;
  /** Where new items per source and day are counted (items per week); absent: not counted. */
  sourceItems?: Pick<SourceStateStore, 'addItems'>;
  /** The clock of the item counts. @defaultValue Date.now */
  now?: () => number;
  metrics: Metrics;
  log: Logger;
  /** Items classified between two yields to the event loop. @defaultValue 25 */
  chunk?: number;
  /** Items whose stories are assigned and records stored together. @defaultValue 100 */
  slice?: number;
  /** A page date later than the fetch plus this many hours is not believed (config ingest). */
  futureToleranceHours: number;
}

/** The items with what their article child jobs extracted (none when the job has no children). */
async function withArticles(
  job: Job,
  items: Item[],
  fetchedAt: string,
  toleranceHours: number,
): Promise<Item[]> {
  const values = Object.values(await job.getChildrenValues<ArticleResult | null>());
  if (values.length === 0) return items;
  const byItem = new Map(values.filter((v) => v?.extraction).map((v) => [v!.itemId, v!.extraction!]));
  const notAfter = new Date(Date.parse(fetchedAt) + toleranceHours * 3_600_000).toISOString();
  return items.map((item) => {
    const ex = byItem.get(item.id);
    return ex ? applyArticle(item, ex, { notAfter }) : item;
  });
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export function processProcessor(deps: ProcessWorkerDeps): Processor {
  const chunk = deps.chunk ?? 25;
  const slice = deps.slice ?? 100;
  return async (job) => {
    const data = jobData(ProcessJob, job.data, 'process');
    const source = deps.source(data.sourceId);
    if (!source)
      throw forQueue(new GeoError('SOURCE_UNKNOWN', `no source "${data.sourceId}" in the registry`));
    const timer = deps.metrics.stageSeconds.startTimer({ stage: 'process' });
    try {
      const taxonomy = deps.taxonomy();
      const model = await deps.model?.();
      const items = await withArticles(job, data.items as Item[], data.fetchedAt, deps.futureToleranceHours);
      const counts: Record<PutOutcome, number> = { emitted: 0, duplicate: 0, unchanged: 0, stored: 0 };
      /** `<topic> <decider>` → items (topic ids hold no space). */
      const decided = new Map<string, number>();
      let hits = 0;
      // Stories are assigned and records stored per slice, so a 1 000-item document streams its first records
      // while the rest is classified (assignment does not depend on the slicing: tested).
      for (let start = 0; start < items.length; start += slice) {
        const classified: Classified[] = [];
        for (let i = start; i < Math.min(start + slice, items.length); i += chunk) {
          for (const item of items.slice(i, Math.min(i + chunk, start + slice))) {
            const c = classifyFor(item, source, taxonomy, model);
            classified.push(c);
            const key = `${c.decision.topic} ${c.decision.by}`;
            decided.set(key, (decided.get(key) ?? 0) + 1);
          }
          await yieldToLoop();
        }
        const assignments = await deps.stories.assign(classified.map((c) => c.story));
        for (const o of await deps.records.put(recordsFor(classified, assignments, source, data.fetchedAt)))
          counts[o]++;
        hits += assignments.filter((a) => a.duplicateOf !== null).length;
      }
      for (const [outcome, n] of Object.entries(counts))
        if (n) deps.metrics.items.inc({ stage: 'process', outcome }, n);
      for (const [key, n] of decided) {
        const [topic, decidedBy] = key.split(' ') as [string, string];
        deps.metrics.classified.inc({ topic, decided_by: decidedBy }, n);
      }
      // New items only: a re-run job's items are `unchanged` and count nothing again.
      await deps.sourceItems?.addItems(
        data.sourceId,
        counts.emitted + counts.duplicate + counts.stored,
        (deps.now ?? Date.now)(),
      );
      deps.metrics.dedupeHits.inc(hits);
      deps.log.info(
        { jobId: job.id, source: data.sourceId, items: data.items.length, ...counts },
        'processed',
      );
      return counts;
    } catch (err) {
      throw forQueue(err);
    } finally {
      timer();
    }
  };
}
