/**
 * mulberry32: a small seeded PRNG, for everything that must draw the same way on every run — the model's
 * training order and cross-validation folds, the benches' synthetic texts, the test helpers' made-up feeds (the
 * labelled sets' draws use the same generator: tests/fixtures/labels/draw.mjs). Pure.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
