/**
 * The candidate score: which stories an editor sees first in a topic's pool (docs/api.md §Candidates). Pure:
 * the record, the registry's relay ids and `now` are arguments.
 *
 *   score = 0.6 × relevance + 0.2 × origin + 0.2 × recency          (each part in 0..1, so is the score)
 *
 * - relevance: the record's classifier score for the topic (0 when the topic did not score it);
 * - origin: 1 when an originating organisation carries the story — the record's own source is not a relay, or
 *   a later item of the story (its `duplicates`; the story's canonical item once an agency's release
 *   arrives) comes from one; {@link RELAY_ONLY_ORIGIN} when only relays (ScienceDaily, Phys.org, EurekAlert:
 *   registry `publishes: relay`, else a known relay host) carry it;
 * - recency: `0.5 ^ (age / RECENCY_HALF_LIFE_HOURS)`, age = `now` − the record's digest time (publishedAt, else
 *   fetchedAt), never negative: 1 now, 0.5 a day ago, 0.125 three days ago.
 *
 * Ties: newer digest time first, then story id.
 */
import { isRelay } from './dedupe/relay.js';
import type { DigestRecord } from './types.js';

/** Weights of the three parts; they sum to 1. */
export const CANDIDATE_WEIGHTS = { relevance: 0.6, origin: 0.2, recency: 0.2 } as const;

/** Half-life of the recency part, hours. */
export const RECENCY_HALF_LIFE_HOURS = 24;

/** The origin part of a story that only relays carry. */
export const RELAY_ONLY_ORIGIN = 0.3;

/** The parts of a candidate's score, each 0..1, so an editor sees why it ranks where it does. */
export interface CandidateScoreParts {
  relevance: number;
  origin: number;
  recency: number;
}

export interface CandidateScore {
  /** 0..1: the weighted sum of the parts, rounded to 4 decimals. */
  score: number;
  parts: CandidateScoreParts;
}

export interface CandidateScoreOptions {
  /** The topic whose pool is ranked. */
  topic: string;
  /** The clock, epoch ms. */
  now: number;
  /** Registry ids of relay sources (`publishes: relay`). */
  relaySources: ReadonlySet<string>;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** The instant a record counts for: publishedAt, else fetchedAt (epoch ms; NaN when neither parses). */
export function candidateTime(r: Pick<DigestRecord, 'publishedAt' | 'fetchedAt'>): number {
  const t = r.publishedAt ? Date.parse(r.publishedAt) : Number.NaN;
  return Number.isNaN(t) ? Date.parse(r.fetchedAt) : t;
}

/** Whether an item of the story (the record's own or a duplicate) comes from an originating organisation. */
export function hasOrigin(
  r: Pick<DigestRecord, 'id' | 'url' | 'source' | 'duplicates'>,
  relaySources: ReadonlySet<string>,
): boolean {
  const items = [{ id: r.id, sourceId: r.source.id, url: r.url }, ...r.duplicates];
  return items.some(
    (d) => !isRelay({ id: d.id, title: '', url: d.url || undefined }, d.sourceId, relaySources),
  );
}

/** The score of one candidate story in one topic's pool, with its parts. */
export function candidateScore(r: DigestRecord, opts: CandidateScoreOptions): CandidateScore {
  const relevance = Math.min(1, Math.max(0, r.topics.find((t) => t.id === opts.topic)?.score ?? 0));
  const origin = hasOrigin(r, opts.relaySources) ? 1 : RELAY_ONLY_ORIGIN;
  const t = candidateTime(r);
  const ageHours = Number.isNaN(t) ? Number.POSITIVE_INFINITY : Math.max(0, opts.now - t) / 3_600_000;
  const recency = 0.5 ** (ageHours / RECENCY_HALF_LIFE_HOURS);
  const w = CANDIDATE_WEIGHTS;
  return {
    score: round(w.relevance * relevance + w.origin * origin + w.recency * recency),
    parts: { relevance: round(relevance), origin, recency: round(recency) },
  };
}

/** Records ranked best first by {@link candidateScore} (ties: newer first, then story id), with their scores. */
export function rankCandidates(
  records: readonly DigestRecord[],
  opts: CandidateScoreOptions,
): Array<{ record: DigestRecord } & CandidateScore> {
  return records
    .map((record) => ({ record, ...candidateScore(record, opts), time: candidateTime(record) || 0 }))
    .sort(
      (a, b) =>
        b.score - a.score ||
        b.time - a.time ||
        (a.record.storyId < b.record.storyId ? -1 : a.record.storyId > b.record.storyId ? 1 : 0),
    )
    .map(({ time: _time, ...rest }) => rest);
}
