/**
 * Cost per item of language detection and classification on the labelled items (printed). The benches own
 * throughput (`npm run bench`); this test keeps ceilings a regression would cross: 5× the per-item cost the
 * benches measure on an idle machine (classify ≈ 60 µs, language ≈ 20 µs).
 */
import { describe, expect, it } from 'vitest';
import { benchClassify, benchLanguage } from '../../src/bench/classify.js';
import type { Item } from '../../src/pipeline/types.js';
import { type LabelledItem, loadTaxonomy, readJsonl } from './classify-helpers.js';

describe('classify stage throughput', () => {
  const items: Item[] = readJsonl<LabelledItem>('dev.jsonl');
  it('costs per item stay under 5× the benches’ figures', () => {
    const lang = benchLanguage(items, { minCalls: 5000, minMs: 300 });
    const cls = benchClassify(items, loadTaxonomy(), { minCalls: 5000, minMs: 300 });
    console.log(`language ${lang.perSec}/s, classify ${cls.perSec}/s (dev items, title+summary)`);
    expect(1e6 / lang.perSec).toBeLessThan(5 * 20); // µs per item
    expect(1e6 / cls.perSec).toBeLessThan(5 * 60);
  });
});
