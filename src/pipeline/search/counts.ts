/**
 * Counts of relevant stories per topic, commodity and country over the last 24 hours or 7 days, kept as one
 * Redis hash per hour of digest time (publishedAt, else fetchedAt) and incremented when a story is emitted.
 * This file holds the arithmetic: which fields a record adds to, which hour bucket it falls in and how long that
 * bucket is kept, which buckets a window reads, and how they add up.
 */
import type { DigestRecord } from '../types.js';

export const HOUR_MS = 3_600_000;
/** Hours each window reads: the current hour and the ones before it. */
export const COUNT_WINDOWS = { '24h': 24, '7d': 168 } as const;
export type CountWindow = keyof typeof COUNT_WINDOWS;
/** Hours of digest time ahead of now a bucket may hold (the ingest stage's future tolerance is 48 h). */
const AHEAD_HOURS = 49;

/**
 * The hash fields one relevant story adds 1 to: `all`, `topic:<id>` for each topic it is streamed to (the
 * topics `?topic=` finds it under), `commodity:<id>` and `country:<ISO>` for each tag. None for an off-topic
 * story.
 */
export function countFields(r: Pick<DigestRecord, 'relevant' | 'topics' | 'tags'>): string[] {
  if (!r.relevant) return [];
  return [
    ...new Set([
      'all',
      ...r.topics.map((t) => `topic:${t.id}`),
      ...r.tags.commodities.map((c) => `commodity:${c}`),
      ...r.tags.countries.map((c) => `country:${c}`),
    ]),
  ];
}

/** The hour bucket of a digest time and when it may expire, or null when no window can ever read it. */
export function countBucket(digestMs: number, nowMs: number): { hour: number; expireAtMs: number } | null {
  const hour = Math.floor(digestMs / HOUR_MS);
  const current = Math.floor(nowMs / HOUR_MS);
  if (!Number.isFinite(hour) || hour <= current - COUNT_WINDOWS['7d'] || hour > current + AHEAD_HOURS)
    return null;
  return { hour, expireAtMs: (hour + 1 + COUNT_WINDOWS['7d']) * HOUR_MS };
}

/** The hour buckets of a window, newest first. */
export function windowHours(window: CountWindow, nowMs: number): number[] {
  const current = Math.floor(nowMs / HOUR_MS);
  return Array.from({ length: COUNT_WINDOWS[window] }, (_, i) => current - i);
}

export interface StoryCounts {
  /** Relevant stories in the window. */
  total: number;
  topics: Record<string, number>;
  commodities: Record<string, number>;
  countries: Record<string, number>;
}

/** Adds up hour buckets (hash field → count as Redis returns them). */
export function sumCounts(buckets: ReadonlyArray<Record<string, string>>): StoryCounts {
  const out: StoryCounts = { total: 0, topics: {}, commodities: {}, countries: {} };
  const add = (into: Record<string, number>, key: string, n: number) => {
    into[key] = (into[key] ?? 0) + n;
  };
  for (const b of buckets)
    for (const [field, value] of Object.entries(b)) {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) continue;
      const at = field.indexOf(':');
      const kind = at < 0 ? field : field.slice(0, at);
      const key = field.slice(at + 1);
      if (field === 'all') out.total += n;
      else if (kind === 'topic') add(out.topics, key, n);
      else if (kind === 'commodity') add(out.commodities, key, n);
      else if (kind === 'country') add(out.countries, key, n);
    }
  return out;
}
