/**
 * Measurements on third-party labelled corpora (tests/fixtures/dedupe, see SOURCE.md). Prints the numbers
 * that docs/dedupe.md quotes and asserts the floors we reach. STS headlines: the threshold is chosen on the
 * 2013 + 2014 pairs and reported on 2015 + 2016 (held out) and on all. The goal, index F1 ≥ 0.9 on all
 * pairs, is reached — measured 2026-11-23 with the logistic model over J, O, conflict, shared, rare, unmatched
 * (scripts/dedupe-fit.mjs, fitted on 2013–14 only) and rare-feature candidates: exact scan F1 0.906 (2013–14,
 * tuning) / 0.899 (2015–16, held out) / 0.903 (all) at 0.41, AUC 0.976; index F1 0.901 all, 0.895 held out
 * (docs/dedupe.md).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_THRESHOLD,
  DEFAULT_THRESHOLD_CJK,
  dedupeItems,
  featureSet,
  textSimilarity,
} from '../../src/pipeline/dedupe/index.js';
import type { Item } from '../../src/pipeline/types.js';

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
    const year = Number(/\d{4}/.exec(f)![0]);
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

function f1(decisions: Array<{ same: boolean; joined: boolean }>) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const d of decisions) {
    if (d.joined && d.same) tp++;
    else if (d.joined) fp++;
    else if (d.same) fn++;
  }
  return { f1: (2 * tp) / (2 * tp + fp + fn), precision: tp / (tp + fp), recall: tp / (tp + fn), tp, fp, fn };
}

const joinedByIndex = (a: string, b: string) => {
  const [x, y] = dedupeItems([
    { id: '0', title: a },
    { id: '1', title: b },
  ]);
  return x!.storyId === y!.storyId;
};

const fmt = (o: Record<string, number>) =>
  Object.entries(o)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(3)}`)
    .join(' ');

/** The threshold with the best F1 on `scored` (grid of 0.01; ties go to the higher, more precise threshold). */
function bestThreshold(scored: Array<{ same: boolean; s: number }>): { t: number; f1: number } {
  let best = { t: 0, f1: 0 };
  for (let k = 20; k <= 90; k++) {
    const t = k / 100;
    const r = f1(scored.map((x) => ({ same: x.same, joined: x.s >= t })));
    if (r.f1 >= best.f1) best = { t, f1: r.f1 };
  }
  return best;
}

describe('STS news headlines (SemEval 2013–2016, ≥4 same vs ≤2 different)', () => {
  const pairs = stsPairs();
  const scored = pairs.map((p) => ({
    same: p.same,
    year: p.year,
    s: textSimilarity(featureSet(p.a), featureSet(p.b)),
  }));
  const tune = scored.filter((x) => x.year <= 2014);
  const held = scored.filter((x) => x.year >= 2015);

  it('ranks same-story pairs above different ones (AUC); the threshold tuned on 2013–14 holds on 2015–16', () => {
    const a = auc(scored);
    console.log(
      `STS pairs=${pairs.length} positives=${pairs.filter((p) => p.same).length} AUC all=${a.toFixed(3)} 2013-14=${auc(tune).toFixed(3)} 2015-16=${auc(held).toFixed(3)}`,
    );
    const best = bestThreshold(tune);
    console.log(
      `  best threshold on 2013-14: ${best.t} (F1 ${best.f1.toFixed(3)}); default ${DEFAULT_THRESHOLD}`,
    );
    for (const t of [0.45, 0.48, 0.5, 0.52, 0.55, 0.6]) {
      const at = (xs: typeof scored) => f1(xs.map((x) => ({ same: x.same, joined: x.s >= t })));
      console.log(
        `  t=${t} all: ${fmt(at(scored))} | 2013-14 F1=${at(tune).f1.toFixed(3)} | 2015-16 F1=${at(held).f1.toFixed(3)}`,
      );
    }
    expect(a).toBeGreaterThan(0.97);
    // The default is the threshold chosen on the tuning years, not on the held-out ones.
    expect(Math.abs(best.t - DEFAULT_THRESHOLD)).toBeLessThanOrEqual(0.02);
    const heldF1 = f1(held.map((x) => ({ same: x.same, joined: x.s >= DEFAULT_THRESHOLD }))).f1;
    // Measured 0.899 on the held-out years (docs/dedupe.md).
    expect(heldF1).toBeGreaterThan(0.89);
  });

  it('story index decisions (LSH candidates + threshold) reach the measured F1 floor', () => {
    const decisions = pairs.map((p) => ({ same: p.same, year: p.year, joined: joinedByIndex(p.a, p.b) }));
    const r = f1(decisions);
    const rHeld = f1(decisions.filter((d) => d.year >= 2015));
    const exact = f1(scored.map((x) => ({ same: x.same, joined: x.s >= DEFAULT_THRESHOLD })));
    console.log(
      `STS index threshold=${DEFAULT_THRESHOLD} ${fmt(r)} (2015-16 F1=${rHeld.f1.toFixed(3)}; exact scan F1=${exact.f1.toFixed(3)})`,
    );
    // The goal: measured index F1 0.901 (P 0.892, R 0.911) on all 1,593 pairs, 0.895 held out.
    expect(r.f1).toBeGreaterThanOrEqual(0.9);
    expect(rHeld.f1).toBeGreaterThanOrEqual(0.89);
    expect(r.precision).toBeGreaterThan(0.885);
  });
});

