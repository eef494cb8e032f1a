/**
 * Records for the subscription tests: a real record of the fixture day (built by the record stage) with its own
 * story id, text and tags, so each test knows which records a filter must let through.
 */
import type { DigestRecord } from '../../src/pipeline/types.js';
import { dayRecords } from '../unit/digest-fixture-records.js';

const { titleZh: _t, summaryZh: _s, ...base } = dayRecords()[0]!;

export type Kind = 'lithium-us' | 'rare-earth-cn' | 'quake-ca';

const KINDS: Record<Kind, Partial<DigestRecord>> = {
  'lithium-us': {
    title: 'Arkansas brines could supply lithium for batteries, survey finds',
    summary: 'USGS estimates lithium in Smackover Formation brines.',
    topic: 'energy-minerals',
    topics: [{ id: 'energy-minerals', score: 3, evidence: ['lithium'] }],
    tags: { commodities: ['lithium'], countries: ['US'] },
    source: { id: 'usgs-news', name: 'U.S. Geological Survey' },
  },
  'rare-earth-cn': {
    title: '中国稀土出口管制新规发布',
    summary: '商务部宣布对部分稀土技术实施出口管制。',
    topic: 'energy-minerals',
    topics: [{ id: 'energy-minerals', score: 2, evidence: ['稀土'] }],
    tags: { commodities: ['rare-earths'], countries: ['CN'] },
    source: { id: 'cgs-news', name: '中国地质调查局' },
    language: 'zh',
  },
  'quake-ca': {
    title: 'M4.8 earthquake 209 km W of Port Hardy, BC (offshore)',
    summary: 'Earthquakes Canada reports a magnitude 4.8 earthquake offshore.',
    topic: 'basic-geology',
    topics: [{ id: 'basic-geology', score: 2, evidence: ['earthquake'] }],
    tags: { commodities: [], countries: ['CA'] },
    source: { id: 'nrcan-earthquakes-en', name: 'Earthquakes Canada' },
  },
};

/** A relevant record of `kind` with story id `<tag>-<kind>`. */
export function recordOf(kind: Kind, tag: string): DigestRecord {
  const id = `${tag}-${kind}`;
  return { ...base, ...KINDS[kind], id, storyId: id, canonicalId: id, relevant: true, duplicates: [] };
}
