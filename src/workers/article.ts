/**
 * Article worker: one child job per item whose feed or listing gave no usable summary. It fetches the
 * article page once through the hardened fetcher, before the deadline the fetch worker set, and returns the
 * extraction; its parent process job runs when every child has answered. Past the deadline, or on any error,
 * it returns null: the record is then emitted without the article's summary — once either way. The page is
 * read on a worker thread (src/extract/article-pool.ts): a page that takes seconds to read never blocks the event
 * loop that renews the job locks, and its read ends at the deadline.
 */
import type { Processor } from 'bullmq';
import type { AppConfig } from '../config/app-schema.js';
import type { SourceEntry } from '../config/sources-schema.js';
import { isGeoError } from '../errors.js';
import { type ArticleExtractor, createArticleExtractor } from '../extract/article-pool.js';
import type { Logger } from '../log.js';
import type { ArticleExtraction } from '../pipeline/article/index.js';
import type { FetchFn } from '../pipeline/fetch-port.js';
import { contentTypeOf } from '../pipeline/parse/content-type.js';
import type { Metrics } from '../runtime/metrics.js';
import { ArticleJob, jobData } from './job-data.js';

export interface ArticleWorkerDeps {
  source: (id: string) => SourceEntry | undefined;
  fetch: FetchFn;
  ingest: AppConfig['ingest'];
  metrics: Metrics;
  log: Logger;
  now: () => number;
  /**
   * Reads the pages: worker threads, each page within the time left before the job's deadline
   * (src/extract/article-pool.ts). @defaultValue createArticleExtractor()
   */
  extractor?: ArticleExtractor;
}

export interface ArticleResult {
  itemId: string;
  extraction: ArticleExtraction | null;
}

export function articleProcessor(deps: ArticleWorkerDeps): Processor {
  const extractor = deps.extractor ?? createArticleExtractor();
  return async (job): Promise<ArticleResult> => {
    const data = jobData(ArticleJob, job.data, 'article');
    const none = (outcome: string): ArticleResult => {
      deps.metrics.items.inc({ stage: 'article', outcome });
      return { itemId: data.itemId, extraction: null };
    };
    const left = Date.parse(data.deadline) - deps.now();
    if (left <= 0) return none('late');
    const source = deps.source(data.sourceId);
    const signal = AbortSignal.timeout(left);
    try {
      const res = await deps.fetch(data.url, { signal });
      if (res.status !== 200) return none('not_modified');
      // Off the event loop, within the time left (the page read stops at the deadline: PARSE_TIMEOUT).
      const extraction = await extractor.extract(
        res.body,
        {
          url: res.finalUrl,
          contentType: contentTypeOf(res),
          summaryMinChars: deps.ingest.summaryMinChars,
          summaryMaxChars: deps.ingest.summaryMaxChars,
          rule: source?.article,
        },
        Date.parse(data.deadline) - deps.now(),
      );
      deps.metrics.items.inc({ stage: 'article', outcome: extraction.summary ? extraction.method : 'empty' });
      return { itemId: data.itemId, extraction };
    } catch (err) {
      const code = isGeoError(err) ? err.code : 'INTERNAL';
      deps.log.info(
        { jobId: job.id, url: data.url, code },
        'article page not read; the record goes without it',
      );
      return none(code);
    }
  };
}
