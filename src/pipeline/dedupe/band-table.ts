/**
 * A compact multimap from 32-bit band keys to 32-bit values (feature-pool handles), in one interleaved
 * Uint32Array of `[key, value, sketch, next]` entries (16 bytes; one cache line per chain step). Each key keeps
 * at most `perKey` entries, newest first: a hot bucket (a very common token pair) never grows, so the cost of
 * one lookup stays flat however many items are indexed. The 32-bit sketch (a one-word Bloom filter of the
 * story's features) rejects most chance collisions without touching the feature pool, which at millions of
 * stories is a cache and TLB miss per candidate.
 */
const NIL = 0xffffffff;
const W = 4;

/** One-word Bloom filter of a feature set. */
export function sketch(features: Uint32Array): number {
  let s = 0;
  for (let i = 0; i < features.length; i++)
    s |= 1 << (Math.imul(features[i]! ^ (features[i]! >>> 15), 0x2c1b3c6d) >>> 27);
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
  private heads: Uint32Array;
  private entries: Uint32Array;
  private used = 0;
  private free = NIL;
  private live = 0;

  /** @param perKey entries kept per key. @defaultValue 4 */
  constructor(
    private readonly perKey = 4,
    initial = 1 << 12,
  ) {
    this.heads = new Uint32Array(initial).fill(NIL);
    this.entries = new Uint32Array(initial * W);
  }

  /** Number of live entries. */
  get size(): number {
    return this.live;
  }

  /**
   * Appends the values under `key` whose sketch may match `sk` (sharing ≥ `frac` of the smaller set) and that are
   * not yet in `out[0..n)`; returns the new count (no allocation; `out` needs room for `perKey` more values).
   */
  collect(key: number, out: Uint32Array, n: number, sk = 0xffffffff, frac = 0): number {
    const k = key >>> 0;
    const t = this.entries;
    let m = n;
    for (let e = this.heads[k & (this.heads.length - 1)]!; e !== NIL; e = t[e * W + 3]!) {
      if (t[e * W] !== k || !sketchesMayMatch(sk, t[e * W + 2]!, frac)) continue;
      const v = t[e * W + 1]!;
      let i = 0;
      while (i < m && out[i] !== v) i++;
      if (i === m) out[m++] = v;
    }
    return m;
  }

  /** Adds `value` under `key`, dropping the oldest entry of that key beyond `perKey`. */
  add(key: number, value: number, sk = 0xffffffff): void {
    const k = key >>> 0;
    if (this.live * 2 >= this.heads.length) this.grow();
    const slot = k & (this.heads.length - 1);
    const e = this.alloc();
    const t = this.entries;
    t[e * W] = k;
    t[e * W + 1] = value;
    t[e * W + 2] = sk;
    t[e * W + 3] = this.heads[slot]!;
    this.heads[slot] = e;
    this.live++;
    let seen = 0;
    let prev = NIL;
    for (let c = e; c !== NIL; prev = c, c = t[c * W + 3]!) {
      if (t[c * W] !== k || ++seen <= this.perKey) continue;
      t[prev * W + 3] = t[c * W + 3]!;
      t[c * W + 3] = this.free;
      this.free = c;
      this.live--;
      break;
    }
  }

  private alloc(): number {
    if (this.free !== NIL) {
      const e = this.free;
      this.free = this.entries[e * W + 3]!;
      return e;
    }
    if (this.used * W === this.entries.length) {
      const next = new Uint32Array(this.entries.length * 2);
      next.set(this.entries);
      this.entries = next;
    }
    return this.used++;
  }

  private grow(): void {
    const old = this.heads;
    const heads = new Uint32Array(old.length * 2).fill(NIL);
    const mask = heads.length - 1;
    const t = this.entries;
    const chain: number[] = [];
    // Re-thread every live entry, keeping each key's newest-first order.
    for (let s = 0; s < old.length; s++) {
      chain.length = 0;
      for (let e = old[s]!; e !== NIL; e = t[e * W + 3]!) chain.push(e);
      for (let i = chain.length - 1; i >= 0; i--) {
        const e = chain[i]!;
        const slot = t[e * W]! & mask;
        t[e * W + 3] = heads[slot]!;
        heads[slot] = e;
      }
    }
    this.heads = heads;
  }
}
