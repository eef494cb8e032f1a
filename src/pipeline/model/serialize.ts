/**
 * The model file (`geointel.model/1`): compact JSON, the same in `models/*.json` and in Redis.
 *
 * Weights are quantised to 8 bits with one scale per class (w ≈ q × scale[c], q an integer in −127…127): the
 * baseline's 13 772 learned rows are 130 KB instead of ~1.3 MB of decimal text, and decisions do not move
 * (tests/unit/model.test.ts compares them). Rows whose every weight rounds to 0 are dropped. `rows` holds
 * the bucket numbers as base64 of unsigned LEB128 varints of the gaps between ascending buckets; `weights`
 * holds base64 of the int8 values, row after row, `classes.length` per row.
 */
import { GeoError } from '../../errors.js';
import type { FeatureConfig } from './features.js';
import type { SoftmaxWeights } from './logistic.js';

export const MODEL_FORMAT = 'geointel.model/1';
/** The class of an item that belongs in no section. */
export const OFF_TOPIC_CLASS = 'off-topic';

/** How the model's probabilities join the lexicon's decision (src/pipeline/model/combine.ts). */
export interface CombineSettings {
  /** The model replaces the lexicon's answer when its class is this much more probable than the lexicon's. */
  margin: number;
  /** …and its own class has at least this probability. */
  minProbability: number;
  /**
   * When the lexicon found no section and the model gives off-topic less than this probability, the model's most
   * probable section is the decision (the lexicon's silence is weaker evidence than its words). Absent or 0: off
   * (models stored before it existed keep the rule they were measured with).
   */
  offTopicBelow?: number;
}

export const DEFAULT_COMBINE: CombineSettings = { margin: 0.3, minProbability: 0.6, offTopicBelow: 0.4 };

/** Where a model came from and how good it was when it was made. */
export interface ModelManifest {
  /** ISO-8601 time of training (the caller's clock). */
  trainedAt: string;
  /** What trained it: `npm run model:train`, `geointel model train`. */
  trainedBy: string;
  /** Version this one was refitted from, if any. */
  parent?: string;
  seed: number;
  l2: number;
  /** sha256 of the training items (id, label, weight, title, text) in training order. */
  dataHash: string;
  /** Labelled items by origin: `dev`, `decisions`… */
  items: Record<string, number>;
  /** The git commit of the labelled sets, when known. */
  labelsCommit?: string;
  /** sha256 of config/topics.yaml the lexicon features were computed with. */
  taxonomyHash?: string;
  /** Cross-validated figures on the baseline data, and anything else the trainer measured. */
  metrics?: Record<string, unknown>;
  [extra: string]: unknown;
}

/** The stored form of a model. */
export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: string;
  /** `off-topic` first, then the topic ids. */
  classes: string[];
  features: FeatureConfig;
  combine: CombineSettings;
  bias: number[];
  weights: { scale: number[]; rows: string; values: string; count: number };
  manifest: ModelManifest;
}

