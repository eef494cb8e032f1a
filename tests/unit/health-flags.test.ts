/** Health flags (issue 9): pure, from the counters, the registry entry and the clock; and their gauge. */
import { describe, expect, it } from 'vitest';
import { listJson, listText } from '../../src/cli/commands/sources.js';
import { type SourceEntry, SourceSchema } from '../../src/config/sources-schema.js';
import { type FetchOutcome, type HealthCounters, nextHealth } from '../../src/pipeline/health.js';
import {
  datesAllFetchDay,
  expectedCadenceMs,
  flagValues,
  healthFlags,
  MOVED_AFTER,
} from '../../src/pipeline/health-flags.js';
import { createMetrics, setHealthMetrics } from '../../src/runtime/metrics.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-12-01T06:00:00Z');
const EMPTY: HealthCounters = { consecutiveFailures: 0, fetches: 0, notModified: 0 };
const source = (extra: Record<string, unknown> = {}): SourceEntry =>
  SourceSchema.parse({ id: 'src', name: 'Src', url: 'https://example.org/feed', pollEvery: '1h', ...extra });

/** Runs fetch outcomes at the given times, returning the counters after each. */
function drive(steps: Array<[number, FetchOutcome]>, start: HealthCounters = EMPTY): HealthCounters[] {
  const out: HealthCounters[] = [];
  let h = start;
  for (const [nowMs, outcome] of steps) {
    h = nextHealth(h, outcome, { nowMs, pollEveryMs: HOUR });
    out.push(h);
  }
  return out;
}
const names = (s: SourceEntry, h: HealthCounters, nowMs: number) =>
  healthFlags(s, h, nowMs).map((f) => f.flag);
const iso = (ms: number) => new Date(ms).toISOString();

describe('silent: a source through silence and recovery', () => {
  it('is set when no new item arrives for longer than the expected cadence, and cleared by a new item', () => {
    const s = source({ expect: { atLeast: 1, per: '7d' } });
    expect(expectedCadenceMs(s)).toBe(7 * DAY); // the declared window
    expect(expectedCadenceMs(source())).toBe(14 * DAY); // undeclared: the default of a plain feed
    const [first, quiet, stillQuiet, back] = drive([
      [T0, { kind: 'ok', items: 10, newestItemAt: iso(T0 - HOUR) }],
      // Polls keep succeeding: the same items (a 304), then a new body with only old items.
      [T0 + 3 * DAY, { kind: 'not-modified' }],
      [T0 + 8 * DAY, { kind: 'ok', items: 10, newestItemAt: iso(T0 - 2 * DAY) }],
      [T0 + 9 * DAY, { kind: 'ok', items: 11, newestItemAt: iso(T0 + 9 * DAY - HOUR) }],
    ]);
    expect(names(s, first!, T0)).toEqual([]);
    expect(names(s, quiet!, T0 + 3 * DAY)).toEqual([]);
    expect(names(s, stillQuiet!, T0 + 8 * DAY)).toEqual(['silent']);
    expect(healthFlags(s, stillQuiet!, T0 + 8 * DAY)[0]!.message).toMatch(
      /^no new item since 2026-12-01T05:00:00.000Z \(8 d; expected at least one every 7 d\)$/,
    );
    // Failing fetches bring nothing new either: still silent (the mode says why).
    const failing = drive(
      [[T0 + 8 * DAY + HOUR, { kind: 'error', code: 'HTTP_500', message: 'x', retry: 'backoff' }]],
      stillQuiet!,
    )[0]!;
    expect(names(s, failing, T0 + 8 * DAY + HOUR)).toEqual(['silent']);
    expect(names(s, back!, T0 + 9 * DAY)).toEqual([]);
  });

  it('takes the window of a declared cadence, else the default of the kind of source', () => {
    expect(expectedCadenceMs(source({ publishes: 'events' }))).toBe(7 * DAY);
    expect(expectedCadenceMs(source({ publishes: 'relay' }))).toBe(7 * DAY);
    expect(expectedCadenceMs(source({ kind: 'html', html: { linkPattern: '^/news/' } }))).toBe(30 * DAY);
    const declared = { ...source(), expect: { atLeast: 2, per: '3d' } } as SourceEntry;
    expect(expectedCadenceMs(declared)).toBe(3 * DAY);
  });

  it('needs a dated item: never fetched or undated sources are not silent', () => {
    expect(healthFlags(source(), EMPTY, T0)).toEqual([]);
    const [h] = drive([[T0, { kind: 'ok', items: 4, newestItemAt: null }]]);
    expect(names(source(), h!, T0 + 100 * DAY)).toEqual([]);
  });
});

