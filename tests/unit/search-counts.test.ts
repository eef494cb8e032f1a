/** Count buckets and windows (src/pipeline/search/counts.ts). */
import { describe, expect, it } from 'vitest';
import {
  countBucket,
  countFields,
  HOUR_MS,
  sumCounts,
  TOPIC_QUALIFIER,
  windowHours,
} from '../../src/pipeline/search/counts.js';

const NOW = Date.parse('2026-12-04T10:30:00Z');

describe('counts', () => {
  const lithiumChile = {
    relevant: true,
    topics: [
      { id: 'energy-minerals', score: 0.9, evidence: [] },
      { id: 'marine', score: 0.4, evidence: [] },
    ],
    tags: { commodities: ['lithium'], countries: ['CL', 'AR'] },
  };
  const cases: Array<[string, Parameters<typeof countFields>[0], string[]]> = [
    [
      'two topics, one commodity, two countries: each tag again under each topic',
      lithiumChile,
      [
        'all',
        'topic:energy-minerals',
        'topic:marine',
        'commodity:lithium',
        'country:CL',
        'country:AR',
        'topic:energy-minerals|commodity:lithium',
        'topic:energy-minerals|country:CL',
        'topic:energy-minerals|country:AR',
        'topic:marine|commodity:lithium',
        'topic:marine|country:CL',
        'topic:marine|country:AR',
      ],
    ],
    ['off-topic: nothing', { ...lithiumChile, relevant: false }, []],
    [
      'no tags: the topic totals alone',
      { ...lithiumChile, tags: { commodities: [], countries: [] } },
      ['all', 'topic:energy-minerals', 'topic:marine'],
    ],
    [
      'a topic or tag named twice counts once',
      {
        relevant: true,
        topics: [
          { id: 'marine', score: 0.9, evidence: [] },
          { id: 'marine', score: 0.5, evidence: [] },
        ],
        tags: { commodities: ['nickel', 'nickel'], countries: ['GL'] },
      },
      [
        'all',
        'topic:marine',
        'commodity:nickel',
        'country:GL',
        'topic:marine|commodity:nickel',
        'topic:marine|country:GL',
      ],
    ],
  ];

  it.each(cases)('fields of a story: %s', (_, r, fields) => {
    expect(countFields(r)).toEqual(fields);
  });

  it('every qualified field names a topic the story counts under and a tag it counts under', () => {
    const fields = countFields(lithiumChile);
    for (const f of fields.filter((x) => x.includes(TOPIC_QUALIFIER))) {
      const [topic, tag] = f.split(TOPIC_QUALIFIER);
      expect(fields).toContain(topic);
      expect(fields).toContain(tag);
    }
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

  /** Buckets as the fields of these stories would leave them: field → how many stories added to it. */
  function bucketOf(stories: Array<Parameters<typeof countFields>[0]>): Record<string, string> {
    const b: Record<string, number> = {};
    for (const f of stories.flatMap(countFields)) b[f] = (b[f] ?? 0) + 1;
    return Object.fromEntries(Object.entries(b).map(([k, v]) => [k, String(v)]));
  }
  const story = (topics: string[], commodities: string[], countries: string[], relevant = true) => ({
    relevant,
    topics: topics.map((id) => ({ id, score: 0.8, evidence: [] })),
    tags: { commodities, countries },
  });
  const hourA = [
    story(['energy-minerals'], ['lithium'], ['CL']),
    story(['energy-minerals', 'marine'], ['nickel'], ['AU', 'CL']),
    story(['marine'], [], ['GL']),
    story(['energy-minerals'], ['lithium'], [], false),
  ];
  const hourB = [story(['energy-minerals'], ['lithium', 'nickel'], ['AU']), story(['hydrogeology'], [], [])];
  const buckets = [bucketOf(hourA), bucketOf(hourB)];

  it.each([
    [
      'all topics: the qualified fields are left out',
      undefined,
      {
        total: 5,
        topics: { 'energy-minerals': 3, marine: 2, hydrogeology: 1 },
        commodities: { lithium: 2, nickel: 2 },
        countries: { CL: 2, AU: 2, GL: 1 },
      },
    ],
    [
      'energy-minerals',
      'energy-minerals',
      {
        total: 3,
        topics: { 'energy-minerals': 3 },
        commodities: { lithium: 2, nickel: 2 },
        countries: { CL: 2, AU: 2 },
      },
    ],
    [
      'marine',
      'marine',
      { total: 2, topics: { marine: 2 }, commodities: { nickel: 1 }, countries: { AU: 1, CL: 1, GL: 1 } },
    ],
    [
      'hydrogeology: no tags',
      'hydrogeology',
      { total: 1, topics: { hydrogeology: 1 }, commodities: {}, countries: {} },
    ],
    [
      'a topic with no stories',
      'carbon-neutrality',
      { total: 0, topics: {}, commodities: {}, countries: {} },
    ],
    // A topic id that is a prefix of another must not read the other's fields.
    ['a prefix of a topic id', 'energy', { total: 0, topics: {}, commodities: {}, countries: {} }],
  ])('sums one topic or all: %s', (_, topic, want) => {
    expect(sumCounts(buckets, topic)).toEqual(want);
  });

  it("buckets written before per-topic counting (no qualified fields) give a topic's total, no tags", () => {
    const old = { all: '2', 'topic:marine': '2', 'commodity:nickel': '1', 'country:GL': '2' };
    expect(sumCounts([old], 'marine')).toEqual({
      total: 2,
      topics: { marine: 2 },
      commodities: {},
      countries: {},
    });
    expect(sumCounts([old])).toEqual({
      total: 2,
      topics: { marine: 2 },
      commodities: { nickel: 1 },
      countries: { GL: 2 },
    });
  });
});
