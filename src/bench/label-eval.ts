/**
 * The classify stage measured on the labelled sets of tests/fixtures/labels: the dev set, hold-out v2 (folded into
 * the tuning data on 2026-12-04, reported as `dev-v2`) and the sealed hold-out v3, each with its Chinese and
 * journal subsets (`npm run eval:holdout`).
 *
 * Only aggregates leave this module — counts and rates per set and per topic, never an item's title, id or
 * text — so that running it shows nothing to tune on (docs/classification.md § Labelled sets).
 *
 * Scoring (as tests/unit/classify-devset.test.ts has always scored): a prediction is right when it is the
 * item's label or one of its secondary labels; per-topic precision/recall count the matched label as gold
 * for right predictions and the primary label otherwise (a topic's `n` counts that resolved gold label).
 * Macro-F1 averages F1 over the topics (not off-topic) with at least one resolved gold item in the set. Top-2: the classifier's second answer is, for an item
 * it calls off-topic, its best-scoring topic with positive evidence; for an item it places in a topic, the
 * runner-up topic when that topic's evidence outweighs the off-topic evidence, otherwise off-topic; event
 * items (decided by rules) have no second answer.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { classifyItemDetailed, type SourcePrior, type Taxonomy } from '../pipeline/classify/index.js';
import { createScorer, type ModelScorer } from '../pipeline/model/scorer.js';
import type { GeoInfo } from '../pipeline/types.js';
import { readModelFile } from '../store/models.js';
import { loadRepositoryTaxonomy } from './classify.js';

export const OFF_TOPIC_LABEL = 'off-topic';

/** One labelled line of dev.jsonl, holdout-v2.jsonl or holdout-v3.jsonl (tests/fixtures/labels/README.md). */
export interface LabelledItem {
  id: string;
  file: string;
  source: string;
  language: string;
  title: string;
  summary: string;
  label: string;
  secondary?: string[];
  geo?: GeoInfo;
  eventIds?: string[];
  origin?: string;
  translatedFrom?: string;
  foldedFrom?: string;
}

/** The classifier's first and (where it has one) second answer for an item. */
export interface Guess {
  top1: string;
  top2?: string;
}

export interface TopicScores {
  id: string;
  n: number;
  p: number;
  r: number;
  f1: number;
}

/** Aggregate figures of one set: nothing in here names an item. */
export interface SetScores {
  set: string;
  n: number;
  accuracy: number;
  top2Accuracy: number;
  macroF1: number;
  offTopicPrecision: number;
  offTopicRecall: number;
  topics: TopicScores[];
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const round = (x: number) => Math.round(x * 1000) / 1000;

/** Reads one labelled set (JSON Lines) from tests/fixtures/labels. */
export function readLabelled(name: string, root = repoRoot): LabelledItem[] {
  return readFileSync(join(root, 'tests', 'fixtures', 'labels', name), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as LabelledItem);
}

interface RegistryLine {
  id: string;
  publishes?: SourcePrior['publishes'];
  topicHints?: string[];
  language?: string;
}

const registryOf = (root: string) =>
  ((parse(readFileSync(join(root, 'config', 'sources.yaml'), 'utf8')) as { sources?: RegistryLine[] })
    .sources ?? []) as RegistryLine[];

/**
 * Sources judged as event feeds: registry entries with `publishes: events` (config/sources.yaml), and `nrcan`,
 * the dev set's name for the Earthquakes Canada captures.
 */
export function eventSources(root = repoRoot): Set<string> {
  const ids = registryOf(root)
    .filter((s) => s.publishes === 'events')
    .map((s) => s.id);
  return new Set([...ids, 'nrcan']);
}

/**
 * The source prior of a labelled item, from the registry (what the source publishes, its topicHints and
 * declared language), found mechanically: the entry whose id is the item's `source`, else the entry named
 * by the first segment of its `source` or `file` (a translation keeps its original's `physorg/…` source),
 * else — for a journal's name, as the journal captures write it — the journal aggregator's entry. `nrcan` is
 * the Earthquakes Canada entry. Items of no registered source (the labeller's own) have no prior.
 */
export function sourcePriors(root = repoRoot): (item: LabelledItem) => SourcePrior | undefined {
  const byId = new Map(registryOf(root).map((s) => [s.id, s]));
  const journals = new Set<string>();
  const dir = join(root, 'tests', 'fixtures', 'feeds', 'geoscience-journals');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    for (const j of JSON.parse(readFileSync(join(dir, f), 'utf8')) as Array<{ source?: string }>)
      if (j.source) journals.add(j.source);
  }
  const alias: Record<string, string> = { nrcan: 'nrcan-earthquakes-en' };
  const entry = (id: string | undefined) => (id ? byId.get(alias[id] ?? id) : undefined);
  return (item) => {
    const e =
      entry(item.source) ??
      entry(item.source.split('/')[0]) ??
      entry(item.file.split('/')[0]) ??
      (journals.has(item.source) ? byId.get('geoscience-journals') : undefined);
    if (!e?.publishes) return undefined;
    return {
      publishes: e.publishes,
      ...(e.topicHints?.length ? { topicHints: e.topicHints } : {}),
      ...(e.language ? { language: e.language } : {}),
    };
  };
}

