import { describe, expect, it } from 'vitest';
import { GeoError } from '../../src/errors.js';
import { digestDateAt } from '../../src/pipeline/digest/zoned.js';
import {
  durationMs,
  fetchDue,
  type HealthCounters,
  MAX_BACKOFF_MS,
  nextHealth,
  PROBE_EVERY_MS,
} from '../../src/pipeline/health.js';
import { idPart, MAX_RETRY_DELAY_MS, retryDelay } from '../../src/runtime/queues.js';

const EMPTY: HealthCounters = { consecutiveFailures: 0, fetches: 0, notModified: 0 };
const T0 = Date.parse('2026-12-01T00:00:00Z');
const HOUR = 3_600_000;
const at = (nowMs: number) => ({ nowMs, pollEveryMs: HOUR });
const err = (code: string, retry: 'permanent' | 'backoff' | 'after') => ({
  kind: 'error' as const,
  code,
  message: code,
  retry,
});

describe('source health: a source through silence and recovery', () => {
  it('transient failures back off exponentially from the poll interval, capped at 24 h', () => {
    let h = EMPTY;
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      h = nextHealth(h, err('HTTP_500', 'backoff'), at(T0));
      waits.push(Date.parse(h.nextFetchAt!) - T0);
    }
    expect(waits.slice(0, 4)).toEqual([HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR]);
    expect(Math.max(...waits)).toBe(MAX_BACKOFF_MS);
    expect(h).toMatchObject({
      consecutiveFailures: 8,
      mode: 'backoff',
      lastErrorCode: 'HTTP_500',
      fetches: 8,
    });
    expect(fetchDue(h, T0 + HOUR)).toBe(false);
    expect(fetchDue(h, T0 + MAX_BACKOFF_MS)).toBe(true);
  });

  it('a permanent failure moves the source to a daily probe; a success clears every flag', () => {
    const gone = nextHealth(EMPTY, err('HTTP_404', 'permanent'), at(T0));
    expect(gone).toMatchObject({ mode: 'probe', consecutiveFailures: 1 });
    expect(Date.parse(gone.nextFetchAt!) - T0).toBe(PROBE_EVERY_MS);
    const back = nextHealth(
      gone,
      { kind: 'ok', items: 12, newestItemAt: '2026-11-30T10:00:00Z' },
      at(T0 + PROBE_EVERY_MS),
    );
    expect(back.mode).toBeUndefined();
    expect(back.nextFetchAt).toBeUndefined();
    expect(back).toMatchObject({
      consecutiveFailures: 0,
      lastItems: 12,
      newestItemAt: '2026-11-30T10:00:00Z',
      fetches: 2,
    });
    expect(back.lastErrorCode).toBe('HTTP_404');
    const same = nextHealth(back, { kind: 'not-modified' }, at(T0 + PROBE_EVERY_MS + HOUR));
    expect(same).toMatchObject({ notModified: 1, fetches: 3, newestItemAt: '2026-11-30T10:00:00Z' });
  });

  it.each([
    ['30m', 30 * 60_000],
    ['6h', 6 * HOUR],
    ['1d', 24 * HOUR],
    ['500ms', 500],
  ])('duration %s', (d, ms) => expect(durationMs(d)).toBe(ms));
});

describe('retry policy', () => {
  it('waits what the error names (Retry-After, HOST_BUSY), capped', () => {
    expect(retryDelay(1, new GeoError('HTTP_429', 'slow down', { retryAfterMs: 7_000 }))).toBe(7_000);
    expect(retryDelay(1, new GeoError('HOST_BUSY', 'busy', { retryAfterMs: 10 * HOUR }))).toBe(
      MAX_RETRY_DELAY_MS,
    );
  });
  it('backs off exponentially with jitter otherwise', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4].map((n) => retryDelay(n, new GeoError('TIMEOUT', 't'), mid))).toEqual([
      2_000, 4_000, 8_000, 16_000,
    ]);
    expect(retryDelay(40, new Error('x'), mid)).toBe(MAX_RETRY_DELAY_MS);
  });
  it('job id parts never contain ":" and are never all digits', () => {
    for (const s of ['a', 'http://x/feed.xml', '12345', ''])
      expect(idPart(s)).toMatch(/^(?=.*[^0-9])[A-Za-z0-9x]{16}$/);
  });
});

describe('digest day of a scheduled run', () => {
  it.each([
    ['2026-12-03T07:30:00+08:00', '2026-12-03'],
    ['2026-12-03T06:59:00+08:00', '2026-12-02'],
    ['2026-12-03T00:10:00+08:00', '2026-12-02'],
  ])('%s in Asia/Shanghai with cutoff 07:00 → %s', (t, d) =>
    expect(digestDateAt(Date.parse(t), 'Asia/Shanghai', 7)).toBe(d),
  );
});

describe('one failure per scheduled slot', () => {
  it('a retry of a failed slot is recorded but neither counted again nor backed off further', () => {
    const first = nextHealth(EMPTY, err('HTTP_500', 'backoff'), at(T0));
    const retry = nextHealth(first, { ...err('TIMEOUT', 'backoff'), retryOfSlot: true }, at(T0 + 10_000));
    expect(retry).toMatchObject({
      consecutiveFailures: 1,
      fetches: 2,
      lastErrorCode: 'TIMEOUT',
      nextFetchAt: first.nextFetchAt,
    });
  });
});
