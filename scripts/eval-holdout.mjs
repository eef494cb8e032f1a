#!/usr/bin/env node
// `npm run eval:holdout`: the classify stage on the labelled sets (dev, the sealed hold-out v2, and their
// Chinese and journal subsets): one JSON line per set, then a table. Aggregates only — never an item's title
// or id (docs/classification.md § Labelled sets). Runs the compiled dist/bench/label-eval.js (`npm run build`).
import { main } from '../dist/bench/label-eval.js';

main();
