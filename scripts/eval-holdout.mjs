#!/usr/bin/env node
// `npm run eval:holdout`: the classify stage on the labelled sets (dev, hold-out v2 folded into tuning as dev-v2,
// the sealed hold-out v3, and their Chinese and journal subsets): one JSON line per set, then a table. Aggregates only — never an item's title
// or id (docs/classification.md § Labelled sets). Runs the compiled dist/bench/label-eval.js (`npm run build`).
// The classifier is the lexicon and the baseline model combined (models/baseline-v1.json); `--no-model`: lexicon only.
import { main } from '../dist/bench/label-eval.js';

main(undefined, process.argv.slice(2));
