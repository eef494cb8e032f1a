/**
 * A loaded model: class probabilities of an item, and on demand the features that weighed most for each
 * class (explanations). Built once per model version; scoring allocates nothing but its answer.
 */
import { extractFeatures, type FeatureSink, type ModelInput } from './features.js';
import { softmaxInPlace } from './logistic.js';
import { type CombineSettings, decodeModel, type ModelFile, validateModelFile } from './serialize.js';

/** One feature's share of a class's score: value × weight. */
export interface FeatureWeight {
  feature: string;
  weight: number;
}

export interface ModelExplanation {
  /** Probability per class, in `classes` order. */
  probs: number[];
  /** Per class asked for, the features that pushed it up most against the other classes (largest first). */
  top: Record<string, FeatureWeight[]>;
}

/** What the classify stage needs of a model (the seam: `ClassifyOptions.model`). */
export interface ModelScorer {
  version: string;
  /** `off-topic`, then topic ids. */
  classes: readonly string[];
  combine: CombineSettings;
  /** Class probabilities, in `classes` order. */
  score(input: ModelInput): Float64Array;
  /** Probabilities and the top features of every class (or of the classes in `only`). */
  explain(input: ModelInput, top?: number, only?: readonly string[]): ModelExplanation;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * A scorer from a stored model (checked first: a malformed file throws INPUT_INVALID).
 * @example createScorer(JSON.parse(readFileSync('models/baseline-v1.json', 'utf8'))).score({ title, text: '' })
 */
export function createScorer(raw: unknown): ModelScorer {
  const file: ModelFile = validateModelFile(raw);
  const dense = decodeModel(file);
  const C = dense.classes;
  const Q = dense.q;
  const cfg = file.features;
  // Running sums of one scoring call (reused: score is synchronous). Scoring keeps nothing else: most items are
  // never explained, so an explanation reads the item again, first for its buckets, then for the names of the
  // best few. One sink serves the three passes (`mode`), so the feature extractor's calls into it have one
  // target whichever pass runs.
  const text = new Float64Array(C);
  const lex = new Float64Array(C);
  let n = 0;
  let last: ModelInput | undefined;
  let lastProbs: Float64Array = new Float64Array(C);
  const SCORE = 0;
  const COLLECT = 1;
  const NAME = 2;
  let mode = SCORE;
  // COLLECT: the item's text buckets (repeats kept) and lexicon buckets with their values.
  let seen = new Int32Array(1024);
  const lexSeen: Array<[number, number]> = [];
  // NAME: each wanted feature's bucket and value (`nameScale`: the text features' 1/√n); the wanted buckets are
  // marked in `marked` (one stable test function, cleared after each explanation).
  const named = new Map<string, { bucket: number; value: number }>();
  let nameScale = 1;
  const marked = new Uint8Array(2 ** cfg.hashBits);
  const isMarked = (bucket: number) => marked[bucket] === 1;
  const sink: FeatureSink = {
    text(bucket, name) {
      if (mode === SCORE) {
        const row = bucket * C;
        for (let c = 0; c < C; c++) text[c] = (text[c] as number) + (Q[row + c] as number);
        n++;
      } else if (mode === COLLECT) {
        if (n === seen.length) {
          const grown = new Int32Array(n * 2);
          grown.set(seen);
          seen = grown;
        }
        seen[n++] = bucket;
      } else if (name !== undefined) {
        const f = named.get(name) ?? { bucket, value: 0 };
        f.value += nameScale;
        named.set(name, f);
      }
    },
    lexicon(bucket, value, name) {
      if (mode === SCORE) {
        const row = bucket * C;
        for (let c = 0; c < C; c++) lex[c] = (lex[c] as number) + value * (Q[row + c] as number);
      } else if (mode === COLLECT) lexSeen.push([bucket, value]);
      else if (name !== undefined) named.set(name, { bucket, value });
    },
  };
  const score = (input: ModelInput): Float64Array => {
    text.fill(0);
    lex.fill(0);
    n = 0;
    extractFeatures(input, cfg, sink);
    const z = new Float64Array(C);
    const scale = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let c = 0; c < C; c++)
      z[c] =
        (dense.bias[c] as number) +
        ((text[c] as number) * scale + (lex[c] as number)) * (dense.scale[c] as number);
    last = input;
    lastProbs = softmaxInPlace(z);
    return lastProbs;
  };
  return {
    version: file.version,
    classes: file.classes,
    combine: file.combine,
    score,
    explain(input, top = 5, only) {
      const wanted = only ?? file.classes;
      // A feature's push towards a class is its weight there minus its mean weight over the classes (a weight
      // shared by every class moves no probability).
      const push = (bucket: number, c: number) => {
        const row = bucket * C;
        let mean = 0;
        for (let k = 0; k < C; k++) mean += (Q[row + k] as number) * (dense.scale[k] as number);
        return (Q[row + c] as number) * (dense.scale[c] as number) - mean / C;
      };
      const probs = input === last ? lastProbs : score(input);
      // Pass 1 (the item's buckets, sorted so that repeats are runs): each distinct bucket's value and push; the
      // best few per class.
      n = 0;
      lexSeen.length = 0;
      mode = COLLECT;
      try {
        extractFeatures(input, cfg, sink);
      } finally {
        mode = SCORE;
      }
      const nText = n;
      const scale = nText > 0 ? 1 / Math.sqrt(nText) : 1;
      // In place: `seen` is scratch, and repeats of a bucket become one run.
      const sorted = seen.subarray(0, nText).sort();
      const best = new Set<number>();
      const kb = new Int32Array(top);
      const kw = new Float64Array(top);
      for (const cls of wanted) {
        const c = file.classes.indexOf(cls);
        if (c < 0) continue;
        // The best `top` (bucket, weight) so far, heaviest first, the earlier first among equals.
        let len = 0;
        const consider = (bucket: number, v: number) => {
          const w = v * push(bucket, c);
          if (w <= 0 || (len === top && w <= (kw[top - 1] as number))) return;
          let at = len < top ? len : top - 1;
          while (at > 0 && (kw[at - 1] as number) < w) {
            kb[at] = kb[at - 1] as number;
            kw[at] = kw[at - 1] as number;
            at--;
          }
          kb[at] = bucket;
          kw[at] = w;
          if (len < top) len++;
        };
        // Lexicon features first, then each distinct text bucket in bucket order with its value (count × 1/√n).
        for (const [bucket, v] of lexSeen) consider(bucket, v);
        for (let i = 0; i < nText; ) {
          const b = sorted[i] as number;
          let j = i + 1;
          while (j < nText && sorted[j] === b) j++;
          consider(b, (j - i) * scale);
          i = j;
        }
        for (let k = 0; k < len; k++) best.add(kb[k] as number);
      }
      // Pass 2: the names of those buckets only (a bucket two features share shows both).
      named.clear();
      nameScale = scale;
      mode = NAME;
      for (const b of best) marked[b] = 1;
      try {
        extractFeatures(input, cfg, sink, isMarked);
      } finally {
        mode = SCORE;
        for (const b of best) marked[b] = 0;
      }
      const out: Record<string, FeatureWeight[]> = {};
      for (const cls of wanted) {
        const c = file.classes.indexOf(cls);
        if (c < 0) continue;
        out[cls] = [...named]
          .map(([feature, f]) => ({ feature, weight: f.value * push(f.bucket, c) }))
          .filter((f) => f.weight > 0)
          .sort((x, y) => y.weight - x.weight || (x.feature < y.feature ? -1 : 1))
          .slice(0, top)
          .map((f) => ({ feature: f.feature, weight: round(f.weight) }));
      }
      return { probs: [...probs].map(round), top: out };
    },
  };
}
