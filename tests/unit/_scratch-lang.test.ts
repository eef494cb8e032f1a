import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'vitest';
import { detectLanguage, DEFAULT_LATIN_LANGUAGES } from '../../src/pipeline/language.js';
const dir = join(import.meta.dirname, '..', 'fixtures', 'langid');
const S: {lang:string;text:string;src:string}[] = [];
for (const kind of ['sentences']) for (const f of readdirSync(join(dir,'lingua-testdata',kind))) for (const l of readFileSync(join(dir,'lingua-testdata',kind,f),'utf8').split('\n')) if (l.trim()) S.push({lang:f.slice(0,2),text:l.trim(),src:kind});
for (const line of readFileSync(join(dir,'headlines-7lang-sample.tsv'),'utf8').split('\n').slice(1)) { const [lang,,text]=line.split('\t'); if (lang&&text) S.push({lang,text,src:'hl'}); }
const titles = new Set<string>();
for (const f of readdirSync(join(dir,'..','feeds','geoscience-journals'))) for (const i of JSON.parse(readFileSync(join(dir,'..','feeds','geoscience-journals',f),'utf8'))) titles.add(i.title.replace(/<[^>]+>/g,''));
it('scan', () => {
  const configs: Record<string, any> = {
    def: {}, e0: {englishPrior:0, asciiPenalty:0}, e2: {englishPrior:0.2}, small: { latin: ['en','de','fr','es','pt','da'] }, noNo: { latin: DEFAULT_LATIN_LANGUAGES.filter(l=>l!=='no') },
    w1: { stopwordWeight: 1 }, w03: { stopwordWeight: 0.3 },
  };
  for (const [name, o] of Object.entries(configs)) {
    const b: Record<string,[number,number]> = {};
    const conf: Record<string, number> = {};
    for (const s of S) { const k = s.text.length<30?'<30':s.text.length<=120?'30-120':'>120'; const g = detectLanguage(s.text, undefined, o); b[k] ??= [0,0]; b[k][1]++; if (g===s.lang) b[k][0]++; else if (k!=='<30') conf[`${s.src}:${s.lang}->${g}`]=(conf[`${s.src}:${s.lang}->${g}`]??0)+1; }
    let t=0; for (const x of titles) if (detectLanguage(x, undefined, o)==='en') t++;
    console.log(name, Object.entries(b).map(([k,[a,n]])=>`${k} ${(100*a/n).toFixed(1)}`).join(' '), 'titles', (100*t/titles.size).toFixed(1), JSON.stringify(Object.entries(conf).sort((a,b)=>b[1]-a[1]).slice(0,8)));
  }
});
