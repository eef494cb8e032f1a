/**
 * The subscription filter (src/pipeline/subscription-match.ts): OR within a list, AND across criteria, an empty
 * filter matches everything, text as whole words and CJK bigrams.
 */
import { describe, expect, it } from 'vitest';
import {
  compileFilter,
  matchesFilter,
  queryTokens,
  type SubscriptionFilter,
  textTokens,
} from '../../src/pipeline/subscription-match.js';
import type { DigestRecord } from '../../src/pipeline/types.js';
import { dayRecords } from './digest-fixture-records.js';

// A real record of the fixture day without its editor's Chinese text (each test sets the text it reads).
const { titleZh: _t, summaryZh: _s, ...base } = dayRecords()[0]!;

function rec(over: Partial<DigestRecord> = {}): DigestRecord {
  return { ...base, ...over };
}

const lithiumUS = rec({
  title: 'Arkansas brines could supply lithium for batteries, survey finds',
  summary: 'USGS estimates 5 to 19 million tonnes of lithium in Smackover Formation brines.',
  topic: 'energy-minerals',
  topics: [
    { id: 'energy-minerals', score: 3, evidence: ['lithium'] },
    { id: 'hydrogeology', score: 1, evidence: ['brine'] },
  ],
  tags: { commodities: ['lithium'], countries: ['US'] },
  source: { id: 'usgs-news', name: 'U.S. Geological Survey' },
});

const rareEarthCN = rec({
  title: '中国稀土出口管制新规发布',
  summary: '商务部宣布对部分稀土技术实施出口管制。',
  topic: 'energy-minerals',
  topics: [{ id: 'energy-minerals', score: 2, evidence: ['稀土'] }],
  tags: { commodities: ['rare-earths'], countries: ['CN'] },
  source: { id: 'cgs-news', name: '中国地质调查局' },
  language: 'zh',
});

const quake = rec({
  title: 'M4.8 earthquake 209 km W of Port Hardy, BC (offshore)',
  summary: 'Earthquakes Canada reports a magnitude 4.8 earthquake offshore.',
  topic: 'basic-geology',
  topics: [{ id: 'basic-geology', score: 2, evidence: ['earthquake'] }],
  tags: { commodities: [], countries: ['CA'] },
  source: { id: 'nrcan-earthquakes-en', name: 'Earthquakes Canada' },
});

const all = { lithiumUS, rareEarthCN, quake };
const matching = (f: SubscriptionFilter) =>
  Object.entries(all)
    .filter(([, r]) => matchesFilter(r, f))
    .map(([k]) => k);

describe('matchesFilter', () => {
  it('an empty filter (or empty lists) matches every record', () => {
    expect(matching({})).toEqual(['lithiumUS', 'rareEarthCN', 'quake']);
    expect(matching({ topics: [], commodities: [], countries: [], sources: [] })).toEqual([
      'lithiumUS',
      'rareEarthCN',
      'quake',
    ]);
  });

  it('each list ORs within: any one value matches', () => {
    expect(matching({ commodities: ['lithium', 'rare-earths'] })).toEqual(['lithiumUS', 'rareEarthCN']);
    expect(matching({ countries: ['CA', 'CN'] })).toEqual(['rareEarthCN', 'quake']);
    expect(matching({ sources: ['usgs-news', 'nrcan-earthquakes-en'] })).toEqual(['lithiumUS', 'quake']);
  });

  it('criteria AND across: every one given must match', () => {
    expect(matching({ commodities: ['lithium', 'rare-earths'], countries: ['CN'] })).toEqual(['rareEarthCN']);
    expect(matching({ topics: ['energy-minerals'], sources: ['nrcan-earthquakes-en'] })).toEqual([]);
    expect(
      matching({
        topics: ['energy-minerals'],
        commodities: ['lithium'],
        countries: ['US'],
        sources: ['usgs-news'],
        text: 'Smackover brines',
      }),
    ).toEqual(['lithiumUS']);
  });

  it('topics: any scored topic, not only the primary one', () => {
    expect(matching({ topics: ['hydrogeology'] })).toEqual(['lithiumUS']);
    expect(matching({ topics: ['basic-geology'] })).toEqual(['quake']);
    expect(matching({ topics: ['marine'] })).toEqual([]);
  });

  it('countries compare in upper case', () => {
    expect(matching({ countries: ['us'] })).toEqual(['lithiumUS']);
  });

  it('text: every word, whole words only, case and width folded', () => {
    expect(matching({ text: 'LITHIUM brines' })).toEqual(['lithiumUS']);
    expect(matching({ text: 'lithium earthquake' })).toEqual([]);
    // "lith" is not a word of the record: no prefix matches.
    expect(matching({ text: 'lith' })).toEqual([]);
    // The summary counts as well as the title.
    expect(matching({ text: 'magnitude offshore' })).toEqual(['quake']);
    // Full-width letters fold to ASCII (NFKC).
    expect(matching({ text: 'ＬＩＴＨＩＵＭ' })).toEqual(['lithiumUS']);
  });

  it('text: CJK runs match by their character pairs, a lone character by itself', () => {
    expect(matching({ text: '稀土' })).toEqual(['rareEarthCN']);
    expect(matching({ text: '出口管制' })).toEqual(['rareEarthCN']);
    expect(matching({ text: '稀土 商务部' })).toEqual(['rareEarthCN']);
    expect(matching({ text: '锂' })).toEqual([]);
    expect(matching({ text: '土' })).toEqual(['rareEarthCN']);
    // 土出 is not in the text although both characters are (not adjacent here).
    expect(matching({ text: '土稀' })).toEqual([]);
  });

  it('text reads the editor’s Chinese title and summary too', () => {
    const edited = rec({ ...lithiumUS, titleZh: '阿肯色州卤水可供锂资源' });
    expect(matchesFilter(edited, { text: '卤水' })).toBe(true);
    expect(matchesFilter(lithiumUS, { text: '卤水' })).toBe(false);
  });

  it('a compiled filter gives the same answers as the plain one', () => {
    const filters: SubscriptionFilter[] = [
      {},
      { commodities: ['lithium'] },
      { countries: ['cn'], text: '出口' },
      { topics: ['basic-geology'], text: 'port hardy' },
    ];
    for (const f of filters) {
      const c = compileFilter(f);
      for (const r of Object.values(all)) expect(matchesFilter(r, c)).toBe(matchesFilter(r, f));
    }
  });
});

describe('tokens', () => {
  it('queryTokens: words and CJK bigrams, deduplicated', () => {
    expect(queryTokens('Rare-earth  rare EARTH')).toEqual(['rare', 'earth']);
    expect(queryTokens('稀土出口')).toEqual(['稀土', '土出', '出口']);
    expect(queryTokens('锂 lithium')).toEqual(['锂', 'lithium']);
    expect(queryTokens('中国lithium矿')).toEqual(['中国', 'lithium', '矿']);
    expect(queryTokens('!!! ...')).toEqual([]);
  });

  it('textTokens: words, CJK characters and bigrams', () => {
    expect([...textTokens('Lithium 稀土矿')].sort()).toEqual(
      ['lithium', '土', '土矿', '矿', '稀', '稀土'].sort(),
    );
  });
});
