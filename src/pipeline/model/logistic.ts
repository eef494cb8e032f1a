/**
 * Multinomial logistic regression (softmax) over sparse hashed features, fitted by L-BFGS with an L2 penalty.
 *
 * Objective: the weighted mean cross-entropy Σᵢ sᵢ·(−log p(yᵢ | xᵢ)) / Σᵢ sᵢ plus (l2 / 2)·‖W‖² (the biases
 * are not penalised). It is convex, so the fit is the same whatever order the samples come in: a model is a
 * function of its data and settings. Plain TypeScript, no native code; about 2 s for 600 items.
 */
import type { FeatureVector } from './features.js';

/** One training item: its features, its class index and its weight (editors' decisions weigh more). */
export interface Sample {
  x: FeatureVector;
  y: number;
  weight: number;
}

export interface FitOptions {
  classes: number;
  /** L2 penalty on the weights. */
  l2: number;
  /** @defaultValue 400 */
  maxIterations?: number;
  /** Stop when the gradient's largest component is below this. @defaultValue 1e-5 */
  tolerance?: number;
  /** L-BFGS memory. @defaultValue 10 */
  memory?: number;
}

/** A fitted model: the buckets it learned weights for (ascending) and their rows of per-class weights. */
export interface SoftmaxWeights {
  classes: number;
  /** Bucket of each row, ascending. */
  buckets: Int32Array;
  /** buckets.length × classes weights, row-major. */
  weights: Float32Array;
  bias: Float64Array;
}

export interface FitResult {
  model: SoftmaxWeights;
  iterations: number;
  /** Final value of the objective. */
  objective: number;
}

/** Numerically stable softmax in place. */
export function softmaxInPlace(z: Float64Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < z.length; c++) if ((z[c] as number) > max) max = z[c] as number;
  let sum = 0;
  for (let c = 0; c < z.length; c++) {
    const e = Math.exp((z[c] as number) - max);
    z[c] = e;
    sum += e;
  }
  for (let c = 0; c < z.length; c++) z[c] = (z[c] as number) / sum;
  return z;
}

interface Compiled {
  /** Per sample: column indexes into the compact weight matrix. */
  cols: Int32Array[];
  vals: Float32Array[];
  ys: Int32Array;
  ws: Float64Array;
  buckets: Int32Array;
}

function compile(samples: readonly Sample[]): Compiled {
  const used = new Set<number>();
  for (const s of samples) for (const b of s.x.idx) used.add(b);
  const buckets = Int32Array.from([...used].sort((a, b) => a - b));
  const col = new Map<number, number>();
  buckets.forEach((b, j) => {
    col.set(b, j);
  });
  const total = samples.reduce((a, s) => a + s.weight, 0);
  return {
    cols: samples.map((s) => Int32Array.from(s.x.idx, (b) => col.get(b) as number)),
    vals: samples.map((s) => s.x.val),
    ys: Int32Array.from(samples.map((s) => s.y)),
    ws: Float64Array.from(samples.map((s) => s.weight / total)),
    buckets,
  };
}

/**
 * Objective and gradient at `theta` (weights F×C row-major, then C biases). Writes the gradient into `grad`.
 */
function evaluate(d: Compiled, C: number, l2: number, theta: Float64Array, grad: Float64Array): number {
  const F = d.buckets.length;
  const biasAt = F * C;
  grad.fill(0);
  const z = new Float64Array(C);
  let loss = 0;
  for (let i = 0; i < d.cols.length; i++) {
    const cols = d.cols[i] as Int32Array;
    const vals = d.vals[i] as Float32Array;
    for (let c = 0; c < C; c++) z[c] = theta[biasAt + c] as number;
    for (let k = 0; k < cols.length; k++) {
      const row = (cols[k] as number) * C;
      const v = vals[k] as number;
      for (let c = 0; c < C; c++) z[c] = (z[c] as number) + v * (theta[row + c] as number);
    }
    softmaxInPlace(z);
    const y = d.ys[i] as number;
    const w = d.ws[i] as number;
    loss -= w * Math.log(Math.max(z[y] as number, 1e-300));
    z[y] = (z[y] as number) - 1;
    for (let c = 0; c < C; c++) z[c] = (z[c] as number) * w;
    for (let k = 0; k < cols.length; k++) {
      const row = (cols[k] as number) * C;
      const v = vals[k] as number;
      for (let c = 0; c < C; c++) grad[row + c] = (grad[row + c] as number) + v * (z[c] as number);
    }
    for (let c = 0; c < C; c++) grad[biasAt + c] = (grad[biasAt + c] as number) + (z[c] as number);
  }
  let reg = 0;
  for (let j = 0; j < biasAt; j++) {
    const t = theta[j] as number;
    reg += t * t;
    grad[j] = (grad[j] as number) + l2 * t;
  }
  return loss + 0.5 * l2 * reg;
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};

