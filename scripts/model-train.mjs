#!/usr/bin/env node
// `npm run model:train`: the baseline model from the dev set (tests/fixtures/labels/dev.jsonl) →
// models/baseline-v1.json (with its manifest: data hash, labels commit, seed, cross-validated dev figures) and
// models/baseline-v1.data.jsonl (the training rows `geointel model train` refits from). Runs the compiled
// dist/bench/model-baseline.js (`npm run build`). docs/classification.md § The learned model.
import { main } from '../dist/bench/model-baseline.js';

main();
