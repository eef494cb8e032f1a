/** Table-driven tests of the classify stage: matching, weights, gate, events, explain, schema. */
import { describe, expect, it } from 'vitest';
import { TopicsFileSchema } from '../../src/config/topics-schema.js';
import {
  classifyItem,
  classifyItemDetailed,
  compileTaxonomy,
  LexiconMatcher,
} from '../../src/pipeline/classify/index.js';
import type { Item } from '../../src/pipeline/types.js';
import { loadTaxonomy } from './classify-helpers.js';

const taxonomy = loadTaxonomy();
const item = (title: string, summary?: string, extra: Partial<Item> = {}): Item => ({
  id: 't',
  title,
  ...(summary ? { summary } : {}),
  ...extra,
});

describe('LexiconMatcher', () => {
  const m = new LexiconMatcher([
    { term: '地质', lang: 'zh', payload: 'geo' },
    { term: '地质灾害', lang: 'zh', payload: 'hazard' },
    { term: '地铁', lang: 'zh', payload: 'block' },
    { term: 'tin', lang: 'en', payload: 'tin' },
    { term: 'volcan*', lang: 'en', payload: 'volcano' },
    { term: 'sea level', lang: 'en', payload: 'sea' },
    { term: '=US', lang: 'en', payload: 'us' },
  ]);
  const terms = (text: string) => m.match(text).map((x) => x.payloads[0]);
  it.each([
    ['Chinese without segmentation', '我国地质调查取得新进展', ['geo']],
    ['the longest Chinese term wins', '四川发生地质灾害', ['hazard']],
    ['a blocker hides a shorter term', '地铁站附近', ['block']],
    ['whole words only: no tin in Martin', 'Martin measured it', []],
    ['a word on its own', 'tin and tungsten', ['tin']],
    ['prefix terms', 'Volcanic ash and volcanoes', ['volcano', 'volcano']],
    ['phrases across hyphens and case', 'Sea-Level rise', ['sea']],
    ['accents are ignored', 'séa level', ['sea']],
    ['case-sensitive terms', 'US and us', ['us']],
  ])('%s', (_n, text, expected) => {
    expect(terms(text)).toEqual(expected);
  });
});

describe('classifyItem on text', () => {
  it.each([
    [
      'English geohazard',
      item('Landslide risk mapped along the Yangtze', 'Slope failures threaten towns.'),
      'hydrogeology',
    ],
    [
      'Chinese groundwater',
      item('华北平原地下水超采区地面沉降减缓', undefined, { language: 'zh' }),
      'hydrogeology',
    ],
    ['Chinese ore deposit', item('大兴安岭斑岩型铜钼矿床成矿作用研究'), 'energy-minerals'],
    ['Chinese carbon', item('全球碳排放量再创新高，碳中和目标面临挑战'), 'carbon-neutrality'],
    ['Chinese marine', item('多波束测深揭示海沟海底地形'), 'marine'],
    [
      'German core terms',
      item('Neue Karte des Grundwassers in Bayern', undefined, { language: 'de' }),
      'hydrogeology',
    ],
    [
      'French core terms',
      item('Un séisme de magnitude 5 ressenti au Québec', undefined, { language: 'fr' }),
      'basic-geology',
    ],
    ['Danish core terms', item('Nye data om havbunden i Nordsøen', undefined, { language: 'da' }), 'marine'],
    ['medicine is off-topic', item('CRISPR-edited immune cells thrive in cancer patients'), null],
    ['astronomy is off-topic', item('Supercharged light pulverizes asteroids around stars'), null],
    ['an erratum is vetoed', item('Erratum: Tectonic evolution of the Central Andean Plateau'), null],
    ['patent mining is not mining', item('Novel techniques for mining patented gene therapies'), null],
  ])('%s', (_n, it_, expected) => {
    expect(classifyItem(it_, taxonomy).topic).toBe(expected);
  });

  it('weights the title above the text', () => {
    const a = classifyItem(item('Aquifer depletion', 'earthquake'), taxonomy);
    expect(a.topics[0]?.id).toBe('hydrogeology');
    const b = classifyItem(item('Earthquake', 'aquifer depletion'), taxonomy);
    expect(b.topics[0]?.id).toBe('basic-geology');
  });

  it('negative (off-topic) evidence can outweigh a topic term', () => {
    const c = classifyItem(
      item('Lithium batteries age faster in cold electrodes', 'battery cells'),
      taxonomy,
    );
    expect(c.relevant).toBe(false);
    expect(c.topic).toBeNull();
    expect(c.topics).toEqual([]);
  });

  it('gives secondary topics with scores and evidence, best first', () => {
    const c = classifyItem(
      item(
        'Groundwater contamination from oil and natural gas extraction',
        'Private wells near shale gas fields',
      ),
      taxonomy,
    );
    expect(c.topics.map((t) => t.id)).toEqual(['hydrogeology', 'energy-minerals']);
    expect(c.topics[0]?.score).toBeGreaterThanOrEqual(c.topics[1]?.score ?? 1);
    expect(c.topics[0]?.evidence).toContain('groundwater*');
    for (const t of c.topics) {
      expect(t.score).toBeGreaterThan(0);
      expect(t.score).toBeLessThanOrEqual(1);
    }
  });

  it('a source hint boosts a topic that has evidence', () => {
    const text = item('Deep drilling results', 'drilling reached the ore zone and the fault');
    const without = classifyItemDetailed(text, taxonomy).explanation;
    const withHint = classifyItemDetailed(text, taxonomy, {
      source: { topicHints: ['energy-minerals'] },
    }).explanation;
    const score = (e: typeof without) => e.topics.find((t) => t.id === 'energy-minerals')?.score ?? 0;
    expect(score(withHint)).toBeGreaterThan(score(without));
  });
});

