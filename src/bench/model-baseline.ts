/**
 * `npm run model:train`: the baseline model from the tuning sets — dev (tests/fixtures/labels/dev.jsonl, which holds
 * the Chinese translations of ../zh and the first hold-out's items), hold-out v2 (folded into tuning on
 * 2026-12-04) and training set v2; nothing of the sealed hold-out v3 — written to
 * `models/<version>.json` with its manifest, and the training items to `models/<version>.data.jsonl` so that
 * `geointel model train` can refit anywhere from the same items plus the editors' decisions.
 *
 * The manifest carries 5-fold cross-validated figures on dev and hold-out v2 together: the model alone and the
 * final decision (lexicon and model combined). The lexicon was tuned on these very items, so its figures flatter
 * it and the combined figures can only be read as "what the model changes"; the sealed hold-out v3
 * (`npm run eval:holdout`) is the fair test.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { combineDecision } from '../pipeline/model/combine.js';
import { type LabelledRow, trainingItemsOf } from '../pipeline/model/dataset.js';
import { DEFAULT_FEATURES } from '../pipeline/model/features.js';
import { DEFAULT_COMBINE, OFF_TOPIC_CLASS } from '../pipeline/model/serialize.js';
import {
  classesOf,
  crossValidate,
  DEFAULT_SEED,
  type TrainSettings,
  trainModel,
} from '../pipeline/model/train.js';
import { loadRepositoryTaxonomy } from './classify.js';
import { eventSources, type Guess, type LabelledItem, readLabelled, scoreSet } from './label-eval.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export const BASELINE_VERSION = 'baseline-v1';

/** The dev set as data-file rows (event sources marked). */
export function devRows(root = repoRoot): LabelledRow[] {
  return labelledRows('dev.jsonl', root);
}

/** Hold-out v2 as data-file rows: folded into the tuning data on 2026-12-04 (tests/fixtures/labels/README.md). */
export function devV2Rows(root = repoRoot): LabelledRow[] {
  return labelledRows('holdout-v2.jsonl', root);
}

/**
 * Training set v2 (tests/fixtures/labels/train-v2.jsonl: journal and ScienceDaily items no other set covers, and
 * the labeller's Chinese translations of some of them) as data-file rows. The model learns from it in addition
 * to dev; the lexicons are never tuned on it, and cross-validation scores dev only (train-v2 joins every fold's
 * training data).
 */
export function trainV2Rows(root = repoRoot): LabelledRow[] {
  return labelledRows('train-v2.jsonl', root);
}

function labelledRows(file: string, root: string): LabelledRow[] {
  const events = eventSources(root);
  return readLabelled(file, root).map((i) => ({
    id: i.id,
    title: i.title,
    summary: i.summary,
    label: i.label,
    language: i.language,
    source: i.source,
    ...(events.has(i.source) ? { events: true } : {}),
    ...(i.geo ? { geo: i.geo } : {}),
    ...(i.eventIds ? { eventIds: i.eventIds } : {}),
  }));
}