/** The classifier's two best answers for one item (see the module comment for the second). */
export function guess(
  item: LabelledItem,
  taxonomy: Taxonomy,
  events: boolean,
  model?: ModelScorer,
  prior?: SourcePrior,
): Guess {
  const { classification, explanation } = classifyItemDetailed(item, taxonomy, {
    ...(events ? { events: true } : {}),
    ...(prior ? { source: prior } : {}),
    ...(model ? { model } : {}),
  });
  const top1 = classification.topic ?? OFF_TOPIC_LABEL;
  if (explanation.decidedBy === 'event') return { top1 };
  // The classification's runner-up (decide.ts); a placed item without one has off-topic as its second answer.
  const runnerUp = classification.runnerUp?.id;
  if (top1 === OFF_TOPIC_LABEL) return runnerUp ? { top1, top2: runnerUp } : { top1 };
  return { top1, top2: runnerUp ?? OFF_TOPIC_LABEL };
}

const accepts = (item: LabelledItem, answer: string | undefined) =>
  answer !== undefined && (answer === item.label || (item.secondary ?? []).includes(answer));

/** Scores one set from its items and the classifier's guesses (same order). */
export function scoreSet(set: string, items: readonly LabelledItem[], guesses: readonly Guess[]): SetScores {
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const n = new Map<string, number>();
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  let right = 0;
  let right2 = 0;
  items.forEach((item, i) => {
    const g = guesses[i] as Guess;
    inc(n, accepts(item, g.top1) ? g.top1 : item.label);
    if (accepts(item, g.top1)) {
      right++;
      right2++;
      inc(tp, g.top1);
    } else {
      if (accepts(item, g.top2)) right2++;
      inc(fp, g.top1);
      inc(fn, item.label);
    }
  });
  const topics = [...n.keys()].sort().map((id) => {
    const t = tp.get(id) ?? 0;
    const p = t / Math.max(1, t + (fp.get(id) ?? 0));
    const r = t / Math.max(1, t + (fn.get(id) ?? 0));
    return {
      id,
      n: n.get(id) ?? 0,
      p: round(p),
      r: round(r),
      f1: round(p + r === 0 ? 0 : (2 * p * r) / (p + r)),
    };
  });
  const gated = topics.filter((t) => t.id !== OFF_TOPIC_LABEL);
  // Off-topic precision when nothing was called off-topic, recall when nothing is off-topic: 1 (no error made).
  const offTp = tp.get(OFF_TOPIC_LABEL) ?? 0;
  const offP = offTp / Math.max(1, offTp + (fp.get(OFF_TOPIC_LABEL) ?? 0));
  const offR = offTp / Math.max(1, offTp + (fn.get(OFF_TOPIC_LABEL) ?? 0));
  const calledOff = offTp + (fp.get(OFF_TOPIC_LABEL) ?? 0);
  const goldOff = n.get(OFF_TOPIC_LABEL) ?? 0;
  return {
    set,
    n: items.length,
    accuracy: round(right / Math.max(1, items.length)),
    top2Accuracy: round(right2 / Math.max(1, items.length)),
    macroF1: round(gated.reduce((a, t) => a + t.f1, 0) / Math.max(1, gated.length)),
    offTopicPrecision: round(calledOff === 0 ? 1 : offP),
    offTopicRecall: round(goldOff === 0 ? 1 : offR),
    topics,
  };
}

