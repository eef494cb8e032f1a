/**
 * The learned model's pure parts (src/pipeline/model) and its in-memory store: features and their names,
 * training determinism, the stored form's round trip, explanations, the combination rule, editors' decisions
 * as labels, promote/restore, the classify stage's seam, and the shipped baseline's manifest. No Redis.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRepositoryTaxonomy } from '../../src/bench/classify.js';
import { readLabelled } from '../../src/bench/label-eval.js';
import { classifyItemDetailed } from '../../src/pipeline/classify/index.js';
import { classDecision } from '../../src/pipeline/ingest.js';
import { combineDecision, describeDecision } from '../../src/pipeline/model/combine.js';
import { parseDataFile, trainingItemsOf } from '../../src/pipeline/model/dataset.js';
import { type DecisionEntry, decidedItems, labelsFromAudit } from '../../src/pipeline/model/decisions.js';
import { scoreDecisions } from '../../src/pipeline/model/evaluate.js';
import { bucketOf, DEFAULT_FEATURES, featuresOf } from '../../src/pipeline/model/features.js';
import { fitSoftmax, softmaxInPlace } from '../../src/pipeline/model/logistic.js';
import { createScorer } from '../../src/pipeline/model/scorer.js';
import {
  DEFAULT_COMBINE,
  decodeModel,
  encodeModel,
  validateModelFile,
} from '../../src/pipeline/model/serialize.js';
import {
  classesOf,
  dataHash,
  foldsOf,
  type TrainingItem,
  trainModel,
} from '../../src/pipeline/model/train.js';
import type { DigestRecord } from '../../src/pipeline/types.js';
import { createMemoryModelStore, followActiveModel, readModelFile } from '../../src/store/models.js';
import { ROOT } from '../helpers/cli.js';

const taxonomy = loadRepositoryTaxonomy();
const classes = classesOf(taxonomy.topicIds);
const dev = readLabelled('dev.jsonl');
const devItems = trainingItemsOf(
  dev.map((d) => ({ id: d.id, title: d.title, summary: d.summary, label: d.label, language: d.language })),
  taxonomy,
  { weight: 1, origin: 'dev', classes },
);
const meta = { version: 't1', trainedAt: '2026-12-04T00:00:00Z', trainedBy: 'unit test' };
const small = devItems.slice(0, 160);

describe('features', () => {
  it('name every feature by the bucket it lands in (words, title words, bigrams, character n-grams, CJK, lexicon)', () => {
    const v = featuresOf(
      {
        title: 'Zircon ages date the rifting',
        text: 'Uranium–lead ages of zircon crystals. 青藏高原的地壳',
        lexicon: { topics: { 'basic-geology': 4, marine: 0 }, offTopic: 1.5 },
      },
      DEFAULT_FEATURES,
      true,
    );
    const names = v.names as string[];
    expect(names).toHaveLength(v.idx.length);
    names.forEach((name, i) => {
      expect(bucketOf(name, DEFAULT_FEATURES.hashBits), name).toBe(v.idx[i]);
    });
    for (const f of [
      'w:zircon',
      't:zircon',
      'b:zircon ages',
      'c:<zir',
      'c:con>',
      'z:青藏',
      'z1:壳',
      'lex:basic-geology',
      'lex:off',
    ])
      expect(names, f).toContain(f);
    // Character n-grams of the title's words only (charText: false); no lexicon feature of a topic without evidence.
    expect(names).not.toContain('c:<ura');
    expect(names).not.toContain('lex:marine');
    expect(names).not.toContain('lex:none');
  });

  it('scale text features by 1/√n and add the lexicon features unscaled', () => {
    const v = featuresOf(
      { title: 'granite', text: '', lexicon: { topics: {}, offTopic: 0 } },
      DEFAULT_FEATURES,
      true,
    );
    const names = v.names as string[];
    const n = names.filter((x) => !x.startsWith('lex:')).length;
    for (let i = 0; i < names.length; i++) {
      if (names[i] === 'lex:none') expect(v.val[i]).toBe(1);
      else expect(v.val[i]).toBeCloseTo(1 / Math.sqrt(n), 6);
    }
    expect(names).toContain('lex:none');
  });
});

describe('training', () => {
  it('is deterministic: the same items and settings give the same file byte for byte', () => {
    const a = trainModel(small, { topics: taxonomy.topicIds }, meta).file;
    const b = trainModel(small, { topics: taxonomy.topicIds }, meta).file;
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.manifest.dataHash).toBe(dataHash(small));
    expect(a.manifest.items).toEqual({ dev: small.length });
  });

  it('finds the same optimum whatever the order of the items (the objective is convex)', () => {
    const reversed = [...small].reverse();
    const p1 = createScorer(trainModel(small, { topics: taxonomy.topicIds }, meta).file);
    const p2 = createScorer(trainModel(reversed, { topics: taxonomy.topicIds }, meta).file);
    let maxDiff = 0;
    for (const it of devItems.slice(200, 260)) {
      const input = { title: it.title, text: it.text, ...(it.lexicon ? { lexicon: it.lexicon } : {}) };
      const a = p1.score(input);
      const b = p2.score(input);
      for (let c = 0; c < a.length; c++)
        maxDiff = Math.max(maxDiff, Math.abs((a[c] as number) - (b[c] as number)));
    }
    expect(maxDiff).toBeLessThan(0.02);
  });

  it('deals seeded folds: deterministic, balanced, different for another seed', () => {
    const f1 = foldsOf(503, 5, 7);
    expect([...foldsOf(503, 5, 7)]).toEqual([...f1]);
    const sizes = [0, 1, 2, 3, 4].map((k) => [...f1].filter((x) => x === k).length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect([...foldsOf(503, 5, 8)]).not.toEqual([...f1]);
  });

  it('learns a separable toy problem and fits the weighted data', () => {
    const item = (id: string, title: string, label: string, weight = 1): TrainingItem => ({
      id,
      title,
      text: '',
      label,
      weight,
      origin: 'toy',
    });
    const items = [
      ...['zircon ages', 'zircon crystals', 'zircon grains'].map((t, i) => item(`g${i}`, t, 'basic-geology')),
      ...['protein folding', 'protein binding', 'protein design'].map((t, i) =>
        item(`o${i}`, t, 'off-topic'),
      ),
    ];
    const scorer = createScorer(trainModel(items, { topics: taxonomy.topicIds, l2: 1e-3 }, meta).file);
    const p = scorer.score({ title: 'zircon dating', text: '' });
    expect(scorer.classes[p.indexOf(Math.max(...p))]).toBe('basic-geology');
    const q = scorer.score({ title: 'protein structure', text: '' });
    expect(scorer.classes[q.indexOf(Math.max(...q))]).toBe('off-topic');
  });
});

describe('the stored form', () => {
  it('round-trips through JSON: quantised weights within half a step, the same decisions', () => {
    const samples = small.map((it) => ({
      x: featuresOf(
        { title: it.title, text: it.text, ...(it.lexicon ? { lexicon: it.lexicon } : {}) },
        DEFAULT_FEATURES,
      ),
      y: classes.indexOf(it.label),
      weight: 1,
    }));
    const fit = fitSoftmax(samples, { classes: classes.length, l2: 3e-4 }).model;
    const file = encodeModel(fit, {
      version: 'rt',
      classes,
      features: DEFAULT_FEATURES,
      combine: DEFAULT_COMBINE,
      manifest: { trainedAt: 'x', trainedBy: 'unit test', seed: 1, l2: 3e-4, dataHash: 'x', items: {} },
    });
    const json = JSON.stringify(file);
    const dense = decodeModel(validateModelFile(JSON.parse(json)));
    const C = classes.length;
    fit.buckets.forEach((b, r) => {
      for (let c = 0; c < C; c++) {
        const w = (dense.q[b * C + c] as number) * (dense.scale[c] as number);
        expect(Math.abs(w - (fit.weights[r * C + c] as number))).toBeLessThanOrEqual(
          (dense.scale[c] as number) / 2 + 1e-9,
        );
      }
    });
    const scorer = createScorer(JSON.parse(json));
    let same = 0;
    for (const s of samples) {
      const z = Float64Array.from(fit.bias);
      for (let k = 0; k < s.x.idx.length; k++) {
        const r = fit.buckets.indexOf(s.x.idx[k] as number);
        for (let c = 0; c < C; c++)
          z[c] = (z[c] as number) + (s.x.val[k] as number) * (fit.weights[r * C + c] as number);
      }
      const exact = softmaxInPlace(z);
      const it = small[samples.indexOf(s)] as TrainingItem;
      const stored = scorer.score({
        title: it.title,
        text: it.text,
        ...(it.lexicon ? { lexicon: it.lexicon } : {}),
      });
      if (exact.indexOf(Math.max(...exact)) === stored.indexOf(Math.max(...stored))) same++;
    }
    expect(same).toBe(samples.length);
    console.log(
      `${file.weights.count} rows, ${json.length} bytes of JSON for ${fit.buckets.length} learned buckets`,
    );
  });

  it('refuses what is not a model, naming the problem', () => {
    const good = trainModel(small.slice(0, 20), { topics: taxonomy.topicIds }, meta).file;
    expect(() => validateModelFile({ ...good, format: 'x' })).toThrow(/format/);
    expect(() => validateModelFile({ ...good, classes: ['marine', 'off-topic'] })).toThrow(/off-topic/);
    expect(() => validateModelFile({ ...good, version: 'a b' })).toThrow(/version/);
    expect(() => validateModelFile({ ...good, combine: { ...good.combine, offTopicBelow: 2 } })).toThrow(
      /combine\.offTopicBelow/,
    );
    // A model stored before the silent-lexicon rule existed is still a model (the rule is off for it).
    const { offTopicBelow: _older, ...olderRule } = good.combine;
    expect(validateModelFile({ ...good, combine: olderRule }).combine.offTopicBelow).toBeUndefined();
    expect(() =>
      decodeModel({ ...good, weights: { ...good.weights, count: good.weights.count + 1 } }),
    ).toThrow(/weights/);
  });
});

describe('explanations', () => {
  const scorer = createScorer(readModelFile(join(ROOT, 'models/baseline-v1.json')));
  const input = {
    title: 'Groundwater depletion in the North China Plain aquifer',
    text: 'Wells show falling water tables as irrigation pumping exceeds recharge.',
    lexicon: { topics: { hydrogeology: 5 }, offTopic: 0 },
  };

  it('list the features that pushed each class, largest first, all of them the item’s own', () => {
    const e = scorer.explain(input, 5);
    const own = new Set(
      featuresOf(input, readModelFile(join(ROOT, 'models/baseline-v1.json')).features, true).names,
    );
    expect(Object.keys(e.top)).toEqual([...scorer.classes]);
    const hydro = e.top.hydrogeology ?? [];
    expect(hydro.length).toBe(5);
    for (const f of hydro) expect(own.has(f.feature), f.feature).toBe(true);
    const weights = hydro.map((f) => f.weight);
    expect(weights).toEqual([...weights].sort((a, b) => b - a));
    expect(weights.every((w) => w > 0)).toBe(true);
    expect(
      hydro.map((f) => f.feature).some((f) => /groundwater|aquifer|lex:hydrogeology|recharge|wells/.test(f)),
    ).toBe(true);
    expect(e.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
  });

  it('give the same answer right after scoring the same input (the cached pass) as from scratch', () => {
    const fresh = scorer.explain(input, 5, ['hydrogeology']);
    scorer.score(input);
    expect(scorer.explain(input, 5, ['hydrogeology'])).toEqual(fresh);
  });
});

describe('combining the lexicon and the model', () => {
  const cls = ['off-topic', 'basic-geology', 'marine'];
  const s = { margin: 0.3, minProbability: 0.6 };
  const cases: Array<[string, Parameters<typeof combineDecision>[0], number[], string | null, string]> = [
    ['the model agrees', { topic: 'marine', decidedBy: 'lexicon' }, [0.1, 0.1, 0.8], 'marine', 'lexicon'],
    [
      'confident and clearly different: the model',
      { topic: null, decidedBy: 'lexicon' },
      [0.1, 0.8, 0.1],
      'basic-geology',
      'model',
    ],
    [
      'confident, margin too small: the lexicon',
      { topic: 'marine', decidedBy: 'lexicon' },
      [0.0, 0.62, 0.38],
      'marine',
      'lexicon',
    ],
    [
      'clear margin, not confident: the lexicon',
      { topic: null, decidedBy: 'lexicon' },
      [0.05, 0.55, 0.4],
      null,
      'lexicon',
    ],
    [
      'the model moves an item out of its section',
      { topic: 'marine', decidedBy: 'lexicon' },
      [0.9, 0.05, 0.05],
      null,
      'model',
    ],
    [
      'an event rule wins',
      { topic: 'basic-geology', decidedBy: 'event' },
      [0.99, 0.005, 0.005],
      'basic-geology',
      'rule',
    ],
    ['a title veto wins', { topic: null, decidedBy: 'veto' }, [0.0, 1, 0], null, 'rule'],
    [
      'the source’s topicHints naming the lexicon’s topic win',
      { topic: 'marine', decidedBy: 'lexicon', sourceHints: ['marine'] },
      [0.95, 0.05, 0],
      'marine',
      'rule',
    ],
    [
      'topicHints naming another topic do not',
      { topic: 'marine', decidedBy: 'lexicon', sourceHints: ['basic-geology'] },
      [0.95, 0.05, 0],
      null,
      'model',
    ],
  ];
  it.each(cases)('%s', (_name, lex, probs, topic, by) => {
    const d = combineDecision(lex, probs, cls, s);
    expect(d.topic).toBe(topic);
    expect(d.by).toBe(by);
    expect(describeDecision(d, lex, s, 'v')).toMatch(by === 'rule' ? /not asked/ : /model v/);
  });

  // Rule 3 (offTopicBelow): the lexicon's silence gives way when the model finds off-topic unlikely.
  const s3 = { ...s, offTopicBelow: 0.4 };
  const silent: Array<
    [string, Parameters<typeof combineDecision>[0], number[], string | null, string, RegExp]
  > = [
    [
      'silent lexicon, off-topic unlikely: the model’s section',
      { topic: null, decidedBy: 'lexicon' },
      [0.3, 0.45, 0.25],
      'basic-geology',
      'model',
      /off-topic is only 0\.3 \(< 0\.4\)/,
    ],
    [
      'silent lexicon, off-topic at the threshold: off-topic stands',
      { topic: null, decidedBy: 'lexicon' },
      [0.4, 0.35, 0.25],
      null,
      'lexicon',
      /prefers|agrees/,
    ],
    [
      'silent lexicon, off-topic unlikely yet the most probable class: off-topic stands',
      { topic: null, decidedBy: 'lexicon' },
      [0.34, 0.33, 0.33],
      null,
      'lexicon',
      /agrees/,
    ],
    [
      'the lexicon’s section is not given up to the rule (it is for silence only)',
      { topic: 'marine', decidedBy: 'lexicon' },
      [0.2, 0.5, 0.3],
      'marine',
      'lexicon',
      /below the margin/,
    ],
    [
      'a title veto still wins',
      { topic: null, decidedBy: 'veto' },
      [0.05, 0.9, 0.05],
      null,
      'rule',
      /not asked/,
    ],
  ];
  it.each(silent)('%s', (_name, lex, probs, topic, by, words) => {
    const d = combineDecision(lex, probs, cls, s3);
    expect(d.topic).toBe(topic);
    expect(d.by).toBe(by);
    expect(describeDecision(d, lex, s3, 'v')).toMatch(words);
    // Without the setting (models stored before it) the lexicon's silence stands as it did.
    if (by === 'model') expect(combineDecision(lex, probs, cls, s).topic).toBeNull();
  });
});

describe("editors' decisions as labels", () => {
  const e = (at: string, action: string, target: string, before: unknown, after: unknown): DecisionEntry => ({
    at: `2026-12-0${at}T00:00:00Z`,
    actor: { name: 'ed', role: 'editor' },
    action,
    target,
    before,
    after,
  });
  const topics = taxonomy.topicIds;
  it('accept, section change, reject (not for duplicates), merges inherit, a split cuts, the newest wins', () => {
    const labels = labelsFromAudit(
      [
        e('1', 'candidate.accept', 'story:a', { section: 'marine' }, { section: 'marine' }),
        e('1', 'candidate.accept', 'story:b', { section: 'hydrogeology' }, { section: 'carbon-neutrality' }),
        e('1', 'candidate.reject', 'story:c', {}, { reason: 'microplastics' }),
        e('1', 'candidate.reject', 'story:d', {}, { reason: 'Duplicate of story a' }),
        e('1', 'candidate.reject', 'story:d2', {}, { reason: '重复' }),
        e(
          '2',
          'story.merge',
          'story:m1',
          { title: 'M1', items: ['m1'], mergedInto: null },
          { mergedInto: 'b' },
        ),
        e(
          '2',
          'story.merge',
          'story:m2',
          { title: 'M2', items: ['m2'], mergedInto: null },
          { mergedInto: 'm1' },
        ),
        e(
          '2',
          'story.merge',
          'story:m3',
          { title: 'M3', items: ['m3'], mergedInto: null },
          { mergedInto: 'b' },
        ),
        e('3', 'story.split', 'story:b', { duplicates: ['m3'] }, { duplicates: [], splitOut: 'm3' }),
        e('2', 'candidate.accept', 'story:x', { section: 'marine' }, { section: 'no-such-topic' }),
        e('2', 'candidate.claim', 'story:y', {}, {}),
        e('4', 'candidate.accept', 'story:c', { section: null }, { section: 'hydrogeology' }),
        e('1', 'edition.publish', 'edition:2026-12-01', {}, {}),
      ],
      topics,
    );
    const by = Object.fromEntries(labels.map((l) => [l.storyId, [l.label, l.kind]]));
    expect(by).toEqual({
      a: ['marine', 'accept'],
      b: ['carbon-neutrality', 'section-change'],
      c: ['hydrogeology', 'section-change'],
      m1: ['carbon-neutrality', 'merge'],
      m2: ['carbon-neutrality', 'merge'],
    });
    expect(labels.find((l) => l.storyId === 'm1')?.title).toBe('M1');
  });

  it("take the text from the story's own record; a merged story's recorded title serves when it has none", () => {
    const record = (storyId: string, title: string) =>
      ({
        storyId,
        title,
        summary: `${title} summary`,
        language: 'en',
        source: { id: 'src' },
      }) as DigestRecord;
    const items = decidedItems(
      [
        { storyId: 'a', label: 'marine', kind: 'accept', at: '1' },
        { storyId: 'gone', label: 'marine', kind: 'accept', at: '1' },
        { storyId: 'm', label: 'marine', kind: 'merge', at: '1', title: 'Merged title' },
      ],
      new Map([
        ['a', record('a', 'A')],
        ['gone', null],
        // The store answers a merged story with its target's record: not the merged story's text.
        ['m', record('a', 'A')],
      ]),
    );
    expect(items.map((i) => [i.storyId, i.title, i.summary, i.sourceId])).toEqual([
      ['a', 'A', 'A summary', 'src'],
      ['m', 'Merged title', '', undefined],
    ]);
  });

  it('are scored per class: precision and recall', () => {
    const s = scoreDecisions(
      ['marine', 'marine', 'off-topic', 'hydrogeology'],
      ['marine', 'off-topic', 'off-topic', 'marine'],
      ['off-topic', 'marine', 'hydrogeology'],
    );
    expect(s.accuracy).toBe(0.5);
    const c = Object.fromEntries(s.classes.map((x) => [x.id, [x.precision, x.recall]]));
    expect(c).toEqual({ 'off-topic': [0.5, 1], marine: [0.5, 0.5], hydrogeology: [null, 0] });
  });
});

describe('model versions (the in-memory twin of src/store/models.ts)', () => {
  const file = (version: string) => ({
    ...trainModel(small.slice(0, 30), { topics: taxonomy.topicIds }, meta).file,
    version,
  });

  it('promote remembers what it replaced; restore steps back down to the baseline', async () => {
    const store = createMemoryModelStore();
    expect(await store.nextVersion('20261204')).toBe('r1-20261204');
    await store.put(file('r1'), '2026-12-04T01:00:00Z');
    await store.put(file('r2'), '2026-12-04T02:00:00Z');
    await expect(store.put(file('r2'), 'x')).rejects.toThrow(/exists/);
    await expect(store.promote('nope')).rejects.toThrow(/no model version/);
    expect(await store.active()).toBeNull();
    expect(await store.promote('r1')).toEqual({ previous: null, changed: true });
    expect(await store.promote('r2')).toEqual({ previous: 'r1', changed: true });
    expect(await store.promote('r2')).toEqual({ previous: 'r2', changed: false });
    expect(await store.restore()).toEqual({ active: 'r1', replaced: 'r2' });
    expect(await store.restore()).toEqual({ active: null, replaced: 'r1' });
    expect(await store.restore()).toBeNull();
    expect((await store.list()).map((v) => v.version)).toEqual(['r1', 'r2']);
  });

  it('the workers’ follower loads a version once, follows changes, keeps the one in use when a load fails', async () => {
    const store = createMemoryModelStore();
    const baseline = createScorer(file('base'));
    let gets = 0;
    const counting = {
      active: () => store.active(),
      get: (v: string) => {
        gets++;
        return store.get(v);
      },
    };
    const errors: string[] = [];
    const follower = followActiveModel({ store: counting, baseline, onError: (_e, v) => errors.push(v) });
    expect((await follower.current())?.version).toBe('base');
    await store.put(file('r1'), 'x');
    await store.promote('r1');
    expect((await follower.current())?.version).toBe('r1');
    expect((await follower.current())?.version).toBe('r1');
    expect(gets).toBe(1);
    await store.restore();
    expect((await follower.current())?.version).toBe('base');
    // An active version that cannot be read: reported once, the scorer in use stays.
    const broken = { active: async () => 'r9', get: async () => null };
    const f2 = followActiveModel({ store: broken, baseline, onError: (_e, v) => errors.push(v) });
    expect((await f2.current())?.version).toBe('base');
    expect((await f2.current())?.version).toBe('base');
    expect(errors).toEqual(['r9']);
  });
});

describe('the classify stage with a model', () => {
  const model = createScorer(readModelFile(join(ROOT, 'models/baseline-v1.json')));
  it('adds the model’s verdict; an event rule decides alone; topicHints on the chosen topic win', () => {
    const item = {
      id: '1',
      title: 'Groundwater depletion in the North China Plain',
      summary: 'Wells and aquifers.',
    };
    const plain = classifyItemDetailed(item, taxonomy);
    const withModel = classifyItemDetailed(item, taxonomy, { model });
    expect(plain.explanation.model).toBeUndefined();
    expect(withModel.explanation.model?.version).toBe('baseline-v1');
    expect(['lexicon', 'model']).toContain(withModel.explanation.model?.by);
    expect(withModel.explanation.model?.probabilities?.length).toBe(model.classes.length);
    const hinted = classifyItemDetailed(item, taxonomy, {
      model,
      source: { publishes: 'agency', topicHints: [plain.classification.topic as string] },
    });
    expect(hinted.explanation.model?.by).toBe('rule');
    const quake = classifyItemDetailed(
      {
        id: 'q',
        title: 'M 6.4 - 20 km S of Somewhere',
        geo: { lat: 1, lon: 2, magnitude: 6.4, eventType: 'earthquake' },
      },
      taxonomy,
      { model },
    );
    expect(quake.explanation.decidedBy).toBe('event');
    expect(quake.explanation.model).toBeUndefined();
  });

  it('the decider the process worker counts (classDecision): alike with or without a model for a rule', () => {
    const water = {
      id: '1',
      title: 'Groundwater depletion in the North China Plain',
      summary: 'Wells and aquifers.',
    };
    const quake = {
      id: 'q',
      title: 'M 6.4 - 20 km S of Somewhere',
      geo: { lat: 1, lon: 2, magnitude: 6.4, eventType: 'earthquake' as const },
    };
    const topic = classifyItemDetailed(water, taxonomy).classification.topic as string;
    const hints = [topic];
    const agency = { publishes: 'agency' as const, topicHints: hints };
    const cases = [
      { name: 'the lexicon alone', item: water, opts: {}, hints: undefined, by: 'lexicon' },
      { name: 'topicHints, no model', item: water, opts: { source: agency }, hints, by: 'rule' },
      { name: 'topicHints, a model', item: water, opts: { source: agency, model }, hints, by: 'rule' },
      { name: 'an event rule, no model', item: quake, opts: {}, hints: undefined, by: 'rule' },
      { name: 'an event rule, a model', item: quake, opts: { model }, hints: undefined, by: 'rule' },
    ];
    for (const c of cases) {
      const d = classifyItemDetailed(c.item, taxonomy, c.opts);
      const cls = d.classification;
      expect(classDecision(d, c.hints), c.name).toEqual({
        topic: cls.relevant && cls.topic ? cls.topic : 'off-topic',
        by: c.by,
      });
    }
    // With a model: its verdict says who decided (an event item's, which it never sees: the rule).
    const deciders = new Set<string>();
    for (const d of dev.slice(0, 200)) {
      const r = classifyItemDetailed(d, taxonomy, { model });
      const by = classDecision(r).by;
      expect(by, d.id).toBe(r.explanation.model?.by ?? (r.explanation.decidedBy === 'event' ? 'rule' : '?'));
      deciders.add(by);
    }
    expect([...deciders]).toEqual(expect.arrayContaining(['lexicon', 'model']));
  });

  it('when the model decides, the evidence and the explanation name its features', () => {
    let seen = 0;
    for (const d of dev) {
      const r = classifyItemDetailed(d, taxonomy, { model });
      if (r.explanation.model?.by !== 'model') continue;
      seen++;
      expect(r.explanation.model.features?.length).toBeGreaterThan(0);
      expect(r.explanation.reason).toMatch(/model baseline-v1: /);
      if (r.classification.topic)
        expect(r.classification.topics[0]?.evidence.every((x) => x.startsWith('model:'))).toBe(true);
    }
    expect(seen).toBeGreaterThan(0);
  });
});

describe('the shipped baseline (models/baseline-v1.json)', () => {
  const file = readModelFile(join(ROOT, 'models/baseline-v1.json'));
  it('was trained on the current lexicons and on the rows beside it (npm run model:train after a topics.yaml change)', () => {
    const topicsHash = createHash('sha256')
      .update(readFileSync(join(ROOT, 'config/topics.yaml')))
      .digest('hex');
    expect(file.manifest.taxonomyHash, 'config/topics.yaml changed since the baseline was trained').toBe(
      topicsHash,
    );
    const rows = parseDataFile(readFileSync(join(ROOT, 'models/baseline-v1.data.jsonl'), 'utf8'), 'data');
    const items = trainingItemsOf(rows, taxonomy, { weight: 1, origin: 'dev', classes: file.classes });
    expect(dataHash(items)).toBe(file.manifest.dataHash);
    expect(file.classes).toEqual(classes);
    expect(file.manifest.metrics).toHaveProperty('devCombined');
    // dev, hold-out v2 (folded into tuning), then training set v2 (tests/fixtures/labels/), in file order
    expect(rows.map((r) => r.id)).toEqual(
      [...dev, ...readLabelled('holdout-v2.jsonl'), ...readLabelled('train-v2.jsonl')].map((d) => d.id),
    );
  });
});

describe('the command line', () => {
  async function run(name: 'classify' | 'model' | 'rules', args: string[], input = '') {
    const { main } = await import('../../src/cli/main.js');
    const { PassThrough } = await import('node:stream');
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d) => {
      out += d;
    });
    stderr.on('data', (d) => {
      err += d;
    });
    stdin.end(input);
    const code = await main([name, ...args], {
      stdin,
      stdout,
      stderr,
      env: { GEOINTEL_CONFIG_DIR: join(ROOT, 'config'), REDIS_URL: 'redis://127.0.0.1:1' },
    });
    return { code, out, err };
  }

  it('classify --explain prints the model’s verdict and top features; --model none leaves it out', async () => {
    const line = `${JSON.stringify({ id: 'g', title: 'Groundwater depletion drives land subsidence in the North China Plain' })}\n`;
    const r = await run('classify', ['--explain'], line);
    expect(r.code, r.err).toBe(0);
    const m = JSON.parse(r.out).explain.model;
    expect(m).toMatchObject({ version: 'baseline-v1', lexicon: 'hydrogeology' });
    expect(['lexicon', 'model']).toContain(m.by);
    expect(Object.keys(m.probabilities)).toEqual(classes);
    expect(m.features.length).toBeGreaterThan(0);
    expect(m.reason).toMatch(/model baseline-v1/);
    const none = await run('classify', ['--explain', '--model', 'none'], line);
    expect(JSON.parse(none.out).explain.model).toBeUndefined();
  });

  it('refuses bad usage before reaching Redis (exit 2)', async () => {
    for (const [name, args, msg] of [
      ['rules', ['test'], /nothing to compare/],
      ['rules', ['check'], /unknown subcommand/],
      ['model', ['train', '--since', '3x'], /--since takes a duration/],
      ['model', ['promote'], /promote takes one VERSION/],
      ['model', [], /a subcommand is required/],
      ['model', ['train', '--weight', '0'], /--weight/],
    ] as const) {
      const r = await run(name, [...args]);
      expect(r.code, `${name} ${args.join(' ')}`).toBe(2);
      expect(r.err).toMatch(msg);
    }
  });
});
