/**
 * Inverse document frequency of title features, from a small table of document frequencies shipped with the
 * code (`df-table.ts`, built from general English news and science text by tests/unit/dedupe-idf.test.ts; see
 * docs/dedupe.md). A token the table does not know (a name, a CJK bigram, a word of another language) gets the
 * highest weight, so for text outside the table's language the similarity falls back to plain set overlap.
 */
import { DF_DOCS, DF_TABLE } from './df-table.js';
import { featureHash, tokenize } from './text.js';

let table: Map<number, number> | null = null;
const MAX_IDF = Math.log(DF_DOCS + 1);

function load(): Map<number, number> {
  const m = new Map<number, number>();
  for (const line of DF_TABLE.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const df = Number(line.slice(tab + 1));
    m.set(featureHash(line.slice(0, tab)), Math.log((DF_DOCS + 1) / (df + 1)));
  }
  return m;
}

/** IDF weight of one feature: ln((N + 1) / (df + 1)), the maximum for unknown features. */
export function featureWeight(feature: number): number {
  table ??= load();
  return table.get(feature) ?? MAX_IDF;
}

/** Weights of a feature set, aligned with it, and their sum. */
export function featureWeights(features: Uint32Array): { weights: Float64Array; total: number } {
  const weights = new Float64Array(features.length);
  let total = 0;
  for (let i = 0; i < features.length; i++) total += weights[i] = featureWeight(features[i]!);
  return { weights, total };
}

/**
 * The table text for a corpus: one `token<TAB>df` line per token found in at least `minDf` documents, sorted,
 * and the number of documents. Used to (re)build `df-table.ts`.
 */
export function documentFrequencies(docs: Iterable<string>, minDf = 2): { docs: number; table: string } {
  const df = new Map<string, number>();
  let n = 0;
  for (const d of docs) {
    n++;
    for (const t of new Set(tokenize(d))) df.set(t, (df.get(t) ?? 0) + 1);
  }
  const rows = [...df].filter(([, c]) => c >= minDf).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { docs: n, table: rows.map(([t, c]) => `${t}\t${c}`).join('\n') };
}
