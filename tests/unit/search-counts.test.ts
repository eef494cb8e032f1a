/** Count buckets and windows (src/pipeline/search/counts.ts). */
import { describe, expect, it } from 'vitest';
import {
  countBucket,
  countFields,
  HOUR_MS,
  sumCounts,
  windowHours,
} from '../../src/pipeline/search/counts.js';

const NOW = Date.parse('2026-12-04T10:30:00Z');

describe('counts', () => {
  it('a relevant story adds to all, each streamed topic and each tag; an off-topic one to nothing', () => {
    const r = {
      relevant: true,
      topics: [
        { id: 'energy-minerals', score: 0.9, evidence: [] },
        { id: 'marine', score: 0.4, evidence: [] },
      ],
      tags: { commodities: ['lithium'], countries: ['CL', 'AR'] },
    };
    expect(countFields(r)).toEqual([
      'all',
      'topic:energy-minerals',
      'topic:marine',
      'commodity:lithium',
      'country:CL',
      'country:AR',
    ]);
    expect(countFields({ ...r, relevant: false })).toEqual([]);
  });

  it('buckets by hour of digest time, kept until no 7-day window reads them', () => {
    const b = countBucket(NOW - 2 * HOUR_MS, NOW)!;
    expect(b.hour).toBe(Math.floor(NOW / HOUR_MS) - 2);
    expect(b.expireAtMs).toBe((b.hour + 1 + 168) * HOUR_MS);
    expect(countBucket(NOW - 168 * HOUR_MS, NOW)).toBeNull(); // older than any window
    expect(countBucket(NOW - 167 * HOUR_MS, NOW)).not.toBeNull();
    expect(countBucket(NOW + 60 * HOUR_MS, NOW)).toBeNull(); // beyond the future tolerance
    expect(countBucket(Number.NaN, NOW)).toBeNull();
  });

  it('24h reads the current hour and 23 before it; 7d 168 hours', () => {
    const h = windowHours('24h', NOW);
    expect(h).toHaveLength(24);
    expect(h[0]).toBe(Math.floor(NOW / HOUR_MS));
    expect(h[23]).toBe(Math.floor(NOW / HOUR_MS) - 23);
    expect(windowHours('7d', NOW)).toHaveLength(168);
  });

  it('adds up buckets by kind, ignoring junk and non-positive values', () => {
    expect(
      sumCounts([
        { all: '2', 'topic:marine': '1', 'commodity:rare-earths': '1', 'country:GL': '2' },
        { all: '1', 'topic:marine': '1', 'country:GL': '-1', other: '5', 'topic:x': 'abc' },
      ]),
    ).toEqual({
      total: 3,
      topics: { marine: 2 },
      commodities: { 'rare-earths': 1 },
      countries: { GL: 2 },
    });
  });
});
