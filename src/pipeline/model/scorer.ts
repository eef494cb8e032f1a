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
  /** Per class, the features that pushed it up most against the other classes (largest first). */
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
  /** Probabilities and the top features of every class. */
  explain(input: ModelInput, top?: number): ModelExplanation;
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
  // Running sums of one scoring call (reused: score is synchronous).
  const text = new Float64Array(C);
  const lex = new Float64Array(C);
  let n = 0;
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
    return softmaxInPlace(z);
  };
  return {
    version: file.version,
    classes: file.classes,
    combine: file.combine,
    score,
    explain(input, top = 5) {
      const feats: Array<{ name: string; bucket: number; value: number }> = [];
      let nText = 0;
      extractFeatures(
        input,
        cfg,
        {
          text(bucket, name) {
            feats.push({ name: name as string, bucket, value: 1 });
            nText++;
          },
          lexicon(bucket, value, name) {
            feats.push({ name: name as string, bucket, value });
          },
        },
        true,
      );
      const scale = nText > 0 ? 1 / Math.sqrt(nText) : 0;
      for (let i = 0; i < nText; i++) (feats[i] as { value: number }).value = scale;
      const out: Record<string, FeatureWeight[]> = {};
      file.classes.forEach((cls, c) => {
        // A feature's push towards a class is its weight there minus its mean weight over the classes (a weight
        // shared by every class moves no probability). A feature seen twice counts twice: summed per name.
        const byName = new Map<string, number>();
        for (const f of feats) {
          const row = f.bucket * C;
          let mean = 0;
          for (let k = 0; k < C; k++) mean += (Q[row + k] as number) * (dense.scale[k] as number);
          const w = f.value * ((Q[row + c] as number) * (dense.scale[c] as number) - mean / C);
          byName.set(f.name, (byName.get(f.name) ?? 0) + w);
        }
        out[cls] = [...byName]
          .filter(([, w]) => w > 0)
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
          .slice(0, top)
          .map(([feature, w]) => ({ feature, weight: round(w) }));
      });
      return { probs: [...score(input)].map(round), top: out };
    },
  };
}