/** Trains the baseline and writes the model and its data file; returns the manifest's metrics. */
export function trainBaseline(
  opts: { root?: string; version?: string; now?: () => Date; write?: (s: string) => void } = {},
) {
  const root = opts.root ?? repoRoot;
  const version = opts.version ?? BASELINE_VERSION;
  const write = opts.write ?? ((s: string) => process.stdout.write(s));
  const taxonomy = loadRepositoryTaxonomy(join(root, 'config'));
  const classes = classesOf(taxonomy.topicIds);
  const rows = [...devRows(root), ...devV2Rows(root)];
  const items = trainingItemsOf(rows, taxonomy, { weight: 1, origin: 'dev', classes });
  const extraRows = trainV2Rows(root);
  const extra = trainingItemsOf(extraRows, taxonomy, { weight: 1, origin: 'train-v2', classes });
  const settings: TrainSettings = {
    topics: taxonomy.topicIds,
    features: DEFAULT_FEATURES,
    combine: DEFAULT_COMBINE,
    seed: DEFAULT_SEED,
  };

  // Cross-validation on dev and hold-out v2: the model alone, and combined with the lexicon's decision.
  const labelled = new Map(
    [...readLabelled('dev.jsonl', root), ...readLabelled('holdout-v2.jsonl', root)].map((i) => [i.id, i]),
  );
  const gold = items.map((it) => labelled.get(it.id) as LabelledItem);
  const cv = crossValidate(items, settings, 5, extra);
  const alone: Guess[] = [];
  const combined: Guess[] = [];
  const lexicon: Guess[] = [];
  for (const { item, scorer } of cv) {
    const p = scorer.score({
      title: item.title,
      text: item.text,
      ...(item.lexicon ? { lexicon: item.lexicon } : {}),
    });
    let best = 0;
    for (let c = 1; c < p.length; c++) if ((p[c] as number) > (p[best] as number)) best = c;
    alone.push({ top1: classes[best] as string });
    const answer = item.lexiconAnswer ?? OFF_TOPIC_CLASS;
    const lex = answer === OFF_TOPIC_CLASS ? null : answer;
    lexicon.push({ top1: answer });
    const d = combineDecision(
      { topic: lex, decidedBy: 'lexicon' },
      p,
      classes,
      settings.combine ?? DEFAULT_COMBINE,
    );
    combined.push({ top1: d.topic ?? OFF_TOPIC_CLASS });
  }
  const figures = (g: Guess[]) => {
    const s = scoreSet('dev', gold, g);
    return {
      n: s.n,
      accuracy: s.accuracy,
      macroF1: s.macroF1,
      offTopicPrecision: s.offTopicPrecision,
      offTopicRecall: s.offTopicRecall,
    };
  };
  const changed = combined.filter((g, i) => g.top1 !== (lexicon[i] as Guess).top1).length;
  const metrics = {
    crossValidation: { folds: 5, seed: settings.seed },
    devModelAlone: figures(alone),
    devCombined: { ...figures(combined), changedFromLexicon: changed },
    devLexicon: figures(lexicon),
  };

  const taxonomyHash = createHash('sha256')
    .update(readFileSync(join(root, 'config', 'topics.yaml')))
    .digest('hex');
  const labelsCommit =
    gitCommit(root, 'tests/fixtures/labels/holdout-v2.jsonl') ??
    gitCommit(root, 'tests/fixtures/labels/train-v2.jsonl') ??
    gitCommit(root, 'tests/fixtures/labels/dev.jsonl');
  const now = (opts.now ?? (() => new Date()))();
  const { file } = trainModel([...items, ...extra], settings, {
    version,
    trainedAt: now.toISOString(),
    trainedBy: 'npm run model:train',
    taxonomyHash,
    ...(labelsCommit ? { labelsCommit } : {}),
    source:
      'tests/fixtures/labels/dev.jsonl + holdout-v2.jsonl (folded) + train-v2.jsonl (event items left out)',
    metrics,
  });
  const modelPath = join(root, 'models', `${version}.json`);
  const dataPath = join(root, 'models', `${version}.data.jsonl`);
  writeFileSync(modelPath, `${JSON.stringify(file)}\n`);
  writeFileSync(
    dataPath,
    [...rows, ...extraRows]
      .map((r) => JSON.stringify(r))
      .join('\n')
      .concat('\n'),
  );
  write(
    `${JSON.stringify({ model: version, items: items.length, trainV2Items: extra.length, classes, ...metrics })}\n`,
  );
  write(
    `wrote ${modelPath} (${file.weights.count} weight rows) and ${dataPath} (${rows.length + extraRows.length} rows)\n`,
  );
  return { file, metrics };
}

function gitCommit(root: string, path: string): string | undefined {
  const r = spawnSync('git', ['log', '-1', '--format=%H', '--', path], { cwd: root, encoding: 'utf8' });
  const out = r.status === 0 ? r.stdout.trim() : '';
  return /^[0-9a-f]{40}$/.test(out) ? out : undefined;
}

/** `npm run model:train` (scripts/model-train.mjs). */
export function main(): void {
  trainBaseline();
}
