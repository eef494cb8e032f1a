import { describe, expect, it } from 'vitest';
import { benchDedupeIndex, dedupePerSec, syntheticItem, syntheticItems } from '../../src/bench/dedupe.js';
import { createStoryIndex } from '../../src/pipeline/dedupe/index.js';

describe('dedupe bench helpers', () => {
  it('synthetic stream is ≥ 90 % distinct and the index joins its re-posts', () => {
    const index = createStoryIndex();
    let reposts = 0;
    let joined = 0;
    for (let i = 0; i < 24_000; i++) {
      const a = index.assign(syntheticItem(i));
      if (i >= 12 && i % 12 === 0) {
        reposts++;
        if (a.duplicateOf) joined++;
      }
    }
    expect(index.size / 24_000).toBeGreaterThan(0.9);
    expect(joined / reposts).toBeGreaterThan(0.99);
  });

  it('measures throughput and the index cost in the reported shape', () => {
    // Ceiling: 5× the bench's per-item cost on an idle machine (≈ 32 µs: 31–33 k items/s).
    expect(1e6 / dedupePerSec(syntheticItems(2_000))).toBeLessThan(5 * 32);
    const r = benchDedupeIndex({ small: 2_000, large: 20_000, probe: 1_000 });
    expect(Object.keys(r)).toEqual(['bench', 'costPerItemNs10k', 'costPerItemNs1M', 'ratio', 'bytesPerItem']);
    expect(r.bench).toBe('dedupe-index');
    expect(r.bytesPerItem).toBeGreaterThan(0);
  });
});
