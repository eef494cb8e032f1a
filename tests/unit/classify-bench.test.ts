/** Throughput of language detection and classification on the labelled items (printed; loose floors). */
import { describe, expect, it } from 'vitest';
import { benchClassify, benchLanguage } from '../../src/bench/classify.js';
import type { Item } from '../../src/pipeline/types.js';
import { type LabelledItem, loadTaxonomy, readJsonl } from './classify-helpers.js';

describe('classify stage throughput', () => {
  const items: Item[] = readJsonl<LabelledItem>('dev.jsonl');
  it('classifies and detects languages fast enough', () => {
    const lang = benchLanguage(items, { minCalls: 5000, minMs: 300 });
    const cls = benchClassify(items, loadTaxonomy(), { minCalls: 5000, minMs: 300 });
    console.log(`language ${lang.perSec}/s, classify ${cls.perSec}/s (dev items, title+summary)`);
    // Floors well below the targets (language ≥ 5k/s, classify ≥ 20k/s) so that a loaded CI machine passes.
    expect(lang.perSec).toBeGreaterThan(1000);
    expect(cls.perSec).toBeGreaterThan(1000);
  });
});
