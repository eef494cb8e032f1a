/**
 * Health flags: what a source's counters say about a source that still answers but has stopped being useful.
 * Pure: the registry entry, the counters (health.ts) and the clock are arguments. `geointel sources list`
 * prints them next to the counters, `/metrics` carries them as `geointel_source_flag{source,flag}` 0/1, and
 * `geointel sources check` shows the ones a single fetch can show (empty listing, all dates = today).
 *
 * | flag                  | set when                                                                            |
 * | --------------------- | ----------------------------------------------------------------------------------- |
 * | `silent`              | the newest item seen is older than the expected cadence ({@link expectedCadenceMs}) |
 * | `empty-listing`       | the last body fetched (feed or listing page) had zero items                        |
 * | `dates-all-fetch-day` | every item of the last new body (at least {@link MIN_DATED_ITEMS}) was dated the fetch day |
 * | `moved`               | {@link MOVED_AFTER} fetches in a row were permanently redirected (301/308) to one URL |
 *
 * Every flag clears by itself: a newer item, a body with items, items with other dates, a fetch without the
 * redirect.
 */
import { expectOf, type SourceEntry } from '../config/sources-schema.js';
import { isValidTimeZone, zonedDate } from './digest/zoned.js';
import { durationMs, type HealthCounters } from './health.js';

export const HEALTH_FLAGS = ['silent', 'empty-listing', 'dates-all-fetch-day', 'moved'] as const;
export type HealthFlagName = (typeof HEALTH_FLAGS)[number];

/** One raised flag, with a sentence for the operator. */
export interface HealthFlag {
  flag: HealthFlagName;
  message: string;
  /** `moved`: the URL the registry entry should now name. */
  to?: string;
}

const DAY_MS = 86_400_000;
/** Consecutive permanently redirected fetches before `moved` suggests the new URL. */
export const MOVED_AFTER = 3;
/** `dates-all-fetch-day` needs at least this many items: one or two fresh items on a quiet feed say nothing. */
export const MIN_DATED_ITEMS = 3;

/**
 * How long a source may go without a new item before it is `silent`, in ms: the window of the entry's
 * expected cadence (`expect: { atLeast, per }`, else the default of its kind: `expectOf`) — a whole window
 * without any new item breaks it whatever `atLeast` is. The one place that decides it.
 */
export function expectedCadenceMs(source: SourceEntry): number {
  return durationMs(expectOf(source).per);
}

/**
 * Whether every item of a fetched body is dated the day of the fetch: the mark of a scraper that reads the
 * page's date (or its own clock) instead of each entry's. The day is the UTC day or the publisher's
 * (`timeZone`), whichever matches. False with fewer than {@link MIN_DATED_ITEMS} items or any undated item.
 * @param dates each item's date (ISO-8601), null when the item has none
 */
export function datesAllFetchDay(
  dates: ReadonlyArray<string | null | undefined>,
  fetchedAtMs: number,
  timeZone = 'UTC',
): boolean {
  if (dates.length < MIN_DATED_ITEMS) return false;
  const zone = isValidTimeZone(timeZone) ? timeZone : 'UTC';
  const utcDay = zonedDate(fetchedAtMs, 'UTC');
  const localDay = zonedDate(fetchedAtMs, zone);
  return dates.every((d) => {
    const ms = d ? Date.parse(d) : Number.NaN;
    if (!Number.isFinite(ms)) return false;
    return zonedDate(ms, 'UTC') === utcDay || zonedDate(ms, zone) === localDay;
  });
}

const days = (ms: number) => `${Math.round((ms / DAY_MS) * 10) / 10} d`;

/**
 * The flags a source's counters raise now, in {@link HEALTH_FLAGS} order (empty when all is well or the
 * source was never fetched). Event feeds (`publishes: events`, e.g. an hourly earthquake list) legitimately date
 * every item today and never raise `dates-all-fetch-day`.
 */
export function healthFlags(source: SourceEntry, health: HealthCounters, nowMs: number): HealthFlag[] {
  const out: HealthFlag[] = [];
  const newest = health.newestItemAt ? Date.parse(health.newestItemAt) : Number.NaN;
  const cadence = expectedCadenceMs(source);
  if (Number.isFinite(newest) && nowMs - newest > cadence)
    out.push({
      flag: 'silent',
      message: `no new item since ${health.newestItemAt} (${days(nowMs - newest)}; expected at least one every ${days(cadence)})`,
    });
  if (health.lastItems === 0)
    out.push({
      flag: 'empty-listing',
      message: 'the last fetched body had no items (a redesign, or a listing rule that no longer matches?)',
    });
  if (health.lastDatesAllFetchDay === true && source.publishes !== 'events')
    out.push({
      flag: 'dates-all-fetch-day',
      message:
        'every item of the last body was dated the fetch day (is the date read from the wrong element?)',
    });
  const redirects = health.permanentRedirectCount ?? 0;
  if (health.permanentRedirect && redirects >= MOVED_AFTER)
    out.push({
      flag: 'moved',
      to: health.permanentRedirect,
      message: `the last ${redirects} fetches were permanently redirected to ${health.permanentRedirect}: set it as the url in config/sources.yaml`,
    });
  return out;
}

/** Every flag of {@link HEALTH_FLAGS} as 0/1 (the `/metrics` gauge needs the cleared ones too). */
export function flagValues(flags: readonly HealthFlag[]): Record<HealthFlagName, 0 | 1> {
  const raised = new Set(flags.map((f) => f.flag));
  return Object.fromEntries(HEALTH_FLAGS.map((f) => [f, raised.has(f) ? 1 : 0])) as Record<
    HealthFlagName,
    0 | 1
  >;
}
