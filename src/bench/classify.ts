/**
 * Throughput helpers of the language and classify stages, for the `stages` bench and for ad-hoc runs.
 * Each warms up, then runs the items (cycled) until at least `minCalls` calls and `minMs` milliseconds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { TagsFileSchema } from '../config/tags-schema.js';
import { TopicsFileSchema } from '../config/topics-schema.js';
import { classifyItem, compileTaxonomy, type Taxonomy } from '../pipeline/classify/index.js';
import { detectLanguage } from '../pipeline/language/index.js';
import type { Item } from '../pipeline/types.js';

/** Result of one throughput run. */
export interface Rate {
  /** Calls made. */
  calls: number;
  seconds: number;
  perSec: number;
}

export interface RateOptions {
  /** @defaultValue 20000 */
  minCalls?: number;
  /** @defaultValue 500 */
  minMs?: number;
}

function measure(n: number, call: (i: number) => void, opts: RateOptions = {}): Rate {
  if (n === 0) return { calls: 0, seconds: 0, perSec: 0 };
  const minCalls = opts.minCalls ?? 20_000;
  const minNs = BigInt(Math.round((opts.minMs ?? 500) * 1e6));
  for (let i = 0; i < Math.min(2000, minCalls); i++) call(i % n);
  let calls = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0n;
  while (calls < minCalls || elapsed < minNs) {
    for (let k = 0; k < 1000; k++) call(calls++ % n);
    elapsed = process.hrtime.bigint() - t0;
  }
  const seconds = Number(elapsed) / 1e9;
  return { calls, seconds, perSec: Math.round(calls / seconds) };
}

/** The repository's taxonomy (config/topics.yaml and config/tags.yaml), read without the other config files. */
export function loadRepositoryTaxonomy(
  dir = fileURLToPath(new URL('../../config', import.meta.url)),
): Taxonomy {
  const topics = TopicsFileSchema.parse(parse(readFileSync(join(dir, 'topics.yaml'), 'utf8')));
  const tags = TagsFileSchema.parse(parse(readFileSync(join(dir, 'tags.yaml'), 'utf8')));
  return compileTaxonomy(topics, tags);
}

/** Language detections per second on `title + summary` (what classify reads), with each item's hint. */
export function benchLanguage(items: readonly Item[], opts?: RateOptions): Rate {
  const texts = items.map((i) => `${i.title}\n${(i.summary ?? '').slice(0, 600)}`);
  const hints = items.map((i) => i.language);
  return measure(items.length, (k) => detectLanguage(texts[k] as string, hints[k]), opts);
}

/** Full classifications (language, topics, gate, events, tags) per second. */
export function benchClassify(
  items: readonly Item[],
  taxonomy: Taxonomy = loadRepositoryTaxonomy(),
  opts?: RateOptions,
): Rate {
  return measure(items.length, (k) => classifyItem(items[k] as Item, taxonomy), opts);
}