describe('empty-listing', () => {
  it('is set by a body with no items, kept through 304s, cleared by a body with items', () => {
    const s = source();
    const [empty, same, full] = drive([
      [T0, { kind: 'ok', items: 0 }],
      [T0 + HOUR, { kind: 'not-modified' }],
      [T0 + 2 * HOUR, { kind: 'ok', items: 3, newestItemAt: iso(T0) }],
    ]);
    expect(names(s, empty!, T0)).toEqual(['empty-listing']);
    expect(names(s, same!, T0 + HOUR)).toEqual(['empty-listing']);
    expect(names(s, full!, T0 + 2 * HOUR)).toEqual([]);
  });
});

describe('dates-all-fetch-day', () => {
  const today = (h: number) => iso(Date.parse('2026-12-01T00:00:00Z') + h * HOUR);

  it('datesAllFetchDay: every item dated the fetch day, three or more, none undated', () => {
    expect(datesAllFetchDay([today(1), today(2), today(5)], T0)).toBe(true);
    expect(datesAllFetchDay([today(1), today(2)], T0)).toBe(false);
    expect(datesAllFetchDay([today(1), today(2), null], T0)).toBe(false);
    expect(datesAllFetchDay([today(1), today(2), today(-30)], T0)).toBe(false);
    expect(datesAllFetchDay([today(1), today(2), 'not a date'], T0)).toBe(false);
    // The publisher's day counts too: fetched at 22:00 on 1 Dec in New York (03:00 UTC on 2 Dec), items of
    // that New York day are not of the UTC day.
    const fetched = Date.parse('2026-12-02T03:00:00Z');
    const ny = [today(14), today(18), today(26)];
    expect(datesAllFetchDay(ny, fetched, 'America/New_York')).toBe(true);
    expect(datesAllFetchDay(ny, fetched)).toBe(false);
    expect(datesAllFetchDay([today(1), today(2), today(3)], T0, 'Not/AZone')).toBe(true);
  });

  it('is carried by nextHealth from a new body, cleared by the next new body, ignored for event feeds', () => {
    const s = source();
    const [bad, same, good, unknown] = drive([
      [T0, { kind: 'ok', items: 3, newestItemAt: today(5), datesAllFetchDay: true }],
      [T0 + HOUR, { kind: 'not-modified' }],
      [T0 + 2 * HOUR, { kind: 'ok', items: 3, newestItemAt: today(5), datesAllFetchDay: false }],
      [T0 + 3 * HOUR, { kind: 'ok', items: 3, newestItemAt: today(5) }],
    ]);
    expect(bad!.lastDatesAllFetchDay).toBe(true);
    expect(names(s, bad!, T0)).toEqual(['dates-all-fetch-day']);
    expect(names(s, same!, T0 + HOUR)).toEqual(['dates-all-fetch-day']);
    expect(names(s, good!, T0 + 2 * HOUR)).toEqual([]);
    expect(unknown!.lastDatesAllFetchDay).toBeUndefined();
    expect(names(source({ publishes: 'events' }), bad!, T0)).toEqual([]);
  });
});