const maxAbs = (a: Float64Array) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
};

/**
 * Fits softmax regression by L-BFGS (two-loop recursion, backtracking line search with the Armijo condition).
 * @example fitSoftmax(samples, { classes: 6, l2: 1e-4 }).model
 */
export function fitSoftmax(samples: readonly Sample[], opts: FitOptions): FitResult {
  const C = opts.classes;
  const d = compile(samples);
  const n = d.buckets.length * C + C;
  const m = opts.memory ?? 10;
  const maxIter = opts.maxIterations ?? 400;
  const tol = opts.tolerance ?? 1e-5;
  let theta = new Float64Array(n);
  let grad = new Float64Array(n);
  let f = evaluate(d, C, opts.l2, theta, grad);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(n);
  const alpha = new Array<number>(m).fill(0);
  let iter = 0;
  for (; iter < maxIter && maxAbs(grad) > tol; iter++) {
    // Two-loop recursion: dir = −H·grad.
    for (let i = 0; i < n; i++) dir[i] = -(grad[i] as number);
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = (rho[k] as number) * dot(S[k] as Float64Array, dir);
      const y = Y[k] as Float64Array;
      const a = alpha[k] as number;
      for (let i = 0; i < n; i++) dir[i] = (dir[i] as number) - a * (y[i] as number);
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma =
        dot(S[last] as Float64Array, Y[last] as Float64Array) /
        dot(Y[last] as Float64Array, Y[last] as Float64Array);
      for (let i = 0; i < n; i++) dir[i] = (dir[i] as number) * gamma;
    } else {
      const scale = 1 / Math.max(1e-12, Math.sqrt(dot(grad, grad)));
      for (let i = 0; i < n; i++) dir[i] = (dir[i] as number) * scale;
    }
    for (let k = 0; k < S.length; k++) {
      const beta = (rho[k] as number) * dot(Y[k] as Float64Array, dir);
      const s = S[k] as Float64Array;
      const a = alpha[k] as number;
      for (let i = 0; i < n; i++) dir[i] = (dir[i] as number) + (a - beta) * (s[i] as number);
    }
    let slope = dot(grad, dir);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) dir[i] = -(grad[i] as number);
      slope = dot(grad, dir);
    }
    const next = new Float64Array(n);
    const nextGrad = new Float64Array(n);
    let step = 1;
    let fNext = Number.POSITIVE_INFINITY;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) next[i] = (theta[i] as number) + step * (dir[i] as number);
      fNext = evaluate(d, C, opts.l2, next, nextGrad);
      if (fNext <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNext < f)) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = (next[i] as number) - (theta[i] as number);
      y[i] = (nextGrad[i] as number) - (grad[i] as number);
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
      if (S.length > m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    const converged = Math.abs(f - fNext) <= 1e-10 * Math.max(1, Math.abs(f));
    theta = next;
    grad = nextGrad;
    f = fNext;
    if (converged) {
      iter++;
      break;
    }
  }
  const F = d.buckets.length;
  return {
    model: {
      classes: C,
      buckets: d.buckets,
      weights: Float32Array.from(theta.subarray(0, F * C)),
      bias: Float64Array.from(theta.subarray(F * C)),
    },
    iterations: iter,
    objective: f,
  };
}
