#!/usr/bin/env node
// Entry point for `npx geointel`: the TypeScript is compiled to dist/ by `npm run build` (run by `prepare` on `npm ci`).
import { main } from '../dist/cli/main.js';

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
