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
  // never explained, so an explanation collects the buckets it needs in a pass of its own.
  const text = new Float64Array(C);
  const lex = new Float64Array(C);
  let n = 0;
  let last: ModelInput | undefined;
  let lastProbs: Float64Array = new Float64Array(C);
  const sink: FeatureSink = {
    text(bucket) {
      const row = bucket * C;
      for (let c = 0; c < C; c++) text[c] = (text[c] as number) + (Q[row + c] as number);
      n++;
    },
    lexicon(bucket, value) {
      const row = bucket * C;
      for (let c = 0; c < C; c++) lex[c] = (lex[c] as number) + value * (Q[row + c] as number);
    },
  };
  // The buckets of one item, for explanations: text buckets (repeats kept) and lexicon buckets with values.
  let seen = new Int32Array(1024);
  const lexSeen: Array<[number, number]> = [];
  const collect: FeatureSink = {
    text(bucket) {
      if (n === seen.length) {
        const grown = new Int32Array(n * 2);
        grown.set(seen);
        seen = grown;
      }
      seen[n++] = bucket;
    },
    lexicon(bucket, value) {
      lexSeen.push([bucket, value]);
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
      extractFeatures(input, cfg, collect);
      const nText = n;
      const scale = nText > 0 ? 1 / Math.sqrt(nText) : 1;
      const sorted = seen.slice(0, nText).sort();
      const distinct: Array<[number, number]> = [...lexSeen];
      for (let i = 0; i < nText; ) {
        const b = sorted[i] as number;
        let j = i + 1;
        while (j < nText && sorted[j] === b) j++;
        distinct.push([b, (j - i) * scale]);
        i = j;
      }
      const best = new Set<number>();
      for (const cls of wanted) {
        const c = file.classes.indexOf(cls);
        if (c < 0) continue;
        const kept: Array<[number, number]> = [];
        for (const [bucket, v] of distinct) {
          const w = v * push(bucket, c);
          if (w <= 0 || (kept.length === top && w <= (kept[top - 1] as [number, number])[1])) continue;
          kept.push([bucket, w]);
          kept.sort((x, y) => y[1] - x[1]);
          if (kept.length > top) kept.pop();
        }
        for (const [bucket] of kept) best.add(bucket);
      }
      // Pass 2: the names of those buckets only (a bucket two features share shows both).
      const named = new Map<string, { bucket: number; value: number }>();
      extractFeatures(
        input,
        cfg,
        {
          text(bucket, name) {
            if (name === undefined) return;
            const f = named.get(name) ?? { bucket, value: 0 };
            f.value += scale;
            named.set(name, f);
          },
          lexicon(bucket, value, name) {
            if (name !== undefined) named.set(name, { bucket, value });
          },
        },
        (bucket) => best.has(bucket),
      );
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
