#!/usr/bin/env node
// `npm run bench`: prints one JSON object per line, each with a "bench" name (CONTRACTS.md §Benchmarks).
// The benches live in src/bench (compiled to dist/bench by `npm run build`); pick some with
// `node bench/run.js stages fetch`.
import { benches } from '../dist/bench/index.js';

const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length && !wanted.includes(name)) continue;
  const started = Date.now();
  try {
    const result = await run();
    process.stdout.write(`${JSON.stringify({ ...result, seconds: (Date.now() - started) / 1000 })}\n`);
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ bench: name, error: String(err?.stack ?? err) })}\n`);
    process.exitCode = 1;
  }
}