describe('event rules', () => {
  const eq = (mag: number | undefined, alert?: string): Item =>
    item(`Earthquake near the coast`, undefined, {
      geo: {
        lat: 1,
        lon: 2,
        ...(mag !== undefined ? { magnitude: mag } : {}),
        ...(alert ? { alertLevel: alert } : {}),
        eventType: 'EQ',
      },
    });
  it.each([
    ['M 6.0 is relevant', eq(6.0), 'basic-geology'],
    ['M 5.9 green is not', eq(5.9, 'green'), null],
    ['an orange alert is relevant whatever the magnitude', eq(5.5, 'orange'), 'basic-geology'],
    ['no magnitude and no alert is not relevant', eq(undefined), null],
    [
      'volcanic eruption',
      item('Eruption of Etna', undefined, { geo: { lat: 1, lon: 2, eventType: 'volcano' } }),
      'basic-geology',
    ],
    [
      'tropical cyclone is off-topic',
      item('Red alert for tropical cyclone KAI-25', undefined, { eventIds: ['TC:1'] }),
      null,
    ],
    ['drought is off-topic', item('Drought is on going in China', undefined, { eventIds: ['DR:1'] }), null],
    ['flood is off-topic', item('Flood alert in Pakistan', undefined, { eventIds: ['FL:1'] }), null],
    [
      'floods with landslides count as a landslide',
      item('Floods and landslides kill 20 in Sumatra', undefined, { eventIds: ['x'] }),
      'hydrogeology',
    ],
    [
      'magnitude from the title (NRCan style)',
      item('2018-09-29: M=6.1 - 32 km NNW of Yarmouth, NS', undefined, { eventIds: ['x'] }),
      'basic-geology',
    ],
    [
      'magnitude from a GDACS title',
      item('Green earthquake alert (Magnitude 5.5M, Depth:10km) in South Africa', undefined, {
        eventIds: ['x'],
      }),
      null,
    ],
    ['Chinese event title', item('缅甸发生7.7级地震', undefined, { eventIds: ['x'] }), 'basic-geology'],
  ])('%s', (_n, it_, expected) => {
    expect(classifyItem(it_, taxonomy).topic).toBe(expected);
  });

  it('opts.events judges an item without geo facts as an event', () => {
    const c = classifyItem(
      item('Breaking News', 'an earthquake has occurred near Victoria, felt in the area'),
      taxonomy,
      {
        events: true,
      },
    );
    expect(c.relevant).toBe(false);
    const e = classifyItemDetailed(
      item('Breaking News', 'an earthquake has occurred near Victoria'),
      taxonomy,
      { events: true },
    );
    expect(e.explanation.decidedBy).toBe('event');
    const d = classifyItemDetailed(
      item('Breaking News', 'an earthquake has occurred near Victoria'),
      taxonomy,
    );
    expect(d.explanation.decidedBy).toBe('lexicon');
  });
});

describe('explanations', () => {
  it('lists the deciding terms with weights and fields', () => {
    const { classification, explanation } = classifyItemDetailed(
      item('Landslide dams on glacial lakes', 'debris flow hazard'),
      taxonomy,
    );
    expect(classification.topic).toBe('hydrogeology');
    expect(explanation.decidedBy).toBe('lexicon');
    expect(explanation.reason).toMatch(/hydrogeology/);
    const hydro = explanation.topics.find((t) => t.id === 'hydrogeology');
    expect(hydro?.terms.map((t) => [t.term, t.field])).toEqual(
      expect.arrayContaining([
        ['landslide*', 'title'],
        ['debris flow*', 'text'],
      ]),
    );
  });
  it('explains event and veto decisions', () => {
    const e = classifyItemDetailed(
      item('Quake', undefined, { geo: { lat: 0, lon: 0, magnitude: 5, eventType: 'earthquake' } }),
      taxonomy,
    );
    expect(e.explanation.decidedBy).toBe('event');
    expect(e.explanation.reason).toMatch(/below thresholds/);
    const v = classifyItemDetailed(item('Corrigendum to “Porphyry copper deposits”'), taxonomy);
    expect(v.explanation.decidedBy).toBe('veto');
    expect(v.explanation.veto).toEqual(['corrigendum']);
  });
});

describe('topics.yaml schema', () => {
  const base = {
    topics: [{ id: 'marine', name: 'Marine', nameZh: '海洋', order: 1, terms: { en: { seabed: 3 } } }],
  };
  it('fills defaults', () => {
    const f = TopicsFileSchema.parse(base);
    expect(f.settings.minScore).toBeGreaterThan(0);
    expect(compileTaxonomy(f).topicIds).toEqual(['marine']);
  });
  it.each([
    [
      'an event rule naming an unknown topic',
      { ...base, events: { rules: [{ type: 'volcano', topic: 'volcanoes' }] } },
      /unknown topic "volcanoes"/,
    ],
    [
      'a language key that is not ISO 639-1',
      { topics: [{ ...base.topics[0], terms: { english: { x: 1 } } }] },
      /"english" is not a language key/,
    ],
    [
      'a weight that is not a number',
      { topics: [{ ...base.topics[0], terms: { en: { x: 'high' } } }] },
      /number/,
    ],
    ['a duplicate topic id', { topics: [base.topics[0], base.topics[0]] }, /duplicate topic id/],
    ['an unknown setting', { ...base, settings: { minscore: 0.4 } }, /minscore|Unrecognized/i],
  ])('rejects %s with a clear message', (_n, data, message) => {
    const r = TopicsFileSchema.safeParse(data);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message).join('; ')).toMatch(message);
  });
});
