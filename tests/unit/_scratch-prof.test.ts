import { it } from 'vitest';
import { classifyItem } from '../../src/pipeline/classify/index.js';
import { tokenize } from '../../src/pipeline/classify/matcher.js';
import { detectLanguage } from '../../src/pipeline/language.js';
import { tagItem } from '../../src/pipeline/tags.js';
import { type LabelledItem, loadTaxonomy, readJsonl } from './classify-helpers.js';
it('prof', () => {
  const items = readJsonl<LabelledItem>('dev.jsonl');
  const tax = loadTaxonomy();
  const time = (name: string, f: (i: LabelledItem) => unknown) => { for (const i of items) f(i); const t = performance.now(); let n = 0; while (performance.now() - t < 400) { for (const i of items) { f(i); n++; } } console.log(name, Math.round(n / ((performance.now() - t) / 1000)), '/s'); };
  time('tokenize', (i) => { tokenize(i.title); tokenize(i.summary); });
  time('matcher', (i) => { tax.matcher.match(i.title); tax.matcher.match(i.summary); });
  time('tags', (i) => tagItem(i, tax.tagger!));
  time('lang', (i) => detectLanguage(`${i.title}\n${i.summary.slice(0, 600)}`, i.language));
  time('lang200', (i) => detectLanguage(`${i.title}\n${i.summary.slice(0, 200)}`, i.language));
  time('classify', (i) => classifyItem(i, tax));
});