function writeVarint(out: number[], v: number): void {
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

/** Quantises a fitted model into its stored form. */
export function encodeModel(
  fit: SoftmaxWeights,
  meta: {
    version: string;
    classes: string[];
    features: FeatureConfig;
    combine: CombineSettings;
    manifest: ModelManifest;
  },
): ModelFile {
  const C = fit.classes;
  const scale: number[] = [];
  for (let c = 0; c < C; c++) {
    let max = 0;
    for (let j = c; j < fit.weights.length; j += C) max = Math.max(max, Math.abs(fit.weights[j] as number));
    scale.push(max > 0 ? max / 127 : 1);
  }
  const gaps: number[] = [];
  const values: number[] = [];
  let last = 0;
  let count = 0;
  for (let r = 0; r < fit.buckets.length; r++) {
    const q: number[] = [];
    let any = false;
    for (let c = 0; c < C; c++) {
      const v = Math.round((fit.weights[r * C + c] as number) / (scale[c] as number));
      q.push(v);
      if (v !== 0) any = true;
    }
    if (!any) continue;
    const b = fit.buckets[r] as number;
    writeVarint(gaps, b - last);
    last = b;
    for (const v of q) values.push(v & 0xff);
    count++;
  }
  return {
    format: MODEL_FORMAT,
    version: meta.version,
    classes: meta.classes,
    features: meta.features,
    combine: meta.combine,
    bias: [...fit.bias].map((b) => Math.round(b * 1e6) / 1e6),
    weights: {
      scale: scale.map((s) => Number(s.toPrecision(8))),
      rows: Buffer.from(gaps).toString('base64'),
      values: Buffer.from(values).toString('base64'),
      count,
    },
    manifest: meta.manifest,
  };
}

/**
 * Dense weights of a stored model: `2^hashBits × classes` quantised weights, row-major (weight = q × scale of
 * its class), and the biases. Kept as 8-bit integers: a 2^15-bucket model of 6 classes is 192 KB in memory, so scoring's
 * random row reads mostly hit the CPU caches.
 */
export interface DenseModel {
  classes: number;
  q: Int8Array;
  scale: Float64Array;
  bias: Float64Array;
}

/** Checks a parsed model file's shape; throws INPUT_INVALID naming what is wrong. */
export function validateModelFile(x: unknown): ModelFile {
  const bad = (what: string) => new GeoError('INPUT_INVALID', `not a ${MODEL_FORMAT} model: ${what}`);
  if (!x || typeof x !== 'object') throw bad('not an object');
  const m = x as Partial<ModelFile>;
  if (m.format !== MODEL_FORMAT) throw bad(`format is ${JSON.stringify(m.format)}`);
  if (typeof m.version !== 'string' || !/^[A-Za-z0-9._-]{1,80}$/.test(m.version)) throw bad('version');
  if (!Array.isArray(m.classes) || m.classes.length < 2 || m.classes[0] !== OFF_TOPIC_CLASS)
    throw bad(`classes must start with "${OFF_TOPIC_CLASS}"`);
  const f = m.features;
  if (!f || !Number.isInteger(f.hashBits) || f.hashBits < 8 || f.hashBits > 24)
    throw bad('features.hashBits');
  if (!Array.isArray(m.bias) || m.bias.length !== m.classes.length) throw bad('bias');
  const w = m.weights;
  if (!w || !Array.isArray(w.scale) || w.scale.length !== m.classes.length) throw bad('weights.scale');
  if (typeof w.rows !== 'string' || typeof w.values !== 'string') throw bad('weights');
  if (!m.combine || typeof m.combine.margin !== 'number') throw bad('combine');
  const below = m.combine.offTopicBelow;
  if (below !== undefined && (typeof below !== 'number' || below < 0 || below > 1))
    throw bad('combine.offTopicBelow must be a number from 0 to 1');
  if (!m.manifest || typeof m.manifest !== 'object') throw bad('manifest');
  return m as ModelFile;
}

/** Expands a stored model into dense weights for scoring. */
export function decodeModel(file: ModelFile): DenseModel {
  const C = file.classes.length;
  const size = 2 ** file.features.hashBits;
  const q = new Int8Array(size * C);
  const gaps = Buffer.from(file.weights.rows, 'base64');
  const values = Buffer.from(file.weights.values, 'base64');
  if (values.length !== file.weights.count * C)
    throw new GeoError(
      'INPUT_INVALID',
      `model ${file.version}: ${values.length} weights for ${file.weights.count} rows`,
    );
  let pos = 0;
  let bucket = 0;
  for (let r = 0; r < file.weights.count; r++) {
    let gap = 0;
    let shift = 0;
    for (;;) {
      const byte = gaps[pos++];
      if (byte === undefined) throw new GeoError('INPUT_INVALID', `model ${file.version}: rows cut short`);
      gap += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) break;
    }
    bucket += gap;
    if (bucket >= size)
      throw new GeoError('INPUT_INVALID', `model ${file.version}: bucket ${bucket} ≥ ${size}`);
    for (let c = 0; c < C; c++) {
      const v = values[r * C + c] as number;
      q[bucket * C + c] = v > 127 ? v - 256 : v;
    }
  }
  return { classes: C, q, scale: Float64Array.from(file.weights.scale), bias: Float64Array.from(file.bias) };
}
