#!/usr/bin/env node
/**
 * Fits the title-similarity model of the dedupe stage (src/pipeline/dedupe/similarity.ts, `SIMILARITY_MODEL`):
 * a logistic regression over IDF-weighted Jaccard, weighted overlap, the value-conflict flag, the number of
 * shared features, the number of shared rare features and the number of the smaller set's features the other
 * lacks, on the SemEval STS headline pairs of 2013 + 2014
 * only (scored ≥ 4 = same story, ≤ 2 = different). Prints the weights to paste as constants, and the F1-best
 * threshold on the same years; 2015 + 2016 are reported as held out. Run after `npm run build`:
 *
 *   node scripts/dedupe-fit.mjs
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_FLOOR, RARE_WEIGHT, SHARED_CAP } from '../dist/pipeline/dedupe/similarity.js';
import { featureSet, VALUE_BASE, valuesConflict } from '../dist/pipeline/dedupe/text.js';
import { featureWeight } from '../dist/pipeline/dedupe/weights.js';

const DIR = join(import.meta.dirname, '../tests/fixtures/dedupe/semeval-sts');

function stsPairs() {
  const seen = new Set();
  const out = [];
  for (const f of readdirSync(DIR).sort()) {
    const year = Number(/\d{4}/.exec(f)[0]);
    for (const line of readFileSync(join(DIR, f), 'utf8').split('\n')) {
      const [score, a, b] = line.split('\t');
      if (!score || a === undefined || b === undefined) continue;
      const s = Number(score);
      if ((s > 2 && s < 4) || seen.has(`${a}\t${b}`)) continue;
      seen.add(`${a}\t${b}`);
      out.push({ same: s >= 4, a, b, year });
    }
  }
  return out;
}

/**
 * The model inputs of a pair, as `textSimilarity` computes them: [jaccard, overlap, conflict, shared, rare,
 * unmatched] (unmatched: features of the smaller set that the other lacks).
 */
function inputs(a, b) {
  const fa = featureSet(a);
  const fb = featureSet(b);
  const sb = new Set(fb);
  let wa = 0;
  let wb = 0;
  let sh = 0;
  let n = 0;
  let rare = 0;
  for (const x of fa) {
    const w = featureWeight(x);
    wa += w;
    if (sb.has(x)) {
      sh += w;
      n++;
      if (w > RARE_WEIGHT) rare++;
    }
  }
  for (const x of fb) wb += featureWeight(x);
  if (sh <= 0) return null;
  const conflict =
    fa[fa.length - 1] >= VALUE_BASE &&
    fb[fb.length - 1] >= VALUE_BASE &&
    valuesConflict(fa, 0, fa.length, fb, 0, fb.length);
  return [
    sh / (wa + wb - sh),
    sh / Math.min(wa, wb),
    conflict ? 1 : 0,
    Math.min(n, SHARED_CAP),
    Math.min(rare, SHARED_CAP),
    Math.min(Math.min(fa.length, fb.length) - n, SHARED_CAP),
  ];
}

function fitLogistic(X, y, l2 = 1e-3, iters = 5000, rate = 0.5) {
  // Standardise, fit by batch gradient descent (L2 on the weights), then fold the scaling back into the weights.
  const d = X[0].length;
  const mu = Array(d).fill(0);
  const sd = Array(d).fill(0);
  for (const x of X) for (let k = 0; k < d; k++) mu[k] += x[k] / X.length;
  for (const x of X) for (let k = 0; k < d; k++) sd[k] += (x[k] - mu[k]) ** 2 / X.length;
  for (let k = 0; k < d; k++) sd[k] = Math.sqrt(sd[k]) || 1;
  const Z = X.map((x) => x.map((v, k) => (v - mu[k]) / sd[k]));
  const w = new Float64Array(d + 1);
  for (let it = 0; it < iters; it++) {
    const g = new Float64Array(d + 1);
    for (let i = 0; i < Z.length; i++) {
      let z = w[d];
      for (let k = 0; k < d; k++) z += w[k] * Z[i][k];
      const e = 1 / (1 + Math.exp(-z)) - y[i];
      for (let k = 0; k < d; k++) g[k] += e * Z[i][k];
      g[d] += e;
    }
    for (let k = 0; k <= d; k++) w[k] -= rate * (g[k] / Z.length + (k < d ? l2 * w[k] : 0));
  }
  const raw = [...w.slice(0, d)].map((v, k) => v / sd[k]);
  const bias = w[d] - raw.reduce((s, v, k) => s + v * mu[k], 0);
  return { raw, bias };
}

const sigmoid = (z) => 1 / (1 + Math.exp(-z));
function f1(xs, t) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const x of xs) {
    const j = x.s >= t;
    if (j && x.same) tp++;
    else if (j) fp++;
    else if (x.same) fn++;
  }
  return (2 * tp) / (2 * tp + fp + fn);
}
function auc(xs) {
  const pos = xs.filter((x) => x.same).map((x) => x.s);
  const neg = xs.filter((x) => !x.same).map((x) => x.s);
  let s = 0;
  for (const p of pos) for (const q of neg) s += p > q ? 1 : p === q ? 0.5 : 0;
  return s / (pos.length * neg.length);
}

const pairs = stsPairs().map((p) => ({ ...p, x: inputs(p.a, p.b) }));
const tune = pairs.filter((p) => p.year <= 2014);
const held = pairs.filter((p) => p.year >= 2015);
// Pairs with nothing in common score 0 in the stage and are left out of the fit.
const fitOn = tune.filter((p) => p.x);
const { raw, bias } = fitLogistic(
  fitOn.map((p) => p.x),
  fitOn.map((p) => (p.same ? 1 : 0)),
);
const r = (v) => Number(v.toFixed(3));
const model = {
  bias: r(bias),
  jaccard: r(raw[0]),
  overlap: r(raw[1]),
  conflict: r(raw[2]),
  shared: r(raw[3]),
  rare: r(raw[4]),
  unmatched: r(raw[5]),
};
// Scored as the stage scores: the model, capped by the plain mean of J and O when that is under MODEL_FLOOR.
for (const p of pairs) {
  const x = p.x;
  const m = x
    ? sigmoid(
        model.bias +
          model.jaccard * x[0] +
          model.overlap * x[1] +
          model.conflict * x[2] +
          model.shared * x[3] +
          model.rare * x[4] +
          model.unmatched * x[5],
      )
    : 0;
  p.s = x && (x[0] + x[1]) / 2 < MODEL_FLOOR ? Math.min(m, (x[0] + x[1]) / 2) : m;
}
let best = { t: 0, f1: 0 };
for (let k = 20; k <= 90; k++) {
  const f = f1(tune, k / 100);
  if (f >= best.f1) best = { t: k / 100, f1: f };
}
console.log(
  `SIMILARITY_MODEL = ${JSON.stringify(model)} (RARE_WEIGHT ${RARE_WEIGHT}, SHARED_CAP ${SHARED_CAP})`,
);
console.log(
  `threshold ${best.t} (best F1 on 2013-14); AUC 13-14 ${auc(tune).toFixed(3)} 15-16 ${auc(held).toFixed(3)} all ${auc(pairs).toFixed(3)}; ` +
    `F1 13-14 ${f1(tune, best.t).toFixed(3)} 15-16 ${f1(held, best.t).toFixed(3)} all ${f1(pairs, best.t).toFixed(3)}`,
);
