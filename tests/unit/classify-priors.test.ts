/**
 * Source priors and the runner-up (issue #12). The same lexicon evidence under each kind of source — what it
 * publishes selects the gate of config/topics.yaml `priors` — on a small taxonomy whose arithmetic is written
 * out below (title weight 2, text weight 1, saturation 6: one title term of weight 2 → raw 4 → score 0.487);
 * then the repository's taxonomy on the named defects.
 */
import { describe, expect, it } from 'vitest';
import { TopicsFileSchema } from '../../src/config/topics-schema.js';
import {
  classifyItem,
  classifyItemDetailed,
  compileTaxonomy,
  type SourcePrior,
  sourcePriorOf,
} from '../../src/pipeline/classify/index.js';
import { buildDigest } from '../../src/pipeline/digest/build.js';
import { renderDigest } from '../../src/pipeline/digest/render.js';
import { buildRecord } from '../../src/pipeline/record.js';
import { parseRecord } from '../../src/pipeline/record-schema.js';
import type { Item } from '../../src/pipeline/types.js';
import { loadTaxonomy } from './classify-helpers.js';

const small = compileTaxonomy(
  TopicsFileSchema.parse({
    settings: {
      titleWeight: 2,
      textWeight: 1,
      saturation: 6,
      minScore: 0.45,
      offTopicRatio: 1,
      sourceHintBoost: 1,
    },
    topics: [
      {
        id: 'basic-geology',
        name: 'Basic geology',
        nameZh: '基础地质',
        order: 1,
        terms: { en: { fault: 2, zircon: 1.7 } },
      },
      {
        id: 'energy-minerals',
        name: 'Energy',
        nameZh: '能源矿产',
        order: 2,
        terms: { en: { copper: 2, ore: 1 } },
      },
      {
        id: 'marine',
        name: 'Marine',
        nameZh: '海洋地质',
        order: 4,
        terms: { en: { seafloor: 2, ocean: 1 } },
      },
    ],
    offTopic: { en: { catalyst: 2, microbes: 1 } },
    veto: { en: ['erratum'] },
    events: { score: 0.9, rules: [{ type: 'earthquake', topic: 'basic-geology', minMagnitude: 6 }] },
    priors: {
      journal: { minScore: 0.4 },
      relay: { minScore: 0.5, offTopicRatio: 1.5 },
      agency: { hintBoost: 2 },
      programme: { hintBoost: 3 },
    },
  }),
);

const item = (title: string, summary?: string, extra: Partial<Item> = {}): Item => ({
  id: 'x',
  title,
  ...(summary ? { summary } : {}),
  ...extra,
});
const topicOf = (i: Item, source?: SourcePrior) => classifyItem(i, small, source ? { source } : {}).topic;

