/**
 * The `classify-model` bench (docs/contracts.md): the classify stage with the learned model in the path
 * (lexicons + models/baseline-v1.json, combined as the workers run it) against the lexicons alone, in the same
 * process and run, over the `stages` bench's real item texts (fixture feeds, journal abstracts, Chinese
 * translations). The two are measured in alternating rounds so that a load change on a shared machine hits
 * both: `ratio` (target ≥ 0.8) is the median of the ratios of back-to-back pairs of rounds; the rates are the
 * median rounds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load.js';
import { classifyItem, compileTaxonomy, type Taxonomy } from '../pipeline/classify/index.js';
import type { ModelScorer } from '../pipeline/model/scorer.js';
import type { Item } from '../pipeline/types.js';
import { repositoryModel } from './label-eval.js';
import { feedFiles, realItems } from './stages.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Items per second of `calls` classifications (items cycled). */
function rate(
  items: readonly Item[],
  taxonomy: Taxonomy,
  model: ModelScorer | undefined,
  calls: number,
): number {
  const opts = model ? { model } : {};
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) classifyItem(items[i % items.length] as Item, taxonomy, opts);
  return Math.round(calls / (Number(process.hrtime.bigint() - t0) / 1e9));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

export async function benchClassifyModel(opts: { rounds?: number; calls?: number } = {}) {
  const rounds = opts.rounds ?? 25;
  const calls = opts.calls ?? 5_000;
  const docs = feedFiles().map((file) => ({ file, bytes: readFileSync(file) }));
  const items = await realItems(docs);
  const config = loadConfig({ dir: join(ROOT, 'config'), env: {} });
  const taxonomy = compileTaxonomy(config.topics, config.tags);
  const model = repositoryModel(ROOT);
  // Warm-up of both paths, then pairs of short rounds, each pair run back to back (which one first alternates),
  // so that a load change on a shared machine hits both halves of a pair alike; the ratio is the median of the
  // pairs' ratios.
  rate(items, taxonomy, undefined, 3_000);
  rate(items, taxonomy, model, 3_000);
  const lexicon: number[] = [];
  const withModel: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let a: number;
    let b: number;
    if (r % 2 === 0) {
      a = rate(items, taxonomy, undefined, calls);
      b = rate(items, taxonomy, model, calls);
    } else {
      b = rate(items, taxonomy, model, calls);
      a = rate(items, taxonomy, undefined, calls);
    }
    lexicon.push(a);
    withModel.push(b);
    ratios.push(b / a);
  }
  let changed = 0;
  for (const item of items) {
    const a = classifyItem(item, taxonomy);
    const b = classifyItem(item, taxonomy, { model });
    if (a.topic !== b.topic || a.relevant !== b.relevant) changed++;
  }
  return {
    bench: 'classify-model' as const,
    model: model.version,
    items: items.length,
    rounds,
    callsPerRound: calls,
    classifyPerSec: median(lexicon),
    classifyModelPerSec: median(withModel),
    ratio: Math.round(median(ratios) * 1000) / 1000,
    target: 0.8,
    /** Items of the bench whose decision the model changes. */
    decisionsChanged: changed,
  };
}
