import { describe, expect, it } from 'vitest';
import { buildRecord, citation } from '../../src/pipeline/record.js';

const USGS = {
  id: 'usgs-news',
  name: 'U.S. Geological Survey',
  nameZh: '美国地质调查局',
  shortName: 'USGS',
  timeZone: 'America/New_York',
};

describe('citation', () => {
  it.each([
    // publishedAt, fetchedAt, source time zone → zh, en
    [
      '2023-10-05T18:30:00Z',
      '2023-10-06T00:00:00Z',
      'America/New_York',
      '（美国地质调查局，2023.10.5）',
      '(USGS, 2023-10-05)',
    ],
    [
      '2023-10-06T02:00:00Z',
      '2023-10-06T03:00:00Z',
      'America/New_York',
      '（美国地质调查局，2023.10.5）',
      '(USGS, 2023-10-05)',
    ],
    [
      '2023-10-05T22:00:00Z',
      '2023-10-06T03:00:00Z',
      'Australia/Sydney',
      '（美国地质调查局，2023.10.6）',
      '(USGS, 2023-10-06)',
    ],
    [null, '2024-01-09T12:00:00Z', 'UTC', '（美国地质调查局，2024.1.9）', '(USGS, 2024-01-09)'],
    ['not a date', '2024-01-09T12:00:00Z', 'UTC', '（美国地质调查局，2024.1.9）', '(USGS, 2024-01-09)'],
  ])('%s in %s', (published, fetched, timeZone, zh, en) => {
    expect(citation(published, fetched, { ...USGS, timeZone })).toEqual({ zh, en });
  });

  it('falls back to the short name, then the name, and to UTC for an unknown zone', () => {
    expect(citation('2023-10-05T12:00:00Z', '', { name: 'Phys.org', timeZone: 'Mars/Olympus' })).toEqual({
      zh: '（Phys.org，2023.10.5）',
      en: '(Phys.org, 2023-10-05)',
    });
  });
});

describe('buildRecord', () => {
  it('builds a geointel.record/1 with both citations and registry names', () => {
    const r = buildRecord({
      item: {
        id: 'a',
        // Items arrive as plain text from the normalise stage; the record keeps them verbatim.
        title: 'Lithium & brines: <b> is literal text here',
        summary: 'Brines of the Smackover Formation…',
        url: 'https://www.usgs.gov/news/x',
        publishedAt: '2023-10-05T18:30:00Z',
        geo: { lat: 33.2, lon: -93.1, magnitude: 4.1 },
      },
      classification: {
        id: 'a',
        language: 'en',
        relevant: true,
        topic: 'energy-minerals',
        topics: [{ id: 'energy-minerals', score: 0.9, evidence: ['lithium'] }],
        tags: { commodities: ['lithium'], countries: ['US'] },
      },
      story: { id: 'a', storyId: 's', duplicateOf: null, canonicalId: 'a', similarity: 1 },
      source: USGS,
      fetchedAt: '2023-10-06T00:00:00Z',
    });
    expect(r).toMatchObject({
      schema: 'geointel.record/1',
      id: 'a',
      storyId: 's',
      canonicalId: 'a',
      title: 'Lithium & brines: <b> is literal text here',
      summary: 'Brines of the Smackover Formation…',
      source: {
        id: 'usgs-news',
        name: 'U.S. Geological Survey',
        nameZh: '美国地质调查局',
        shortName: 'USGS',
      },
      publishedAt: '2023-10-05T18:30:00Z',
      relevant: true,
      topic: 'energy-minerals',
      duplicates: [],
      geo: { lat: 33.2, lon: -93.1, magnitude: 4.1 },
      citation: { zh: '（美国地质调查局，2023.10.5）', en: '(USGS, 2023-10-05)' },
    });
  });

  it('nulls an unusable publishedAt and the topic of an off-topic item', () => {
    const r = buildRecord({
      item: { id: 'b', title: 't', publishedAt: 'yesterday' },
      classification: {
        id: 'b',
        language: 'und',
        relevant: false,
        topic: 'marine',
        topics: [],
        tags: { commodities: [], countries: [] },
      },
      story: { id: 'b', storyId: 'b', duplicateOf: null, canonicalId: 'b', similarity: 1 },
      source: { id: 'x', name: 'X' },
      fetchedAt: '2023-10-06T00:00:00Z',
    });
    expect(r.publishedAt).toBeNull();
    expect(r.topic).toBeNull();
    expect(r.citation.en).toBe('(X, 2023-10-06)');
  });
});
