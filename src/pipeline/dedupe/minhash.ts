/**
 * MinHash signatures and LSH band keys over hashed feature sets. Two sets with Jaccard similarity J agree on
 * one signature row with probability J, so a band of `rows` rows collides with probability J^rows and at
 * least one of `bands` bands collides with probability 1 − (1 − J^rows)^bands.
 */

/** LSH layout. @defaultValue `{ bands: 20, rows: 2 }` (measured in docs/dedupe.md). */
export interface LshParams {
  bands: number;
  rows: number;
}

export const DEFAULT_LSH: LshParams = { bands: 20, rows: 2 };

/** murmur3 fmix32 finaliser: a cheap, well-mixed 32-bit permutation. */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * `k` min-hash values of a feature set (empty set → empty signature). Row i hashes feature x as
 * g(x) + i·h(x) (Kirsch–Mitzenmacher double hashing over two fmix32 hashes): one multiply per row and feature.
 */
export function minhash(features: Uint32Array, k: number): Uint32Array {
  const sig = new Uint32Array(features.length === 0 ? 0 : k).fill(0xffffffff);
  for (let j = 0; j < features.length; j++) {
    const g = fmix32(features[j]!);
    const h = fmix32(features[j]! ^ 0x5bd1e995) | 1;
    for (let i = 0; i < k; i++) {
      const v = (g + Math.imul(i, h)) >>> 0;
      if (v < sig[i]!) sig[i] = v;
    }
  }
  return sig;
}

/** One 32-bit key per band (band index mixed in, so equal rows in different bands do not collide). */
export function bandKeys(features: Uint32Array, p: LshParams = DEFAULT_LSH): Uint32Array {
  const sig = minhash(features, p.bands * p.rows);
  if (sig.length === 0) return sig;
  const keys = new Uint32Array(p.bands);
  for (let b = 0; b < p.bands; b++) {
    let h = fmix32(b + 1);
    for (let r = 0; r < p.rows; r++) h = fmix32(h ^ sig[b * p.rows + r]!);
    keys[b] = h;
  }
  return keys;
}
