/**
 * A compact multimap from 32-bit LSH band keys to 32-bit values (feature-pool handles, increasing with
 * insertion), as one open-addressing Uint32Array of `[key, value + 1, sketch]` slots (12 bytes, five per cache
 * line; load ≤ 0.6). The entries of one key sit in consecutive slots, so a lookup is about one cache/TLB miss —
 * at millions of stories that, not arithmetic, is the cost. Each key keeps at most `perKey` entries: a new one
 * overwrites the oldest (smallest value), so a hot bucket (a very common token pair) never grows and the cost of
 * a lookup stays flat however many items are indexed. The 32-bit sketch (a one-word Bloom filter of the story's
 * features) rejects most chance collisions without touching the feature pool.
 */
const W = 3;
const MAX_LOAD = 0.6;

/** One-word Bloom filter of a feature set. */
export function sketch(features: Uint32Array): number {
  let s = 0;
  for (let i = 0; i < features.length; i++) {
    s |= 1 << (Math.imul(features[i]! ^ (features[i]! >>> 15), 0x2c1b3c6d) >>> 27);
  }
  return s >>> 0;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Whether two sketches can belong to sets sharing at least `frac` of the smaller one. */
export function sketchesMayMatch(a: number, b: number, frac: number): boolean {
  return popcount(a & b) >= frac * Math.min(popcount(a), popcount(b));
}

export class BandTable {
  private slots: Uint32Array;
  private mask: number;
  private count = 0;

  /** @param perKey entries kept per key. @defaultValue 4 */
  constructor(
    private readonly perKey = 4,
    initialSlots = 1 << 12,
  ) {
    this.slots = new Uint32Array(initialSlots * W);
    this.mask = initialSlots - 1;
  }

  /** Number of occupied slots. */
  get size(): number {
    return this.count;
  }

  /**
   * Reads the first slot of every key so that their cache misses overlap (memory-level parallelism) before the
   * dependent probing in {@link collect}; returns a value only to keep the reads alive.
   */
  touch(keys: Uint32Array): number {
    let x = 0;
    for (let i = 0; i < keys.length; i++) x ^= this.slots[(keys[i]! & this.mask) * W]!;
    return x;
  }

  /**
   * Appends the values under `key` whose sketch may match `sk` (sharing ≥ `frac` of the smaller set) and that are
   * not yet in `out[0..n)`; returns the new count (no allocation; `out` needs room for `perKey` more values).
   */
  collect(key: number, out: Uint32Array, n: number, sk = 0xffffffff, frac = 0): number {
    const k = key >>> 0;
    const t = this.slots;
    let m = n;
    for (let i = k & this.mask; t[i * W + 1] !== 0; i = (i + 1) & this.mask) {
      if (t[i * W] !== k || !sketchesMayMatch(sk, t[i * W + 2]!, frac)) continue;
      const v = t[i * W + 1]! - 1;
      let j = 0;
      while (j < m && out[j] !== v) j++;
      if (j === m) out[m++] = v;
    }
    return m;
  }

  /** Adds `value` (larger than every earlier value) under `key`, replacing the key's oldest beyond `perKey`. */
  add(key: number, value: number, sk = 0xffffffff): void {
    if (this.count + 1 > MAX_LOAD * (this.mask + 1)) this.grow();
    this.put(key >>> 0, value + 1, sk >>> 0);
  }

  private put(k: number, stored: number, sk: number): void {
    const t = this.slots;
    let seen = 0;
    let oldest = -1;
    let i = k & this.mask;
    for (; t[i * W + 1] !== 0; i = (i + 1) & this.mask) {
      if (t[i * W] !== k) continue;
      seen++;
      if (oldest < 0 || t[i * W + 1]! < t[oldest * W + 1]!) oldest = i;
    }
    const at = seen >= this.perKey ? oldest : i;
    if (at === i) this.count++;
    t[at * W] = k;
    t[at * W + 1] = stored;
    t[at * W + 2] = sk;
  }

  /**
   * The entries of `key` as `[value, sketch]` pairs in their lookup order (the order {@link collect} returns
   * them): insertion order, a replaced oldest entry taking its slot's place.
   */
  entries(key: number): Array<[value: number, sketch: number]> {
    const k = key >>> 0;
    const t = this.slots;
    const out: Array<[number, number]> = [];
    for (let i = k & this.mask; t[i * W + 1] !== 0; i = (i + 1) & this.mask)
      if (t[i * W] === k) out.push([t[i * W + 1]! - 1, t[i * W + 2]!]);
    return out;
  }

  /** Calls `fn` once for every key that has entries. */
  forEachKey(fn: (key: number) => void): void {
    const t = this.slots;
    for (let i = 0; i <= this.mask; i++) {
      const k = t[i * W]!;
      if (t[i * W + 1] === 0) continue;
      // Only from the key's first slot on its probe path.
      let j = k & this.mask;
      while (j !== i && (t[j * W] !== k || t[j * W + 1] === 0)) j = (j + 1) & this.mask;
      if (j === i) fn(k);
    }
  }

  /**
   * Doubles the table. The scan starts just after an empty slot, so that each run of occupied slots — and with
   * it each key's entries — is re-inserted in lookup order even where a run wraps past the end: a key's order
   * then never depends on the table's size, and a store that keeps per-key lists sees the same order.
   */
  private grow(): void {
    const old = this.slots;
    const n = old.length / W;
    let start = 0;
    while (old[start * W + 1] !== 0) start++;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = this.slots.length / W - 1;
    this.count = 0;
    for (let j = 1; j <= n; j++) {
      const i = ((start + j) % n) * W;
      if (old[i + 1] !== 0) this.put(old[i]!, old[i + 1]!, old[i + 2]!);
    }
  }
}