describe('the source prior in the relevance decision', () => {
  // [case, title, summary, prior, expected topic]
  it.each<[string, string, string | undefined, SourcePrior | undefined, string | null]>([
    ['one title term (score 0.487), no prior: placed', 'Fault', undefined, undefined, 'basic-geology'],
    ['…from a relay (minScore 0.5): off-topic', 'Fault', undefined, { publishes: 'relay' }, null],
    ['…from a journal: placed', 'Fault', undefined, { publishes: 'journal' }, 'basic-geology'],
    ['score 0.432, no prior: off-topic', 'Zircon', undefined, undefined, null],
    [
      '…from a journal (minScore 0.4): placed',
      'Zircon',
      undefined,
      { publishes: 'journal' },
      'basic-geology',
    ],
    ['…from an agency (default gate): off-topic', 'Zircon', undefined, { publishes: 'agency' }, null],
    [
      'raw 6 against off-topic 4, no prior: placed',
      'Copper ore catalyst',
      undefined,
      undefined,
      'energy-minerals',
    ],
    [
      '…from a relay (off-topic ratio 1.5): off-topic',
      'Copper ore catalyst',
      undefined,
      { publishes: 'relay' },
      null,
    ],
    ['one text term (raw 2): off-topic', 'Annual report', 'copper', undefined, null],
    [
      '…from a programme hinted to it (boost 3 → raw 5): placed',
      'Annual report',
      'copper',
      { publishes: 'programme', topicHints: ['energy-minerals'] },
      'energy-minerals',
    ],
    [
      '…from an agency hinted to it (boost 2 → raw 4): placed',
      'Annual report',
      'copper',
      { publishes: 'agency', topicHints: ['energy-minerals'] },
      'energy-minerals',
    ],
    [
      '…from a programme hinted elsewhere (no evidence, no boost): off-topic',
      'Annual report',
      'copper',
      { publishes: 'programme', topicHints: ['marine'] },
      null,
    ],
    [
      'a hint never creates evidence',
      'Annual report',
      undefined,
      { publishes: 'programme', topicHints: ['marine'] },
      null,
    ],
  ])('%s', (_case, title, summary, prior, expected) => {
    expect(topicOf(item(title, summary), prior)).toBe(expected);
  });

  it('the hint boost moves the section choice', () => {
    const i = item('Seafloor copper', undefined);
    expect(topicOf(i)).toBe('energy-minerals'); // tie at raw 4: taxonomy order
    expect(topicOf(i, { publishes: 'agency', topicHints: ['marine'] })).toBe('marine');
  });

  it('event feeds: the event rule decides, its section stays, no runner-up', () => {
    const quake = item('M 6.4 - 20 km SW of Ollagüe, Chile', 'seafloor', {
      geo: { lat: -21, lon: -68, magnitude: 6.4 },
    });
    const { classification, explanation } = classifyItemDetailed(quake, small, {
      source: { publishes: 'events' },
    });
    expect(classification).toMatchObject({ relevant: true, topic: 'basic-geology', runnerUp: null });
    expect(explanation.decidedBy).toBe('event');
    expect(explanation.prior.name).toBe('events');
    // The same title with no geo facts, from an events source, is still judged as an event.
    const typed = classifyItemDetailed(item('Earthquake M 5.2 near the coast'), small, {
      source: { publishes: 'events' },
    });
    expect(typed.explanation.decidedBy).toBe('event');
    expect(typed.classification.topic).toBeNull();
  });

  it('--explain names the prior and its effect on the score and the decision', () => {
    const relay = classifyItemDetailed(item('Fault'), small, { source: { publishes: 'relay' } }).explanation;
    expect(relay.prior).toMatchObject({ name: 'relay', minScore: 0.5, offTopicRatio: 1.5, hintBoost: 1 });
    expect(relay.prior.effect).toBe(
      'minScore 0.5 (default 0.45); off-topic ratio 1.5 (default 1); decision off-topic, without the prior basic-geology',
    );
    expect(relay.reason).toBe('best score 0.487 < minScore 0.5 (relay prior)');
    const hinted = classifyItemDetailed(item('Annual report', 'copper'), small, {
      source: { publishes: 'programme', topicHints: ['energy-minerals'] },
    });
    const energy = hinted.explanation.topics.find((t) => t.id === 'energy-minerals');
    expect(energy).toMatchObject({ raw: 5, sourceHint: 3 });
    expect(hinted.explanation.prior.effect).toMatch(
      /topicHints boost 3 \(default 1\); decision energy-minerals, without the prior off-topic$/,
    );
    expect(hinted.classification.topics[0]?.evidence).toEqual(['copper', 'prior:programme']);
    const none = classifyItemDetailed(item('Fault'), small).explanation.prior;
    expect(none).toEqual({
      name: 'none',
      minScore: 0.45,
      offTopicRatio: 1,
      hintBoost: 1,
      topicHints: [],
      effect: 'the default gate',
    });
  });

  it('the registry entry gives the prior', () => {
    expect(
      sourcePriorOf({ publishes: 'programme', topicHints: ['energy-minerals'], language: 'ja' }),
    ).toEqual({
      publishes: 'programme',
      topicHints: ['energy-minerals'],
      language: 'ja',
    });
    expect(sourcePriorOf({ publishes: 'relay', topicHints: [] })).toEqual({ publishes: 'relay' });
  });
});

