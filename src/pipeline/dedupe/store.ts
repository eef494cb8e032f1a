/** Compact storage of the in-memory story index: typed arrays instead of per-story objects and Map entries. */
import { fmix32 } from './minhash.js';
import { hash32, VALUE_BASE, valuesConflict } from './text.js';

/** Two independent 32-bit hashes of an identity key (a 64-bit fingerprint; collisions at 10⁸ keys ≈ 3·10⁻⁴). */
export function keyHashes(key: string): [number, number] {
  return [hash32(key, 0x811c9dc5), (hash32(key, 0x2166136b) | 1) >>> 0];
}

/**
 * Open-addressing map from 64-bit key fingerprints to story numbers (12 bytes per slot, load ≤ 0.5).
 * Slot `lo === 0` marks empty (fingerprints always have an odd `lo`).
 */
export class IdTable {
  private hi = new Uint32Array(1 << 12);
  private lo = new Uint32Array(1 << 12);
  private val = new Int32Array(1 << 12);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Reads the home slot of every key so that their cache misses overlap before the probing. */
  touch(keys: Array<[number, number]>): number {
    let x = 0;
    const mask = this.hi.length - 1;
    for (const [h, l] of keys) x ^= this.lo[fmix32(h ^ l) & mask]!;
    return x;
  }

  get([h, l]: [number, number]): number | undefined {
    const mask = this.hi.length - 1;
    for (let i = fmix32(h ^ l) & mask; this.lo[i] !== 0; i = (i + 1) & mask) {
      if (this.lo[i] === l && this.hi[i] === h) return this.val[i];
    }
    return undefined;
  }

  /** Calls `fn` for every key and its value. */
  forEach(fn: (key: [number, number], value: number) => void): void {
    for (let i = 0; i < this.lo.length; i++)
      if (this.lo[i] !== 0) fn([this.hi[i]!, this.lo[i]!], this.val[i]!);
  }

  /** Sets the value, replacing the one of a present key. */
  set(key: [number, number], value: number): void {
    if (this.setIfAbsent(key, value)) return;
    const [h, l] = key;
    const mask = this.hi.length - 1;
    let i = fmix32(h ^ l) & mask;
    while (this.lo[i] !== l || this.hi[i] !== h) i = (i + 1) & mask;
    this.val[i] = value;
  }

  /** Sets the value unless the key is present; returns whether it was added. */
  setIfAbsent(key: [number, number], value: number): boolean {
    if ((this.count + 1) * 2 > this.hi.length) this.grow();
    const [h, l] = key;
    const mask = this.hi.length - 1;
    let i = fmix32(h ^ l) & mask;
    for (; this.lo[i] !== 0; i = (i + 1) & mask) if (this.lo[i] === l && this.hi[i] === h) return false;
    this.hi[i] = h;
    this.lo[i] = l;
    this.val[i] = value;
    this.count++;
    return true;
  }

  private grow(): void {
    const { hi, lo, val } = this;
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(hi.length * 2);
    this.val = new Int32Array(hi.length * 2);
    this.count = 0;
    for (let i = 0; i < hi.length; i++) if (lo[i] !== 0) this.setIfAbsent([hi[i]!, lo[i]!], val[i]!);
  }
}

/** Counts of the last {@link intersectWeighted}: shared features, and those weighing more than its `rare`. */
export const overlap = { shared: 0, rare: 0 };

/**
 * Weighted intersection of a sorted set `a` (with `weights` aligned to it) and the sorted `b[start..end)`,
 * without allocating: the sum of the weights of the shared features (their counts are left in {@link overlap}).
 */
export function intersectWeighted(
  a: Uint32Array,
  weights: Float64Array,
  b: Uint32Array,
  start: number,
  end: number,
  rare = Infinity,
): number {
  let i = 0;
  let j = start;
  let w = 0;
  let n = 0;
  let r = 0;
  while (i < a.length && j < end) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      const wi = weights[i]!;
      w += wi;
      n++;
      if (wi > rare) r++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  overlap.shared = n;
  overlap.rare = r;
  return w;
}

