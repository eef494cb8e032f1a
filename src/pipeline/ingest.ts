/**
 * One parsed document through every later stage, split where state lives: {@link normalizeFor} and
 * {@link classifyFor} are pure, story assignment is the caller's awaited store call (in memory for the CLI, Redis
 * in the workers), {@link recordsFor} is pure again. {@link ingestDocument} composes them for one process.
 */
import type { AppConfig } from '../config/app-schema.js';
import type { SourceEntry } from '../config/sources-schema.js';
import {
  classifyItemDetailed,
  type DetailedClassification,
  sourcePriorOf,
  type Taxonomy,
} from './classify/index.js';
import type { AssignMeta } from './dedupe/index.js';
import { type CombinedDecision, ruleDecides } from './model/combine.js';
import type { ModelScorer } from './model/scorer.js';
import { OFF_TOPIC_CLASS } from './model/serialize.js';
import { normalizeDocument } from './normalize/index.js';
import { buildRecord } from './record.js';
import type { Classification, DigestRecord, Item, ParseDocument, StoryAssignment, Warning } from './types.js';

/** Registry and limits a document is normalised under. */
export interface NormalizeFor {
  source: SourceEntry;
  /** ISO-8601 fetch time (the clock is the caller's). */
  fetchedAt: string;
  /** Document URL when fetched; a file has none. */
  url?: string;
  limits: AppConfig['ingest'];
}

/** Parse warnings and normalised items of one document (what a process job carries). */
export function normalizeFor(doc: ParseDocument, ctx: NormalizeFor): { items: Item[]; warnings: Warning[] } {
  const normalized = normalizeDocument(doc, {
    sourceId: ctx.source.id,
    fetchedAt: ctx.fetchedAt,
    baseUrl: ctx.url ?? ctx.source.url,
    // The item's own declared language is its feed's; the source's declared language joins it as a prior of
    // language detection in the classify stage (sourcePriorOf).
    languageHint: doc.feed.language ?? ctx.source.language ?? undefined,
    maxItemAgeDays: ctx.limits.maxItemAgeDays,
    futureToleranceHours: ctx.limits.futureToleranceHours,
    summaryMaxChars: ctx.limits.summaryMaxChars,
  });
  return { items: normalized.items, warnings: [...doc.warnings, ...normalized.warnings] };
}

/** An item classified and ready for story assignment. */
export interface Classified {
  item: Item;
  classification: Classification;
  /** Its final class (a topic id of the taxonomy, or `off-topic`) and who decided it (the process worker counts these). */
  decision: ClassDecision;
  /** The item as the story index sees it (with its detected language) and the registry facts. */
  story: { item: Item; meta: AssignMeta };
}

/** Who decided an item's class: an explicit rule, the lexicon, or the learned model (combine.ts `by`). */
export type Decider = CombinedDecision['by'];

export interface ClassDecision {
  /** A topic id, or `off-topic`. */
  topic: string;
  by: Decider;
}

/**
 * An item's final class and its decider, from the classify stage's answer: the model's verdict when a model was
 * asked; without one, an explicit rule (an event rule, a title veto, the source's topicHints naming the chosen
 * topic — what combine.ts calls a rule, so an item counts alike with or without a model) or else the lexicon.
 */
export function classDecision(
  detailed: DetailedClassification,
  sourceHints?: readonly string[],
): ClassDecision {
  const { classification: c, explanation } = detailed;
  const topic = c.relevant && c.topic ? c.topic : null;
  const by: Decider =
    explanation.model?.by ??
    (ruleDecides({
      topic,
      decidedBy: explanation.decidedBy,
      ...(sourceHints ? { sourceHints } : {}),
    })
      ? 'rule'
      : 'lexicon');
  return { topic: topic ?? OFF_TOPIC_CLASS, by };
}

/** Language, topics and tags of one item, its decision, and its story request. */
export function classifyFor(
  item: Item,
  source: SourceEntry,
  taxonomy: Taxonomy,
  model?: ModelScorer,
): Classified {
  // With a learned model, the lexicon's decision is combined with the model's (src/pipeline/model/combine.ts).
  const detailed = classifyItemDetailed(item, taxonomy, {
    source: sourcePriorOf(source),
    ...(model ? { model } : {}),
  });
  const { classification } = detailed;
  return {
    item,
    classification,
    decision: classDecision(detailed, source.topicHints),
    story: {
      item: { ...item, language: classification.language },
      meta: { relay: source.publishes === 'relay', sourceId: source.id },
    },
  };
}

/** Digest records of classified items and their story assignments (same order). */
export function recordsFor(
  classified: readonly Classified[],
  stories: readonly StoryAssignment[],
  source: SourceEntry,
  fetchedAt: string,
): DigestRecord[] {
  return classified.map((c, i) =>
    buildRecord({ item: c.item, classification: c.classification, story: stories[i]!, source, fetchedAt }),
  );
}

export interface IngestContext extends NormalizeFor {
  taxonomy: Taxonomy;
  /** The learned model beside the lexicons; absent: the lexicons alone. */
  model?: ModelScorer;
  /** The story store's assign (in memory for the CLI, Redis-backed in workers). */
  assign: (batch: ReadonlyArray<Classified['story']>) => Promise<StoryAssignment[]>;
}

export interface IngestResult {
  records: DigestRecord[];
  /** Parse and normalise warnings, each with a stable code; dropped entries are among them. */
  warnings: Warning[];
}

/** normalise → language and classification → story assignment → digest record, one record per kept item. */
export async function ingestDocument(doc: ParseDocument, ctx: IngestContext): Promise<IngestResult> {
  const { items, warnings } = normalizeFor(doc, ctx);
  const classified = items.map((item) => classifyFor(item, ctx.source, ctx.taxonomy, ctx.model));
  const stories = await ctx.assign(classified.map((c) => c.story));
  return { records: recordsFor(classified, stories, ctx.source, ctx.fetchedAt), warnings };
}
