import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { parseDocument } from '../../src/pipeline/parse/index.js';
it('dbg', () => {
  for (const f of (process.env.FILES ?? '').split(',')) {
    const p = `tests/fixtures/feedparser/${f}`;
    try { console.log(f, JSON.stringify(parseDocument(readFileSync(p), { url: 'http://127.0.0.1:8097/tests/' + f }))); }
    catch (e) { console.log(f, 'ERR', (e as any).code, (e as Error).message); }
  }
});
