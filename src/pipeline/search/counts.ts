/**
 * Counts of relevant stories per topic, commodity and country over the last 24 hours or 7 days — over all
 * topics, or one topic's stories and their commodities and countries — kept as one Redis hash per hour of
 * digest time (publishedAt, else fetchedAt) and incremented when a story is emitted.
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

/** Joins a topic to a commodity or country field: `topic:<id>|commodity:<id>`, `topic:<id>|country:<ISO>`. */
export const TOPIC_QUALIFIER = '|';

/**
 * The hash fields one relevant story adds 1 to: `all`, `topic:<id>` for each topic it is streamed to (the
 * topics `?topic=` finds it under), `commodity:<id>` and `country:<ISO>` for each tag, and for each of those
 * topics the tags again qualified by it (`topic:<id>|commodity:<id>`, `topic:<id>|country:<ISO>`: the counts of
 * `/v1/counts?topic=`; a topic's total is its `topic:<id>`). None for an off-topic story.
 */
export function countFields(r: Pick<DigestRecord, 'relevant' | 'topics' | 'tags'>): string[] {
  if (!r.relevant) return [];
  const topics = [...new Set(r.topics.map((t) => `topic:${t.id}`))];
  const tags = [
    ...new Set([
      ...r.tags.commodities.map((c) => `commodity:${c}`),
      ...r.tags.countries.map((c) => `country:${c}`),
    ]),
  ];
  return ['all', ...topics, ...tags, ...topics.flatMap((t) => tags.map((g) => `${t}${TOPIC_QUALIFIER}${g}`))];
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

/**
 * Adds up hour buckets (hash field → count as Redis returns them). Without `topic`: every relevant story, per
 * topic and per tag (the topic-qualified fields are left out). With `topic`: the stories streamed to that
 * topic (`total`, and `topics` holding that topic alone) and their tags, from the fields qualified by it.
 */
export function sumCounts(buckets: ReadonlyArray<Record<string, string>>, topic?: string): StoryCounts {
  const out: StoryCounts = { total: 0, topics: {}, commodities: {}, countries: {} };
  const add = (into: Record<string, number>, key: string, n: number) => {
    into[key] = (into[key] ?? 0) + n;
  };
  const own = topic === undefined ? null : `topic:${topic}`;
  const qualified = own === null ? '' : `${own}${TOPIC_QUALIFIER}`;
  for (const b of buckets)
    for (const [raw, value] of Object.entries(b)) {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) continue;
      let field = raw;
      if (own !== null) {
        if (raw === own) {
          out.total += n;
          add(out.topics, topic as string, n);
          continue;
        }
        if (!raw.startsWith(qualified)) continue;
        field = raw.slice(qualified.length);
      } else if (raw.includes(TOPIC_QUALIFIER)) continue;
      const at = field.indexOf(':');
      const kind = at < 0 ? field : field.slice(0, at);
      const key = field.slice(at + 1);
      if (own === null && field === 'all') out.total += n;
      else if (own === null && kind === 'topic') add(out.topics, key, n);
      else if (kind === 'commodity') add(out.commodities, key, n);
      else if (kind === 'country') add(out.countries, key, n);
    }
  return out;
}
