/**
 * A compact multimap from 32-bit band keys to 32-bit values (feature-pool handles), in one interleaved
 * Uint32Array of `[key, value, next]` triples (12 bytes per entry; one cache line per chain step). Each key keeps
 * at most `perKey` entries, newest first: a hot bucket (a very common token pair) never grows, so the cost of
 * one lookup stays flat however many items are indexed.
 */
const NIL = 0xffffffff;

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
    this.entries = new Uint32Array(initial * 3);
  }

  /** Number of live entries. */
  get size(): number {
    return this.live;
  }

  /**
   * Appends the values under `key` that are not yet in `out[0..n)` and returns the new count (no allocation;
   * `out` must have room for `perKey` more values).
   */
  collect(key: number, out: Uint32Array, n: number): number {
    const k = key >>> 0;
    const t = this.entries;
    let m = n;
    for (let e = this.heads[k & (this.heads.length - 1)]!; e !== NIL; e = t[e * 3 + 2]!) {
      if (t[e * 3] !== k) continue;
      const v = t[e * 3 + 1]!;
      let i = 0;
      while (i < m && out[i] !== v) i++;
      if (i === m) out[m++] = v;
    }
    return m;
  }

  /** Adds `value` under `key`, dropping the oldest entry of that key beyond `perKey`. */
  add(key: number, value: number): void {
    const k = key >>> 0;
    if (this.live >= this.heads.length) this.grow();
    const slot = k & (this.heads.length - 1);
    const e = this.alloc();
    const t = this.entries;
    t[e * 3] = k;
    t[e * 3 + 1] = value;
    t[e * 3 + 2] = this.heads[slot]!;
    this.heads[slot] = e;
    this.live++;
    let seen = 0;
    let prev = NIL;
    for (let c = e; c !== NIL; prev = c, c = t[c * 3 + 2]!) {
      if (t[c * 3] !== k || ++seen <= this.perKey) continue;
      t[prev * 3 + 2] = t[c * 3 + 2]!;
      t[c * 3 + 2] = this.free;
      this.free = c;
      this.live--;
      break;
    }
  }

  private alloc(): number {
    if (this.free !== NIL) {
      const e = this.free;
      this.free = this.entries[e * 3 + 2]!;
      return e;
    }
    if (this.used * 3 === this.entries.length) {
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
      for (let e = old[s]!; e !== NIL; e = t[e * 3 + 2]!) chain.push(e);
      for (let i = chain.length - 1; i >= 0; i--) {
        const e = chain[i]!;
        const slot = t[e * 3]! & mask;
        t[e * 3 + 2] = heads[slot]!;
        heads[slot] = e;
      }
    }
    this.heads = heads;
  }
}