describe('the runner-up', () => {
  // [case, title, summary, expected topic, expected runner-up]
  it.each<[string, string, string | undefined, string | null, { id: string; score: number } | null]>([
    [
      'placed, a second topic with evidence',
      'Seafloor fault',
      undefined,
      'basic-geology',
      { id: 'marine', score: 0.487 },
    ],
    [
      'placed, the second topic also outweighs off-topic',
      'Seafloor fault microbes',
      undefined,
      'basic-geology',
      { id: 'marine', score: 0.487 },
    ],
    [
      'placed, the second topic does not outweigh off-topic',
      'Fault zircon',
      'ocean microbes',
      'basic-geology',
      null,
    ],
    ['placed, one topic only', 'Fault', undefined, 'basic-geology', null],
    [
      'off-topic: its best topic with evidence',
      'Catalyst',
      'copper',
      null,
      { id: 'energy-minerals', score: 0.283 },
    ],
    ['off-topic without evidence', 'Annual report', undefined, null, null],
    ['a title veto has none', 'Erratum: seafloor fault', undefined, null, null],
  ])('%s', (_case, title, summary, topic, runnerUp) => {
    const c = classifyItem(item(title, summary), small);
    expect(c.topic).toBe(topic);
    expect(c.runnerUp).toEqual(runnerUp);
  });

  it('is in the explanation, and in the digest record', () => {
    const { classification, explanation } = classifyItemDetailed(item('Seafloor fault'), small);
    expect(explanation.runnerUp).toEqual(classification.runnerUp);
    const record = buildRecord({
      item: { id: 'r1', title: 'Seafloor fault', url: 'https://example.org/r1' },
      classification,
      story: { id: 'r1', storyId: 'r1', duplicateOf: null, canonicalId: 'r1', similarity: 1 },
      source: { id: 'src', name: 'Source' },
      fetchedAt: '2026-12-04T10:00:00Z',
    });
    expect(record.runnerUp).toEqual({ id: 'marine', score: 0.487 });
    const parsed = parseRecord(JSON.parse(JSON.stringify(record)));
    expect(parsed.ok && parsed.record.runnerUp).toEqual({ id: 'marine', score: 0.487 });
    // A record stored before the field existed still parses; one with a malformed runner-up does not.
    const { runnerUp: _r, ...old } = record;
    expect(parseRecord(old).ok).toBe(true);
    expect(parseRecord({ ...record, runnerUp: { id: 'marine' } })).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/^runnerUp\.score:/)],
    });
    // The digest's JSON edition carries each record whole, runner-up included.
    const digest = buildDigest([{ ...record, publishedAt: '2026-12-04T01:00:00Z' }], {
      topics: [{ id: 'basic-geology', name: 'Basic geology', nameZh: '基础地质', order: 1 }],
    });
    const json = JSON.parse(renderDigest(digest, { format: 'json', lang: 'en' }));
    expect(json.sections[0].items[0].record.runnerUp).toEqual({ id: 'marine', score: 0.487 });
  });
});

describe('the repository taxonomy on the issue’s named defects (dev items)', () => {
  const taxonomy = loadTaxonomy();
  it.each<[string, string, string, SourcePrior, string | null]>([
    [
      'microbes and urea are not 海洋地质',
      'Hidden fuel for ocean microbes: Urea emerges as key energy source for marine ammonia oxidizers',
      'Ammonia-oxidizing archaea (AOA) are some of the most abundant microorganisms in the ocean and play a key role in nitrogen cycling.',
      { publishes: 'relay', language: 'en' },
      null,
    ],
    [
      'copper catalysts are not 能源矿产',
      'The power of going small: Copper oxide subnanoparticle catalysts prove most superior',
      'Scientists have shown that copper oxide particles on the sub-nanoscale are more powerful catalysts than those on the nanoscale. These subnanoparticles can also catalyze the oxidation reactions of aromatic hydrocarbons far more effectively than catalysts currently used in industry.',
      { publishes: 'relay', language: 'en' },
      null,
    ],
    [
      'deep-sea sediments are marine geology',
      'Mineral-specific iron control REY enrichment in deep-sea sediments: insights from sequential leaching and iron isotopes',
      'Publication date: 15 December 2025Source: Geochimica et Cosmochimica Acta, Volume 411Author(s): A. Author',
      { publishes: 'journal', language: 'en' },
      'marine',
    ],
  ])('%s', (_case, title, summary, prior, expected) => {
    expect(classifyItem(item(title, summary, { language: 'en' }), taxonomy, { source: prior }).topic).toBe(
      expected,
    );
  });

  it('the megathrust paper is English, and basic geology, even with no source', () => {
    const c = classifyItem(
      item(
        'Temperature insensitive viscous deformation limits megathrust seismogenesis',
        'Publication date: January 2026Source: Earth and Planetary Science Letters, Volume 673Author(s): Liam Moser, Matěj Peč, Camilla Cattania',
      ),
      taxonomy,
    );
    expect(c).toMatchObject({ language: 'en', topic: 'basic-geology' });
  });

  it('the Tristan da Cunha event title is English under its source, and off-topic below M 6', () => {
    const c = classifyItem(item('M 5.1 - Tristan da Cunha region', undefined, { language: 'en' }), taxonomy, {
      source: { publishes: 'events', language: 'en' },
    });
    expect(c).toMatchObject({ language: 'en', relevant: false, runnerUp: null });
  });

  it('has a prior for every kind of source', () => {
    expect(Object.keys(taxonomy.priors).sort()).toEqual([
      'agency',
      'events',
      'journal',
      'programme',
      'relay',
    ]);
  });
});
