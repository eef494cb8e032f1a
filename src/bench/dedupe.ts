/**
 * Dedupe benchmarks: throughput of the dedupe stage (for the stages bench) and the cost per item of the
 * in-memory story index at 10 k vs 1 M indexed items, with bytes per indexed item from heap measurements.
 * Items are synthetic, deterministic headlines over a Zipf-distributed vocabulary (so LSH buckets have hot keys),
 * about 92 % distinct; the rest are exact re-posts (same URL) or reworded copies from another source.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createStoryIndex, type StoryIndex } from '../pipeline/dedupe/index.js';
import { mulberry32 } from '../pipeline/random.js';
import type { Item } from '../pipeline/types.js';

const SYL = 'ka ro mi te su la ne vo pi da ge lu sa to ri me na ko be zu fa ti mo ha ye wa'.split(' ');
const VOCAB = 30_000;
const CDF = (() => {
  const c = new Float64Array(VOCAB);
  let s = 0;
  for (let i = 0; i < VOCAB; i++) c[i] = s += 1 / (i + 10);
  for (let i = 0; i < VOCAB; i++) c[i]! /= s;
  return c;
})();

function word(k: number): string {
  let w = '';
  let x = k + SYL.length;
  while (x > 0) {
    w += SYL[x % SYL.length];
    x = Math.floor(x / SYL.length);
  }
  return w;
}

function zipf(r: () => number): number {
  const u = r();
  let lo = 0;
  let hi = VOCAB - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (CDF[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function original(i: number, seed: number): Item {
  const r = mulberry32(seed * 2654435761 + i);
  const n = 6 + Math.floor(r() * 7);
  const words: string[] = [];
  for (let k = 0; k < n; k++) words.push(word(zipf(r)));
  return {
    id: `i${i}`,
    title: words.join(' '),
    url: `https://src${i % 50}.example/news/${seed}-${i}`,
    source: `s${i % 50}`,
  };
}

/** Item number `i` of a deterministic synthetic stream; every 12th is a duplicate of an earlier item. */
export function syntheticItem(i: number, seed = 1): Item {
  if (i < 12 || i % 12 !== 0) return original(i, seed);
  const r = mulberry32(seed * 40503 + i);
  let j = Math.floor(r() * i);
  if (j >= 12 && j % 12 === 0) j--; // a re-post of an original, never of another re-post
  const src = original(j, seed);
  if (r() < 0.5) return { ...src, id: `i${i}` };
  const words = src.title.split(' ');
  words[Math.floor(r() * words.length)] = word(zipf(r));
  return { id: `i${i}`, title: words.join(' '), url: `https://relay.example/${seed}-${i}`, source: 'relay' };
}

/** `n` synthetic items (≈ 92 % distinct). */
export function syntheticItems(n: number, seed = 1): Item[] {
  return Array.from({ length: n }, (_, i) => syntheticItem(i, seed));
}

/** Items per second through a fresh story index. */
export function dedupePerSec(items: readonly Item[]): number {
  const index = createStoryIndex();
  const t0 = process.hrtime.bigint();
  for (const item of items) index.assign(item);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return Math.round(items.length / s);
}

/** `{ items, distinct, dedupePerSec }` over `n` synthetic items (stories counted by the index). */
export function benchDedupeThroughput(n = 100_000): {
  items: number;
  distinct: number;
  dedupePerSec: number;
} {
  const items = syntheticItems(n);
  dedupePerSec(items.slice(0, 20_000));
  const index = createStoryIndex();
  for (const item of items) index.assign(item);
  return { items: n, distinct: index.size, dedupePerSec: dedupePerSec(items) };
}

function gc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function memory(collect: () => void): number {
  collect();
  collect();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function fill(index: StoryIndex, from: number, to: number, seed: number): void {
  for (let i = from; i < to; i++) index.assign(syntheticItem(i, seed));
}

/** Nanoseconds per assign for items `from..from+probe` (generation time excluded). */
function probeCost(index: StoryIndex, from: number, probe: number, seed: number): number {
  const batch = Array.from({ length: probe }, (_, k) => syntheticItem(from + k, seed));
  const t0 = process.hrtime.bigint();
  for (const item of batch) index.assign(item);
  return Number(process.hrtime.bigint() - t0) / probe;
}

/** Cost per item of the index holding 10 k vs 1 M items (target ratio ≤ 1.5) and bytes per indexed item. */
export function benchDedupeIndex(opts: { small?: number; large?: number; probe?: number } = {}) {
  const small = opts.small ?? 10_000;
  const large = opts.large ?? 1_000_000;
  const probe = opts.probe ?? 10_000;
  const collect = gc();
  const warm = createStoryIndex();
  fill(warm, 0, 50_000, 7);
  // Minimum of three windows: other processes on a shared box only ever add time.
  const best = (xs: number[]) => Math.min(...xs);
  const smallCosts: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const idx = createStoryIndex();
    fill(idx, 0, small, 11 + rep);
    collect();
    smallCosts.push(probeCost(idx, small, probe, 11 + rep));
  }
  const before = memory(collect);
  const big = createStoryIndex();
  fill(big, 0, large, 23);
  const after = memory(collect);
  // Three windows of fresh items at ~1 M: one window may hold a table doubling that in steady state is
  // amortised over a million inserts.
  const largeCosts: number[] = [];
  for (let w = 0; w < 3; w++) {
    collect();
    largeCosts.push(probeCost(big, large + w * probe, probe, 23));
  }
  const costSmall = best(smallCosts);
  const costLarge = best(largeCosts);
  return {
    bench: 'dedupe-index' as const,
    costPerItemNs10k: Math.round(costSmall),
    costPerItemNs1M: Math.round(costLarge),
    ratio: Math.round((costLarge / costSmall) * 100) / 100,
    bytesPerItem: Math.round((after - before) / large),
  };
}