describe('moved', () => {
  const NEW = 'https://example.org/new-feed';
  it(`suggests the new URL after ${MOVED_AFTER} consecutive fetches redirected to it`, () => {
    const s = source();
    const ok = (permanentRedirect: string | null | undefined): FetchOutcome => ({
      kind: 'ok',
      items: 5,
      newestItemAt: iso(T0),
      permanentRedirect,
    });
    const steps = drive([
      [T0, ok(NEW)],
      [T0 + HOUR, { kind: 'not-modified', permanentRedirect: NEW }],
      // Not observed (undefined) and failures leave the count alone.
      [T0 + 2 * HOUR, ok(undefined)],
      [T0 + 3 * HOUR, { kind: 'error', code: 'TIMEOUT', message: 't', retry: 'backoff' }],
      [T0 + 4 * HOUR, ok(NEW)],
      [T0 + 5 * HOUR, ok('https://example.org/other')],
      [T0 + 6 * HOUR, ok(null)],
    ]);
    expect(steps.map((h) => h.permanentRedirectCount ?? 0)).toEqual([1, 2, 2, 2, 3, 1, 0]);
    expect(names(s, steps[1]!, T0)).toEqual([]);
    const moved = healthFlags(s, steps[4]!, T0 + 4 * HOUR);
    expect(moved).toEqual([
      {
        flag: 'moved',
        to: NEW,
        message: `the last 3 fetches were permanently redirected to ${NEW}: set it as the url in config/sources.yaml`,
      },
    ]);
    expect(names(s, steps[5]!, T0)).toEqual([]);
    expect(steps[6]!.permanentRedirect).toBeUndefined();
  });
});

describe('geointel_source_flag', () => {
  it('setHealthMetrics publishes every flag as 0/1 and the failures gauge', async () => {
    const metrics = createMetrics();
    const s = source();
    const [empty, full] = drive([
      [T0, { kind: 'ok', items: 0 }],
      [T0 + HOUR, { kind: 'ok', items: 2, newestItemAt: iso(T0) }],
    ]);
    setHealthMetrics(metrics, 'src', empty!, healthFlags(s, empty!, T0));
    let text = await metrics.registry.getSingleMetricAsString('geointel_source_flag');
    expect(text).toContain('geointel_source_flag{source="src",flag="empty-listing"} 1');
    expect(text).toContain('geointel_source_flag{source="src",flag="silent"} 0');
    expect(text).toContain('geointel_source_flag{source="src",flag="moved"} 0');
    setHealthMetrics(metrics, 'src', full!, healthFlags(s, full!, T0 + HOUR));
    text = await metrics.registry.getSingleMetricAsString('geointel_source_flag');
    expect(text).toContain('geointel_source_flag{source="src",flag="empty-listing"} 0');
    expect(await metrics.registry.getSingleMetricAsString('geointel_source_consecutive_failures')).toContain(
      'geointel_source_consecutive_failures{source="src"} 0',
    );
    expect(flagValues([])).toEqual({ silent: 0, 'empty-listing': 0, 'dates-all-fetch-day': 0, moved: 0 });
  });
});

describe('geointel sources list shows the flags next to the counters', () => {
  const s = source();
  const other = source({ id: 'other', url: 'https://example.org/other' });
  const [empty] = drive([[T0, { kind: 'ok', items: 0 }]]);
  const stored = {
    src: { validators: {}, health: empty! },
  };

  it('text: a FLAGS column beside HEALTH, "-" for none or never fetched', () => {
    const lines = listText([s, other], stored, T0).trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^ID\s+ENABLED\s+KIND\s+PUBLISHES\s+LANG\s+EVERY\s+CONF\s+HEALTH\s+FLAGS\s+URL$/,
    );
    expect(lines[1]).toMatch(
      /^src\s+on\s+auto\s+agency\s+-\s+1h\s+-\s+ok 0 items\s+empty-listing\s+https:\/\/example\.org\/feed$/,
    );
    expect(lines[2]).toMatch(/^other\s+.*\s-\s+-\s+https:\/\/example\.org\/other$/);
    // Without the runtime's Redis: neither column.
    expect(listText([s], null, T0).split('\n')[0]).not.toMatch(/HEALTH|FLAGS/);
  });

  it('--json: "health" (the counters) and "flags" per entry', () => {
    const [a, b] = listJson([s, other], stored, T0);
    expect(a).toMatchObject({
      id: 'src',
      health: { lastItems: 0, fetches: 1 },
      flags: [{ flag: 'empty-listing' }],
    });
    expect(b).toMatchObject({ id: 'other', health: null, flags: null });
    expect(listJson([s], null, T0)[0]).toMatchObject({ health: null, flags: null });
  });
});