/** A growable typed column. */
export class Column<T extends Int32Array | Float32Array | Float64Array | Uint32Array | Uint8Array> {
  constructor(private data: T) {}
  get(i: number): number {
    return this.data[i]!;
  }
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const next = new (this.data.constructor as new (n: number) => T)(Math.max(i + 1, this.data.length * 2));
      next.set(this.data);
      this.data = next;
    }
    this.data[i] = v;
  }
}

/**
 * All stories' feature sets in one growable Uint32Array, each as `[story, length, weight, ...features]` (a typed
 * array per story would cost ~100 bytes of header each; `weight` is the float32 sum of the feature weights). The
 * handle is the offset of the header, so a candidate's story, weight and features are read from one place.
 */
export class FeaturePool {
  private data: Uint32Array;
  private floats: Float32Array;
  private used = 0;

  /** @param capacity initial room, in 32-bit words. */
  constructor(capacity = 1 << 14) {
    this.data = new Uint32Array(capacity);
    this.floats = new Float32Array(this.data.buffer);
  }

  add(story: number, features: ArrayLike<number>, weight = 0): number {
    const n = Math.min(features.length, 255);
    if (this.used + n + 3 > this.data.length) {
      const next = new Uint32Array(Math.max(this.data.length * 2, this.used + n + 3));
      next.set(this.data.subarray(0, this.used));
      this.data = next;
      this.floats = new Float32Array(next.buffer);
    }
    const handle = this.used;
    this.data[handle] = story;
    this.data[handle + 1] = n;
    this.floats[handle + 2] = weight;
    for (let i = 0; i < n; i++) this.data[handle + 3 + i] = features[i]!;
    this.used += n + 3;
    return handle;
  }

  /** Reads the headers of `n` handles so that their cache misses overlap before the intersections. */
  touch(handles: Uint32Array, n: number): number {
    let x = 0;
    for (let i = 0; i < n; i++) x ^= this.data[handles[i]! + 1]!;
    return x;
  }

  story(handle: number): number {
    return this.data[handle]!;
  }

  length(handle: number): number {
    return this.data[handle + 1]!;
  }

  /** A copy of the stored set `handle`. */
  features(handle: number): Uint32Array {
    return this.data.slice(handle + 3, handle + 3 + this.data[handle + 1]!);
  }

  /** The weight stored with the set `handle`. */
  weight(handle: number): number {
    return this.floats[handle + 2]!;
  }

  /** Number of shared features of the last {@link intersectWeighted}. */
  shared = 0;
  /** Number of shared features weighing more than its `rare` limit, of the last {@link intersectWeighted}. */
  sharedRare = 0;

  /**
   * Weighted intersection of a sorted set `a` (with `weights` aligned to it) and the stored set `handle`, without
   * allocating: the sum of the weights of the shared features; their number and the number of those weighing more
   * than `rare` are left in {@link shared} and {@link sharedRare}.
   */
  intersectWeighted(a: Uint32Array, weights: Float64Array, handle: number, rare = Infinity): number {
    const start = handle + 3;
    const w = intersectWeighted(a, weights, this.data, start, start + this.data[handle + 1]!, rare);
    this.shared = overlap.shared;
    this.sharedRare = overlap.rare;
    return w;
  }

  /** Whether `a` and the stored set `handle` state different values of one class (see `valuesConflict`). */
  conflicts(a: Uint32Array, handle: number): boolean {
    const start = handle + 3;
    const end = start + this.data[handle + 1]!;
    if (a.length === 0 || end === start || a[a.length - 1]! < VALUE_BASE || this.data[end - 1]! < VALUE_BASE)
      return false;
    return valuesConflict(a, 0, a.length, this.data, start, end);
  }
}
