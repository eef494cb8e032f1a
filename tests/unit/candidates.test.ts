/**
 * The candidate score (src/pipeline/candidates.ts, docs/api.md §Candidates): each part, the weighted sum, the
 * documented order example and the tie-breaks. Pure: no Redis, no network, `now` is an argument.
 */
import { describe, expect, it } from 'vitest';
import {
  CANDIDATE_WEIGHTS,
  candidateScore,
  hasOrigin,
  RECENCY_HALF_LIFE_HOURS,
  RELAY_ONLY_ORIGIN,
  rankCandidates,
} from '../../src/pipeline/candidates.js';
import type { DigestRecord } from '../../src/pipeline/types.js';

const NOW = Date.parse('2025-12-13T12:00:00Z');
const HOUR = 3_600_000;
const RELAYS: ReadonlySet<string> = new Set(['sciencedaily', 'physorg']);
const opts = { topic: 'hydrogeology', now: NOW, relaySources: RELAYS };

function record(
  id: string,
  o: {
    relevance?: number;
    hoursAgo?: number;
    source?: string;
    url?: string;
    duplicates?: DigestRecord['duplicates'];
    publishedAt?: string | null;
  } = {},
): DigestRecord {
  const published =
    o.publishedAt !== undefined ? o.publishedAt : new Date(NOW - (o.hoursAgo ?? 0) * HOUR).toISOString();
  return {
    schema: 'geointel.record/1',
    id,
    storyId: id,
    canonicalId: id,
    title: `story ${id}`,
    summary: '',
    url: o.url ?? `https://www.usgs.gov/news/${id}`,
    source: { id: o.source ?? 'usgs-news', name: o.source ?? 'USGS' },
    publishedAt: published,
    fetchedAt: new Date(NOW - 200 * HOUR).toISOString(),
    language: 'en',
    relevant: true,
    topic: 'hydrogeology',
    topics: [
      { id: 'hydrogeology', score: o.relevance ?? 0.8, evidence: ['groundwater'] },
      { id: 'marine', score: 0.2, evidence: ['coast'] },
    ],
    tags: { commodities: [], countries: [] },
    duplicates: o.duplicates ?? [],
    citation: { zh: '（美国地质调查局）', en: '(USGS)' },
  };
}

describe('candidate score parts', () => {
  it('relevance is the record’s score for the ranked topic (0 when the topic did not score it)', () => {
    expect(candidateScore(record('a', { relevance: 0.73 }), opts).parts.relevance).toBe(0.73);
    expect(candidateScore(record('a'), { ...opts, topic: 'marine' }).parts.relevance).toBe(0.2);
    expect(candidateScore(record('a'), { ...opts, topic: 'carbon-neutrality' }).parts.relevance).toBe(0);
  });

  it('origin: 1 for an agency’s item, RELAY_ONLY_ORIGIN when only relays carry the story', () => {
    expect(candidateScore(record('agency'), opts).parts.origin).toBe(1);
    // Registry relay id.
    const relayed = record('sd', {
      source: 'sciencedaily',
      url: 'https://www.sciencedaily.com/releases/x.htm',
    });
    expect(candidateScore(relayed, opts).parts.origin).toBe(RELAY_ONLY_ORIGIN);
    // A relay host under a source the registry does not mark (an editor-added Phys.org page).
    const byHost = record('ph', { source: 'editor', url: 'https://phys.org/news/2025-12-x.html' });
    expect(candidateScore(byHost, opts).parts.origin).toBe(RELAY_ONLY_ORIGIN);
    // A relay's story that the agency's own release later joined.
    const joined = record('sd2', {
      source: 'sciencedaily',
      url: 'https://www.sciencedaily.com/releases/y.htm',
      duplicates: [{ id: 'u1', sourceId: 'usgs-news', url: 'https://www.usgs.gov/news/y' }],
    });
    expect(hasOrigin(joined, RELAYS)).toBe(true);
    expect(candidateScore(joined, opts).parts.origin).toBe(1);
    // Only relays, twice.
    const twice = record('sd3', {
      source: 'sciencedaily',
      url: 'https://www.sciencedaily.com/releases/z.htm',
      duplicates: [{ id: 'p1', sourceId: 'physorg', url: 'https://phys.org/news/z.html' }],
    });
    expect(candidateScore(twice, opts).parts.origin).toBe(RELAY_ONLY_ORIGIN);
  });

  it('recency halves every RECENCY_HALF_LIFE_HOURS from the digest time; a future date counts as now', () => {
    const at = (hoursAgo: number) => candidateScore(record('r', { hoursAgo }), opts).parts.recency;
    expect(RECENCY_HALF_LIFE_HOURS).toBe(24);
    expect(at(0)).toBe(1);
    expect(at(24)).toBe(0.5);
    expect(at(72)).toBe(0.125);
    expect(at(-5)).toBe(1);
    // No publication date: the fetch time (200 h before NOW).
    const undated = candidateScore(record('u', { publishedAt: null }), opts).parts.recency;
    expect(undated).toBeCloseTo(0.5 ** (200 / 24), 4);
  });

  it('score = 0.6 × relevance + 0.2 × origin + 0.2 × recency', () => {
    expect(CANDIDATE_WEIGHTS).toEqual({ relevance: 0.6, origin: 0.2, recency: 0.2 });
    for (const [relevance, hoursAgo, source] of [
      [0.9, 3, 'usgs-news'],
      [0.5, 30, 'sciencedaily'],
      [0.46, 100, 'bgs'],
    ] as const) {
      const r = record('s', { relevance, hoursAgo, source });
      const { score, parts } = candidateScore(r, opts);
      expect(score).toBeCloseTo(0.6 * parts.relevance + 0.2 * parts.origin + 0.2 * parts.recency, 4);
      expect(score).toBeGreaterThan(0);
      expect(score).toBeLessThanOrEqual(1);
    }
  });
});

describe('candidate order', () => {
  it('the documented example: agency a day old > fresh relay > fresh but weaker agency item', () => {
    // docs/api.md §Candidates: A 0.48+0.2+0.1 = 0.78, B 0.48+0.06+0.2 = 0.74, C 0.3+0.2+0.2 = 0.70.
    const a = record('A', { relevance: 0.8, hoursAgo: 24 });
    const b = record('B', {
      relevance: 0.8,
      hoursAgo: 0,
      source: 'sciencedaily',
      url: 'https://www.sciencedaily.com/releases/b.htm',
    });
    const c = record('C', { relevance: 0.5, hoursAgo: 0 });
    const ranked = rankCandidates([c, b, a], opts);
    expect(ranked.map((x) => x.record.storyId)).toEqual(['A', 'B', 'C']);
    expect(ranked.map((x) => x.score)).toEqual([0.78, 0.74, 0.7]);
  });

  it('ties: newer digest time first, then story id', () => {
    // Equal scores at equal times: story id order.
    const x = record('x', { relevance: 0.6, hoursAgo: 10 });
    const w = record('w', { relevance: 0.6, hoursAgo: 10 });
    expect(rankCandidates([x, w], opts).map((r) => r.record.storyId)).toEqual(['w', 'x']);
    // Equal rounded scores, different times: newer first (relevance offsets recency exactly).
    const older = record('old', { relevance: 0.6 + (0.2 * (1 - 0.5)) / 0.6, hoursAgo: 24 });
    const newer = record('new', { relevance: 0.6, hoursAgo: 0 });
    const ranked = rankCandidates([older, newer], opts);
    expect(ranked[0]!.score).toBe(ranked[1]!.score);
    expect(ranked.map((r) => r.record.storyId)).toEqual(['new', 'old']);
  });
});
