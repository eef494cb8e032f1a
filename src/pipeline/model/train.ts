/**
 * Training: labelled items → a model file (features, softmax regression, quantised weights, manifest), and
 * seeded k-fold cross-validation for the figures a manifest carries. Pure: the caller reads the items, the
 * clock and the lexicon's evidence; the same items and settings give the same file byte for byte (the seed
 * only orders the folds).
 */
import { createHash } from 'node:crypto';
import { mulberry32 } from '../random.js';
import { DEFAULT_FEATURES, type FeatureConfig, featuresOf, type LexiconEvidence } from './features.js';
import { fitSoftmax, type Sample } from './logistic.js';
import { createScorer, type ModelScorer } from './scorer.js';
import {
  type CombineSettings,
  DEFAULT_COMBINE,
  encodeModel,
  type ModelFile,
  type ModelManifest,
  OFF_TOPIC_CLASS,
} from './serialize.js';

/** One labelled item to learn from. */
export interface TrainingItem {
  id: string;
  title: string;
  /** Summary and/or content. */
  text: string;
  /** A class: `off-topic` or a topic id. */
  label: string;
  /** How much it counts (baseline items 1; editors' decisions more). */
  weight: number;
  /** Where it comes from: `dev`, `decision`… (counted in the manifest). */
  origin: string;
  /** The lexicon's evidence on it, when the model reads the lexicon. */
  lexicon?: LexiconEvidence;
  /** The lexicon's decision on it (topic id or `off-topic`), for comparisons; not trained on. */
  lexiconAnswer?: string;
}

export interface TrainSettings {
  /** `off-topic` and the topic ids (topic order of the taxonomy). */
  topics: readonly string[];
  features?: FeatureConfig;
  /** @defaultValue 3e-4 */
  l2?: number;
  /**
   * Class weights: each class's items count (N / (classes × n_class))^classBalance, so the small sections are
   * not drowned by off-topic. @defaultValue 0.5
   */
  classBalance?: number;
  combine?: CombineSettings;
  seed?: number;
}

export const DEFAULT_L2 = 3e-4;
export const DEFAULT_CLASS_BALANCE = 0.5;
export const DEFAULT_SEED = 20261204;

/** Classes of a model over these topics: off-topic first. */
export const classesOf = (topics: readonly string[]) => [
  OFF_TOPIC_CLASS,
  ...topics.filter((t) => t !== OFF_TOPIC_CLASS),
];

function samplesOf(items: readonly TrainingItem[], classes: readonly string[], s: TrainSettings): Sample[] {
  const cfg = s.features ?? DEFAULT_FEATURES;
  const index = new Map(classes.map((c, i) => [c, i]));
  const counts = new Map<string, number>();
  for (const it of items) counts.set(it.label, (counts.get(it.label) ?? 0) + 1);
  const power = s.classBalance ?? DEFAULT_CLASS_BALANCE;
  const present = counts.size;
  return items.map((it) => {
    const y = index.get(it.label);
    if (y === undefined)
      throw new Error(`item ${it.id}: label "${it.label}" is not one of ${classes.join(', ')}`);
    const balance = (items.length / (present * (counts.get(it.label) as number))) ** power;
    return {
      x: featuresOf({ title: it.title, text: it.text, ...(it.lexicon ? { lexicon: it.lexicon } : {}) }, cfg),
      y,
      weight: it.weight * balance,
    };
  });
}

/** sha256 over the items as trained on (id, label, weight, title, text), in order. */
export function dataHash(items: readonly TrainingItem[]): string {
  const h = createHash('sha256');
  for (const it of items) h.update(`${it.id}\t${it.label}\t${it.weight}\t${it.title}\t${it.text}\n`);
  return h.digest('hex');
}

export interface TrainOutput {
  file: ModelFile;
  iterations: number;
}

/**
 * Fits a model on `items` and packs it with its manifest.
 * @example trainModel(items, { topics }, { version: 'baseline-v1', trainedAt, trainedBy: 'npm run model:train' })
 */
export function trainModel(
  items: readonly TrainingItem[],
  settings: TrainSettings,
  meta: { version: string; trainedAt: string; trainedBy: string } & Partial<ModelManifest>,
): TrainOutput {
  const classes = classesOf(settings.topics);
  const l2 = settings.l2 ?? DEFAULT_L2;
  const fit = fitSoftmax(samplesOf(items, classes, settings), { classes: classes.length, l2 });
  const byOrigin: Record<string, number> = {};
  for (const it of items) byOrigin[it.origin] = (byOrigin[it.origin] ?? 0) + 1;
  const { version, trainedAt, trainedBy, ...rest } = meta;
  const file = encodeModel(fit.model, {
    version,
    classes,
    features: settings.features ?? DEFAULT_FEATURES,
    combine: settings.combine ?? DEFAULT_COMBINE,
    manifest: {
      ...rest,
      trainedAt,
      trainedBy,
      seed: settings.seed ?? DEFAULT_SEED,
      l2,
      classBalance: settings.classBalance ?? DEFAULT_CLASS_BALANCE,
      dataHash: dataHash(items),
      items: byOrigin,
      iterations: fit.iterations,
    },
  });
  return { file, iterations: fit.iterations };
}

/** Fold of each item (0…folds−1): a seeded shuffle, dealt round-robin. */
export function foldsOf(n: number, folds: number, seed: number): Int32Array {
  const order = Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const out = new Int32Array(n);
  order.forEach((item, k) => {
    out[item] = k % folds;
  });
  return out;
}

/**
 * k-fold cross-validation: every item of `items` scored by a model trained without its fold (items of
 * `extra` are always trained on, never scored). Returns each item's scorer, so the caller can judge it as it
 * likes (model alone, model combined with the lexicon).
 */
export function crossValidate(
  items: readonly TrainingItem[],
  settings: TrainSettings,
  folds = 5,
  extra: readonly TrainingItem[] = [],
): Array<{ item: TrainingItem; scorer: ModelScorer }> {
  const fold = foldsOf(items.length, folds, settings.seed ?? DEFAULT_SEED);
  const scorers: ModelScorer[] = [];
  for (let k = 0; k < folds; k++) {
    const train = [...items.filter((_, i) => fold[i] !== k), ...extra];
    const { file } = trainModel(train, settings, {
      version: `cv-${k}`,
      trainedAt: '1970-01-01T00:00:00Z',
      trainedBy: 'cross-validation',
    });
    scorers.push(createScorer(file));
  }
  return items.map((item, i) => ({ item, scorer: scorers[fold[i] as number] as ModelScorer }));
}
