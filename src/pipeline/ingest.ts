import type { AppConfig } from '../config/app-schema.js';
import type { SourceEntry } from '../config/sources-schema.js';
import { classifyItem, type Taxonomy } from './classify/index.js';
import type { StoryIndex } from './dedupe/index.js';
import { normalizeDocument } from './normalize/index.js';
import { buildRecord } from './record.js';
import type { DigestRecord, ParseDocument, Warning } from './types.js';

export interface IngestContext {
  source: SourceEntry;
  /** ISO-8601 fetch time (the clock is the caller's). */
  fetchedAt: string;
  /** Document URL when fetched; a file has none. */
  url?: string;
  limits: AppConfig['ingest'];
  taxonomy: Taxonomy;
  /** Story index shared across the documents of one run (in memory for the CLI, Redis-backed in workers). */
  stories: StoryIndex;
}

export interface IngestResult {
  records: DigestRecord[];
  /** Parse and normalise warnings, each with a stable code; dropped entries are among them. */
  warnings: Warning[];
}

/**
 * One parsed document through every later stage: normalise → language and classification → story
 * assignment → digest record. Returns one record per kept item, in document order.
 */
export function ingestDocument(doc: ParseDocument, ctx: IngestContext): IngestResult {
  const { source } = ctx;
  const normalized = normalizeDocument(doc, {
    sourceId: source.id,
    fetchedAt: ctx.fetchedAt,
    baseUrl: ctx.url ?? source.url,
    languageHint: source.language ?? doc.feed.language ?? undefined,
    maxItemAgeDays: ctx.limits.maxItemAgeDays,
    futureToleranceHours: ctx.limits.futureToleranceHours,
    summaryMaxChars: ctx.limits.summaryMaxChars,
  });
  const records = normalized.items.map((item) => {
    const classification = classifyItem(item, ctx.taxonomy, {
      sourceHints: source.topicHints,
      events: source.events || undefined,
    });
    const story = ctx.stories.assign(
      { ...item, language: classification.language },
      {
        relay: source.relay,
        sourceId: source.id,
      },
    );
    return buildRecord({ item, classification, story, source, fetchedAt: ctx.fetchedAt });
  });
  return { records, warnings: [...doc.warnings, ...normalized.warnings] };
}
