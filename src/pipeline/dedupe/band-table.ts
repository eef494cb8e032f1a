/**
 * A compact multimap from 32-bit band keys to story numbers, in typed arrays (≈ 12 bytes per entry). Each key
 * keeps at most `perKey` entries, newest first: a hot bucket (a very common token pair) never grows, so the
 * cost of one lookup stays flat however many items are indexed.
 */
export class BandTable {
  private heads: Int32Array;
  private keys: Uint32Array;
  private vals: Int32Array;
  private next: Int32Array;
  private used = 0;
  private free = -1;
  private live = 0;

  /** @param perKey entries kept per key. @defaultValue 8 */
  constructor(
    private readonly perKey = 8,
    initial = 1 << 12,
  ) {
    this.heads = new Int32Array(initial).fill(-1);
    this.keys = new Uint32Array(initial);
    this.vals = new Int32Array(initial);
    this.next = new Int32Array(initial);
  }

  /** Number of live entries. */
  get size(): number {
    return this.live;
  }

  /** Calls `fn` with each value stored under `key`, newest first. */
  forEach(key: number, fn: (value: number) => void): void {
    const k = key >>> 0;
    for (let e = this.heads[k & (this.heads.length - 1)]!; e !== -1; e = this.next[e]!) {
      if (this.keys[e] === k) fn(this.vals[e]!);
    }
  }

  /**
   * Appends the values under `key` that are not yet in `out[0..n)` and returns the new count (no allocation;
   * `out` must have room for `perKey` more values).
   */
  collect(key: number, out: Int32Array, n: number): number {
    const k = key >>> 0;
    let m = n;
    for (let e = this.heads[k & (this.heads.length - 1)]!; e !== -1; e = this.next[e]!) {
      if (this.keys[e] !== k) continue;
      const v = this.vals[e]!;
      let dup = false;
      for (let i = 0; i < m; i++) {
        if (out[i] === v) {
          dup = true;
          break;
        }
      }
      if (!dup) out[m++] = v;
    }
    return m;
  }

  /** Adds `value` under `key`, dropping the oldest entry of that key beyond `perKey`. */
  add(key: number, value: number): void {
    const k = key >>> 0;
    if (this.live >= this.heads.length) this.grow();
    const slot = k & (this.heads.length - 1);
    const e = this.alloc();
    this.keys[e] = k;
    this.vals[e] = value;
    this.next[e] = this.heads[slot]!;
    this.heads[slot] = e;
    this.live++;
    let seen = 0;
    let prev = -1;
    for (let c = e; c !== -1; prev = c, c = this.next[c]!) {
      if (this.keys[c] !== k || ++seen <= this.perKey) continue;
      this.next[prev] = this.next[c]!;
      this.next[c] = this.free;
      this.free = c;
      this.live--;
      break;
    }
  }

  private alloc(): number {
    if (this.free !== -1) {
      const e = this.free;
      this.free = this.next[e]!;
      return e;
    }
    if (this.used === this.keys.length) {
      const n = this.keys.length * 2;
      this.keys = copy(new Uint32Array(n), this.keys);
      this.vals = copy(new Int32Array(n), this.vals);
      this.next = copy(new Int32Array(n), this.next);
    }
    return this.used++;
  }

  private grow(): void {
    const heads = new Int32Array(this.heads.length * 2).fill(-1);
    const mask = heads.length - 1;
    // Re-thread every live entry; walk old chains so that per-chain newest-first order is kept.
    for (let s = 0; s < this.heads.length; s++) {
      const chain: number[] = [];
      for (let e = this.heads[s]!; e !== -1; e = this.next[e]!) chain.push(e);
      for (let i = chain.length - 1; i >= 0; i--) {
        const e = chain[i]!;
        const slot = this.keys[e]! & mask;
        this.next[e] = heads[slot]!;
        heads[slot] = e;
      }
    }
    this.heads = heads;
  }
}

function copy<T extends Uint32Array | Int32Array>(to: T, from: T): T {
  to.set(from);
  return to;
}
