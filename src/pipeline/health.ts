/**
 * Source health: the counters after one fetch outcome, and when the source may be fetched next. Pure: the
 * clock and the previous counters are arguments; the fetch worker stores the result.
 *
 * - Success (new body or 304) resets the failure count and any backoff.
 * - A transient failure backs off exponentially from the poll interval, capped at {@link MAX_BACKOFF_MS};
 *   the queue's retries of the same slot are recorded but count once.
 * - A permanent failure (404, 410, not a feed, refused by policy) moves the source to a daily probe until
 *   it recovers. No source is ever dropped.
 * - A successful fetch also records what the health flags (health-flags.ts) read: whether every item of a new
 *   body was dated the fetch day, and how many fetches in a row were permanently redirected to the same URL.
 */
import type { RetryDecision } from '../errors.js';

export interface HealthCounters {
  lastSuccessAt?: string;
  lastAttemptAt?: string;
  lastErrorAt?: string;
  lastErrorCode?: string;
  lastErrorMessage?: string;
  consecutiveFailures: number;
  lastItems?: number;
  lastNew?: number;
  newestItemAt?: string;
  nextFetchAt?: string;
  mode?: 'backoff' | 'probe';
  fetches: number;
  notModified: number;
  /**
   * The last new body's items were all dated the day of the fetch (a scraper reading the wrong element);
   * absent when the worker did not compute it. See `datesAllFetchDay` in health-flags.ts.
   */
  lastDatesAllFetchDay?: boolean;
  /** Where the last fetches were permanently redirected (every hop 301/308); absent when not redirected. */
  permanentRedirect?: string;
  /** Consecutive successful fetches redirected permanently to {@link permanentRedirect}. */
  permanentRedirectCount?: number;
}

/**
 * What a successful fetch saw of a permanent redirect: a URL (every hop was 301/308), `null` (no permanent
 * redirect) or `undefined` (not observed: the moved counters stay as they were).
 */
export type RedirectSeen = string | null | undefined;

export type FetchOutcome =
  | {
      kind: 'ok';
      items: number;
      newestItemAt?: string | null;
      /** Every item dated the fetch day (`datesAllFetchDay` of health-flags.ts); absent: not computed. */
      datesAllFetchDay?: boolean;
      permanentRedirect?: RedirectSeen;
    }
  | { kind: 'not-modified'; permanentRedirect?: RedirectSeen }
  | {
      kind: 'error';
      code: string;
      message: string;
      retry: RetryDecision;
      /** A retry of a slot that already failed: recorded, but not counted again nor backed off further. */
      retryOfSlot?: boolean;
    };

export const MAX_BACKOFF_MS = 24 * 3_600_000;
export const PROBE_EVERY_MS = 24 * 3_600_000;

/** `30m`, `6h`, `1d`, `45s`, `500ms` → milliseconds (the registry's `pollEvery` format). */
export function durationMs(d: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(d);
  if (!m) throw new RangeError(`not a duration: ${d}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    m[2] as 'ms' | 's' | 'm' | 'h' | 'd'
  ];
  return Number(m[1]) * unit;
}

export function nextHealth(
  prev: HealthCounters,
  outcome: FetchOutcome,
  at: { nowMs: number; pollEveryMs: number },
): HealthCounters {
  const now = new Date(at.nowMs).toISOString();
  const base: HealthCounters = { ...prev, lastAttemptAt: now, fetches: prev.fetches + 1 };
  if (outcome.kind !== 'error') {
    const h: HealthCounters = { ...base, lastSuccessAt: now, consecutiveFailures: 0 };
    delete h.nextFetchAt;
    delete h.mode;
    countRedirect(h, prev, outcome.permanentRedirect);
    if (outcome.kind === 'not-modified') return { ...h, notModified: prev.notModified + 1 };
    const newest =
      outcome.newestItemAt && (!prev.newestItemAt || outcome.newestItemAt > prev.newestItemAt)
        ? outcome.newestItemAt
        : prev.newestItemAt;
    // A new body: the previous body's date verdict no longer applies.
    if (outcome.datesAllFetchDay === undefined) delete h.lastDatesAllFetchDay;
    else h.lastDatesAllFetchDay = outcome.datesAllFetchDay;
    return { ...h, lastItems: outcome.items, ...(newest ? { newestItemAt: newest } : {}) };
  }
  const lastError = {
    lastErrorAt: now,
    lastErrorCode: outcome.code,
    lastErrorMessage: outcome.message.slice(0, 500),
  };
  // One failure per scheduled slot: BullMQ's retries of the same slot say nothing new about the source.
  if (outcome.retryOfSlot && prev.consecutiveFailures > 0) return { ...base, ...lastError };
  const failures = prev.consecutiveFailures + 1;
  const permanent = outcome.retry === 'permanent';
  const wait = permanent
    ? PROBE_EVERY_MS
    : Math.min(MAX_BACKOFF_MS, at.pollEveryMs * 2 ** Math.min(failures - 1, 20));
  return {
    ...base,
    consecutiveFailures: failures,
    ...lastError,
    nextFetchAt: new Date(at.nowMs + wait).toISOString(),
    mode: permanent ? 'probe' : 'backoff',
  };
}

/** Updates the moved counters of `h` in place: same target → one more, another → 1, none → cleared. */
function countRedirect(h: HealthCounters, prev: HealthCounters, seen: RedirectSeen): void {
  if (seen === undefined) return;
  if (seen === null) {
    delete h.permanentRedirect;
    delete h.permanentRedirectCount;
    return;
  }
  h.permanentRedirectCount = prev.permanentRedirect === seen ? (prev.permanentRedirectCount ?? 0) + 1 : 1;
  h.permanentRedirect = seen;
}

/** Whether a scheduled fetch should run now, or wait for the backoff or probe time the counters name. */
export function fetchDue(h: Pick<HealthCounters, 'nextFetchAt'>, nowMs: number): boolean {
  return !h.nextFetchAt || Date.parse(h.nextFetchAt) <= nowMs;
}
