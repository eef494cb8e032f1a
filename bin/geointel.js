#!/usr/bin/env node
// Entry point for `npx geointel`: the TypeScript is compiled to dist/ by `npm run build` (run by `prepare` on `npm ci`).
import { main } from '../dist/cli/main.js';

// `geointel ingest … | head`: a reader that goes away is the end of the output, not a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', code: 'INTERNAL', message: String(err?.stack ?? err) })}\n`,
    );
    process.exitCode = 1;
  },
);
