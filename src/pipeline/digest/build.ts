/**
 * buildDigest: the day's automatic edition from digest records. Day D covers [D−1 cutoff, D cutoff) in the
 * configured time zone (publishedAt, else fetchedAt); relevant records only, one per story, in its primary
 * topic's section. News items take the numbered slots, best bulletin score first (select.ts), at most
 * `perSection` per section, numbered continuously across sections; a relay's item below `minConfidence` is
 * left out. Event listings are summarised per event sequence in the section's event box (sequences.ts).
 */
import { GeoError } from '../../errors.js';
import type { DigestRecord } from '../types.js';
import {
  bulletinScore,
  DEFAULT_MIN_CONFIDENCE,
  isEventListing,
  type PublishesOf,
  passesFloor,
} from './select.js';
import { type EventSequence, eventSequences } from './sequences.js';
import { addDays, parseDay, zonedDate, zonedParts, zonedTime } from './zoned.js';

/** A topic of config/topics.yaml as the digest needs it. */
export interface DigestTopic {
  id: string;
  name: string;
  nameZh: string;
  order: number;
}

export interface DigestOptions {
  /** Day D as `YYYY-MM-DD`; absent: every record, and D is the day whose window holds the newest one. */
  date?: string;
  /** @defaultValue 'Asia/Shanghai' */
  timeZone?: string;
  /** @defaultValue 7 */
  cutoffHour?: number;
  /** @defaultValue 10 */
  perSection?: number;
  topics: readonly DigestTopic[];
  /** Issue number; @defaultValue the day of the year of D (deterministic). */
  issue?: number;
  /**
   * What each source publishes (`publishesOf(config.sources)`): relays rank below originators and need
   * `minConfidence`; `events` sources' entries go to the event box. Absent: every source is unknown (no floor)
   * and event listings are known by their event-rule evidence or magnitude only.
   */
  publishes?: PublishesOf;
  /** The relevance confidence a relay's item needs for a slot. @defaultValue 0.6 */
  minConfidence?: number;
  /** Events this close (km) and … @defaultValue 150 */
  eventRadiusKm?: number;
  /** … at most this many days after the sequence's last event are one sequence. @defaultValue 7 */
  eventSpanDays?: number;
}

export interface DigestEntry {
  /** 1-based number, continuous across sections. */
  n: number;
  record: DigestRecord;
}

export interface DigestSection extends DigestTopic {
  /** Numbered news items. */
  items: DigestEntry[];
  /**
   * The section's event box: one line per event sequence, highest alert then largest magnitude first (at most
   * `perSection`). Absent from
   * editions frozen before it existed; empty in editions built from editors' picks.
   */
  events?: EventSequence[];
}

export interface Digest {
  date: string;
  issue: number;
  timeZone: string;
  /** [from, to) as ISO instants; null bounds when built from all records without a date. */
  window: { from: string | null; to: string | null };
  sections: DigestSection[];
  count: number;
}

const when = (r: DigestRecord) => {
  const t = r.publishedAt ? Date.parse(r.publishedAt) : Number.NaN;
  return Number.isNaN(t) ? Date.parse(r.fetchedAt) : t;
};

/** Score of a record in its primary topic. */
export function primaryScore(r: DigestRecord): number {
  return r.topics.find((t) => t.id === r.topic)?.score ?? r.topics[0]?.score ?? 0;
}

/** Day of the year (1–366) of a `YYYY-MM-DD` day. */
export function dayOfYear(date: string): number {
  const d = parseDay(date);
  if (!d) return 0;
  return Math.round((Date.UTC(d.year, d.month - 1, d.day) - Date.UTC(d.year, 0, 1)) / 86_400_000) + 1;
}

/** Builds the edition of one day (or of all records when no date is given). */
export function buildDigest(records: readonly DigestRecord[], opts: DigestOptions): Digest {
  const tz = opts.timeZone ?? 'Asia/Shanghai';
  const cutoff = opts.cutoffHour ?? 7;
  const perSection = opts.perSection ?? 10;
  const topicIds = new Set(opts.topics.map((t) => t.id));
  let pool = records.filter((r) => r.relevant && r.topic !== null && topicIds.has(r.topic));
  let date = opts.date;
  let window: Digest['window'] = { from: null, to: null };
  if (date !== undefined) {
    const day = parseDay(date);
    if (!day) throw new GeoError('INPUT_INVALID', `date "${date}" is not a YYYY-MM-DD calendar day`);
    const prev = addDays(day, -1);
    const from = zonedTime(prev.year, prev.month, prev.day, cutoff, tz);
    const to = zonedTime(day.year, day.month, day.day, cutoff, tz);
    window = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    pool = pool.filter((r) => {
      const t = when(r);
      return t >= from && t < to;
    });
  } else {
    // A loop, not Math.max(...spread): a large file would overflow the call stack.
    let newest = Number.NEGATIVE_INFINITY;
    for (const r of records) {
      const t = when(r);
      if (t > newest) newest = t;
    }
    const t = Number.isFinite(newest) ? newest : 0;
    date = zonedParts(t, tz).hour >= cutoff ? zonedDate(t + 86_400_000, tz) : zonedDate(t, tz);
  }

  // One record per story: the canonical item when present, else the best-scored, then the earliest.
  const stories = new Map<string, DigestRecord>();
  for (const r of pool) {
    const cur = stories.get(r.storyId);
    if (!cur || better(r, cur)) stories.set(r.storyId, r);
  }

  const { publishes } = opts;
  const floor = opts.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  const ordered = [...opts.topics].sort((a, b) => a.order - b.order);
  let n = 0;
  const sections = ordered.map((t): DigestSection => {
    const inSection = [...stories.values()].filter((r) => r.topic === t.id);
    const score = new Map(inSection.map((r) => [r, bulletinScore(r, publishes)]));
    const items = inSection
      .filter((r) => !isEventListing(r, publishes) && passesFloor(r, floor, publishes))
      .sort((a, b) => score.get(b)! - score.get(a)! || when(b) - when(a) || (a.id < b.id ? -1 : 1))
      .slice(0, perSection)
      .map((record) => ({ n: ++n, record }));
    const events = eventSequences(
      inSection.filter((r) => isEventListing(r, publishes)),
      { timeZone: tz, radiusKm: opts.eventRadiusKm, spanDays: opts.eventSpanDays },
    ).slice(0, perSection);
    return { id: t.id, name: t.name, nameZh: t.nameZh, order: t.order, items, events };
  });
  return { date, issue: opts.issue ?? dayOfYear(date), timeZone: tz, window, sections, count: n };
}

function better(a: DigestRecord, b: DigestRecord): boolean {
  const ac = a.id === a.canonicalId;
  const bc = b.id === b.canonicalId;
  if (ac !== bc) return ac;
  const d = primaryScore(a) - primaryScore(b);
  if (d !== 0) return d > 0;
  return when(a) < when(b);
}
