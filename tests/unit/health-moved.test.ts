/**
 * T-F5 (RELIABILITY §4.3), second half: "a 301 chain is recorded for a URL update only after N consistent
 * observations". The fetcher reports `permanentRedirect` only when every hop was 301/308
 * (tests/unit/fetch-status.test.ts); the fetch worker passes it to `nextHealth` (null when the fetch was not
 * permanently redirected), and `healthFlags` raises `moved` from the counters. This table drives that pure
 * path, one fetch after another, and checks after every fetch whether `moved` is raised and with which URL.
 */
import { describe, expect, it } from 'vitest';
import { type SourceEntry, SourceSchema } from '../../src/config/sources-schema.js';
import { type FetchOutcome, type HealthCounters, nextHealth } from '../../src/pipeline/health.js';
import { healthFlags, MOVED_AFTER } from '../../src/pipeline/health-flags.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-01T06:00:00Z');
const A = 'https://example.org/feed-a';
const B = 'https://example.org/feed-b';
const source: SourceEntry = SourceSchema.parse({
  id: 'src',
  name: 'Src',
  url: 'https://example.org/feed',
  pollEvery: '1h',
});

/**
 * One fetch, as the fetch worker reports it: `A`/`B` a new body reached through 301/308 hops only;
 * `304A` a 304 reached that way; `-` not permanently redirected (no redirect, or a 302/307 among the hops:
 * the worker passes null); `err` a failed fetch; `?` a success that did not observe redirects (undefined).
 */
type Obs = 'A' | 'B' | '304A' | '-' | 'err' | '?';
const outcome = (o: Obs): FetchOutcome => {
  const ok = (permanentRedirect: string | null | undefined): FetchOutcome => ({
    kind: 'ok',
    items: 3,
    newestItemAt: new Date(T0).toISOString(),
    permanentRedirect,
  });
  switch (o) {
    case 'A':
      return ok(A);
    case 'B':
      return ok(B);
    case '304A':
      return { kind: 'not-modified', permanentRedirect: A };
    case '-':
      return ok(null);
    case '?':
      return ok(undefined);
    case 'err':
      return { kind: 'error', code: 'TIMEOUT', message: 'timeout', retry: 'backoff' };
  }
};

/** The `moved` target after each fetch of `seq` (null: not raised). */
function movedAfterEach(seq: readonly Obs[]): Array<string | null> {
  let h: HealthCounters = { consecutiveFailures: 0, fetches: 0, notModified: 0 };
  return seq.map((o, i) => {
    const nowMs = T0 + i * HOUR;
    h = nextHealth(h, outcome(o), { nowMs, pollEveryMs: HOUR });
    const moved = healthFlags(source, h, nowMs).filter((f) => f.flag === 'moved');
    expect(moved.length).toBeLessThanOrEqual(1);
    return moved[0]?.to ?? null;
  });
}

describe('T-F5 redirects: a permanent redirect becomes a URL update (`moved`) only after N consistent observations', () => {
  it('the table is written for N = MOVED_AFTER = 3', () => {
    expect(MOVED_AFTER).toBe(3);
  });

  // [case, fetches in order, expected `moved` target after each fetch]
  const _ = null;
  it.each<[string, Obs[], Array<string | null>]>([
    ['fewer than N observations: never', ['A', 'A'], [_, _]],
    ['N consistent 301/308 observations: raised at the Nth, naming the target', ['A', 'A', 'A'], [_, _, A]],
    ['a 304 reached through 301/308 counts as an observation', ['A', '304A', 'A'], [_, _, A]],
    ['a change of target restarts the count', ['A', 'A', 'B', 'B', 'B'], [_, _, _, _, B]],
    [
      'a fetch not permanently redirected resets the count',
      ['A', 'A', '-', 'A', 'A', 'A'],
      [_, _, _, _, _, A],
    ],
    ['once raised, an inconsistent target clears it', ['A', 'A', 'A', 'A', 'B'], [_, _, A, A, _]],
    ['once raised, a fetch without permanent redirect clears it', ['A', 'A', 'A', '-'], [_, _, A, _]],
    ['a failed fetch neither counts nor resets', ['A', 'err', 'A', 'err', 'A'], [_, _, _, _, A]],
    [
      'a success that did not observe redirects neither counts nor resets',
      ['A', '?', 'A', 'A'],
      [_, _, _, A],
    ],
  ])('%s', (_name, seq, expected) => {
    expect(movedAfterEach(seq)).toEqual(expected);
  });
});