describe('STS benchmark headlines in Chinese (DeepL translations, ≥4 vs ≤2)', () => {
  it('reports AUC and the index F1 at the CJK threshold', () => {
    const rows = readFileSync(join(DIR, 'stsb-headlines-zh.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { score: number; zh: [string, string] })
      .filter((o) => o.score >= 4 || o.score <= 2);
    const scored = rows.map((o) => ({
      same: o.score >= 4,
      s: textSimilarity(featureSet(o.zh[0]), featureSet(o.zh[1]), true),
    }));
    const r = f1(rows.map((o) => ({ same: o.score >= 4, joined: joinedByIndex(o.zh[0], o.zh[1]) })));
    const exact = f1(scored.map((x) => ({ same: x.same, joined: x.s >= DEFAULT_THRESHOLD_CJK })));
    console.log(
      `STS zh pairs=${rows.length} AUC=${auc(scored).toFixed(3)} index threshold=${DEFAULT_THRESHOLD_CJK} ${fmt(r)} (exact scan F1=${exact.f1.toFixed(3)})`,
    );
    expect(r.f1).toBeGreaterThan(0.7);
    expect(r.precision).toBeGreaterThan(0.75);
  });
});

describe('geo-feed same-event clusters (GDACS, NRCan en/fr)', () => {
  const rows = readFileSync(join(DIR, 'geo-feed-items.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, string>);
  const items: Item[] = rows.map((r, i) => {
    const [lat, lon] = (r.point ?? '').split(/\s+/).map(Number);
    const date = Date.parse(r.pubDate ?? '');
    return {
      id: String(i),
      title: r.title!,
      summary: r.description,
      url: r.link,
      guid: r.guid,
      source: r.source === 'nrcan' ? `nrcan-earthquakes-${r.lang}` : 'gdacs',
      publishedAt: Number.isNaN(date) ? null : new Date(date).toISOString(),
      geo: Number.isFinite(lat) && Number.isFinite(lon) && r.point ? { lat: lat!, lon: lon! } : undefined,
    };
  });

  it('reproduces the clusters with no false merge (event ids only from links, never given)', () => {
    const out = dedupeItems(items);
    let truePairs = 0;
    let found = 0;
    let falseMerges = 0;
    const missed: string[] = [];
    for (let i = 0; i < rows.length; i++)
      for (let j = i + 1; j < rows.length; j++) {
        const same = rows[i]!.cluster === rows[j]!.cluster;
        const joined = out[i]!.storyId === out[j]!.storyId;
        if (same) truePairs++;
        if (same && joined) found++;
        if (same && !joined) missed.push(`${rows[i]!.title} / ${rows[j]!.title}`);
        if (!same && joined) falseMerges++;
      }
    const clusters = new Set(rows.map((r) => r.cluster)).size;
    const stories = new Set(out.map((o) => o.storyId)).size;
    console.log(
      `geo-feeds items=${rows.length} clusters=${clusters} stories=${stories} pairs found ${found}/${truePairs} false merges ${falseMerges}; missed: ${[...new Set(missed)].join(' | ')}`,
    );
    expect(falseMerges).toBe(0);
    expect(found / truePairs).toBeGreaterThan(0.98);
  });
});

describe('tgcontest English same-thread pairs', () => {
  it('reports title-only and title+lead decisions', () => {
    const lines = readFileSync(join(DIR, 'en_train_pool.tsv'), 'utf8').split('\n').filter(Boolean);
    const head = lines[0]!.split('\t');
    const col = (name: string) => head.indexOf(name);
    const rows = lines.slice(1).map((l) => l.split('\t'));
    const pairs = rows.map((r) => ({
      same: r[col('GOLDEN:quality')] === 'OK',
      a: r[col('INPUT:first_title')]!,
      b: r[col('INPUT:second_title')]!,
      at: r[col('INPUT:first_text')]!,
      bt: r[col('INPUT:second_text')]!,
    }));
    const title = f1(pairs.map((p) => ({ same: p.same, joined: joinedByIndex(p.a, p.b) })));
    const scored = pairs.map((p) => ({ same: p.same, s: textSimilarity(featureSet(p.a), featureSet(p.b)) }));
    const lead = pairs.map((p) => ({
      same: p.same,
      s: textSimilarity(
        featureSet(`${p.a} ${p.at.slice(0, 300)}`),
        featureSet(`${p.b} ${p.bt.slice(0, 300)}`),
      ),
    }));
    console.log(
      `tgcontest en pairs=${pairs.length} OK=${pairs.filter((p) => p.same).length} title-only index: ${fmt(title)} AUC(title)=${auc(scored).toFixed(3)} AUC(title+300 chars)=${auc(lead).toFixed(3)}`,
    );
    expect(title.precision).toBeGreaterThanOrEqual(0.8);
    expect(title.f1).toBeGreaterThanOrEqual(0.8);
  });
});
