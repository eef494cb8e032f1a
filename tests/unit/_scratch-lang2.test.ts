import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'vitest';
import { detectLanguageDetail } from '../../src/pipeline/language.js';
const dir = join(import.meta.dirname, '..', 'fixtures', 'langid');
it('x', () => {
  let n = 0;
  for (const text of readFileSync(join(dir,'lingua-testdata/sentences/da.txt'),'utf8').split('\n')) { const d = detectLanguageDetail(text); if (d.language!=='da' && n++ < 8) console.log('DA', JSON.stringify(d.candidates), text.slice(0,150)); }
  n=0;
  for (const text of readFileSync(join(dir,'lingua-testdata/sentences/fr.txt'),'utf8').split('\n')) { const d = detectLanguageDetail(text); if (text && d.language!=='fr' && n++ < 5) console.log('FR', JSON.stringify(d.candidates), text.slice(0,150)); }
});