/** Chinese items of a set (the item's language is its language). */
export const isChinese = (i: LabelledItem) => i.language === 'zh';
/** Items read from the journal captures (English originals; their Chinese translations count as Chinese). */
export const isJournal = (i: LabelledItem) => i.file.startsWith('geoscience-journals/');

/** The sets and subsets `npm run eval:holdout` reports, scored with the repository's taxonomy. */
export function evaluateLabelledSets(
  taxonomy: Taxonomy = loadRepositoryTaxonomy(),
  root = repoRoot,
  model?: ModelScorer,
): SetScores[] {
  const events = eventSources(root);
  const priorOf = sourcePriors(root);
  const out: SetScores[] = [];
  for (const [name, file] of [
    ['dev', 'dev.jsonl'],
    ['dev-v2', 'holdout-v2.jsonl'],
    ['holdout-v3', 'holdout-v3.jsonl'],
  ] as const) {
    const items = readLabelled(file, root);
    const guesses = items.map((i) => guess(i, taxonomy, events.has(i.source), model, priorOf(i)));
    const subset = (label: string, keep: (i: LabelledItem) => boolean) => {
      const idx = items.map((_, k) => k).filter((k) => keep(items[k] as LabelledItem));
      return scoreSet(
        `${name}:${label}`,
        idx.map((k) => items[k] as LabelledItem),
        idx.map((k) => guesses[k] as Guess),
      );
    };
    out.push(scoreSet(name, items, guesses), subset('zh', isChinese), subset('journals', isJournal));
  }
  return out;
}

const pct = (x: number) => x.toFixed(3);

/** One JSON line per set, then a table for people. */
export function formatReport(scores: readonly SetScores[]): string {
  const lines = scores.map((s) => JSON.stringify({ eval: 'labelled-sets', ...s }));
  const head = `${'set'.padEnd(20)} ${'n'.padStart(4)}  top-1  top-2  macro-F1  off-P  off-R`;
  const rows = scores.map(
    (s) =>
      `${s.set.padEnd(20)} ${String(s.n).padStart(4)}  ${pct(s.accuracy)}  ${pct(s.top2Accuracy)}  ${pct(s.macroF1).padStart(8)}  ${pct(s.offTopicPrecision)}  ${pct(s.offTopicRecall)}`,
  );
  return `${lines.join('\n')}\n\n${head}\n${rows.join('\n')}\n`;
}

/**
 * The seal of a labelled set: sha256 over its sorted `id TAB label[+secondary…]` lines (the judgement) and over
 * its sorted `id TAB title TAB summary` lines (the items). tests/fixtures/labels/holdout-v3.manifest.json (and
 * v2's, folded but still logged) holds the values recorded when the set was labelled; a change to either shows up
 * as a failing unit test.
 */
export function sealOf(items: readonly LabelledItem[]): { labels: string; items: string } {
  const digest = (lines: string[]) => createHash('sha256').update(lines.sort().join('\n')).digest('hex');
  return {
    labels: digest(items.map((i) => `${i.id}\t${[i.label, ...(i.secondary ?? [])].join('+')}`)),
    items: digest(items.map((i) => `${i.id}\t${i.title}\t${i.summary}`)),
  };
}

/** The baseline model the classify stage uses by default (models/baseline-v1.json; config `model.baseline`). */
export function repositoryModel(root = repoRoot): ModelScorer {
  return createScorer(readModelFile(join(root, 'models', 'baseline-v1.json')));
}

/**
 * `npm run eval:holdout` (scripts/eval-holdout.mjs): the final decision, lexicon and the baseline model
 * combined as the workers run it; `--no-model` (`npm run eval:holdout -- --no-model`) scores the lexicon alone.
 */
export function main(
  write: (s: string) => void = (s) => process.stdout.write(s),
  argv: readonly string[] = [],
): void {
  const model = argv.includes('--no-model') ? undefined : repositoryModel();
  write(formatReport(evaluateLabelledSets(loadRepositoryTaxonomy(), repoRoot, model)));
  write(`classifier: lexicon${model ? ` + model ${model.version}` : ' only'}\n`);
}
