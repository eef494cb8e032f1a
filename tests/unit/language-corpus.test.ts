/**
 * Language identification against third-party labelled text (tests/fixtures/langid, see SOURCE.md), with no
 * hint. Thresholds: ≥ 93 % on 30–120-character texts, ≥ 99 % over 120 characters; English journal titles of
 * the shared fixtures ≥ 99 % `en`. Prints per-source/language/bucket accuracy next to franc restricted to
 * the same eight languages.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { franc } from 'franc';
import { describe, expect, it } from 'vitest';
import { detectLanguage } from '../../src/pipeline/language/index.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'langid');
const feeds = join(import.meta.dirname, '..', 'fixtures', 'feeds');

interface Sample {
  source: string;
  lang: string;
  text: string;
}

function loadSamples(): Sample[] {
  const out: Sample[] = [];
  for (const kind of ['sentences', 'word-pairs', 'single-words']) {
    for (const file of readdirSync(join(dir, 'lingua-testdata', kind))) {
      const lang = file.replace(/\.txt$/, '');
      for (const line of readFileSync(join(dir, 'lingua-testdata', kind, file), 'utf8').split('\n')) {
        if (line.trim()) out.push({ source: `lingua-${kind}`, lang, text: line.trim() });
      }
    }
  }
  const tsv = readFileSync(join(dir, 'headlines-7lang-sample.tsv'), 'utf8').split('\n').slice(1);
  for (const line of tsv) {
    const [lang, , text] = line.split('\t');
    if (lang && text) out.push({ source: 'headlines', lang, text });
  }
  for (const line of readFileSync(join(dir, 'udhr-8langs.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const j = JSON.parse(line) as { lang: string; text: string };
    out.push({ source: 'udhr', lang: j.lang, text: j.text });
  }
  return out;
}

const bucket = (n: number) => (n < 30 ? '<30' : n <= 120 ? '30-120' : '>120');
const FRANC_ONLY = ['eng', 'cmn', 'dan', 'fra', 'por', 'deu', 'spa', 'jpn'];
const F2: Record<string, string> = {
  eng: 'en',
  cmn: 'zh',
  dan: 'da',
  fra: 'fr',
  por: 'pt',
  deu: 'de',
  spa: 'es',
  jpn: 'ja',
};

type Tally = Map<string, { ok: number; base: number; n: number }>;
function add(t: Tally, key: string, ok: boolean, base: boolean) {
  const e = t.get(key) ?? { ok: 0, base: 0, n: 0 };
  e.n++;
  if (ok) e.ok++;
  if (base) e.base++;
  t.set(key, e);
}
const pct = (a: number, n: number) => `${((100 * a) / n).toFixed(1)}%`;

describe('detectLanguage on the langid corpus (no hint)', () => {
  const samples = loadSamples();
  const byBucket: Tally = new Map();
  const byDetail: Tally = new Map();
  for (const s of samples) {
    const got = detectLanguage(s.text);
    const base = F2[franc(s.text, { only: FRANC_ONLY })] ?? 'und';
    const b = bucket(s.text.length);
    add(byBucket, b, got === s.lang, base === s.lang);
    add(byDetail, `${s.source} ${s.lang} ${b}`, got === s.lang, base === s.lang);
  }
  const rows = [...byDetail.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(
      ([k, v]) =>
        `${k.padEnd(34)} n=${String(v.n).padStart(4)} ours ${pct(v.ok, v.n)}  franc ${pct(v.base, v.n)}`,
    );
  const summary = [...byBucket.entries()].map(
    ([k, v]) => `bucket ${k.padEnd(7)} n=${v.n} ours ${pct(v.ok, v.n)} franc-restricted ${pct(v.base, v.n)}`,
  );
  console.log(`${rows.join('\n')}\n${summary.join('\n')}`);

  it('is ≥ 93 % accurate on 30–120-character texts', () => {
    const b = byBucket.get('30-120')!;
    expect(b.ok / b.n).toBeGreaterThanOrEqual(0.93);
  });
  it('is ≥ 99 % accurate on texts over 120 characters', () => {
    const b = byBucket.get('>120')!;
    expect(b.ok / b.n).toBeGreaterThanOrEqual(0.99);
  });
});

describe('English journal titles of the shared fixtures', () => {
  const titles: string[] = [];
  for (const f of readdirSync(join(feeds, 'geoscience-journals'))) {
    const items = JSON.parse(readFileSync(join(feeds, 'geoscience-journals', f), 'utf8')) as Array<{
      title: string;
    }>;
    for (const i of items) titles.push(i.title.replace(/<[^>]+>/g, ''));
  }
  const unique = [...new Set(titles)];
  const wrong = unique.filter((t) => detectLanguage(t) !== 'en');
  it('are ≥ 99 % detected as English with no hint', () => {
    console.log(
      `journal titles: ${unique.length - wrong.length}/${unique.length} en; misses: ${wrong.slice(0, 15).join(' | ')}`,
    );
    expect((unique.length - wrong.length) / unique.length).toBeGreaterThanOrEqual(0.99);
  });
});
