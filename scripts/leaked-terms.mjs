#!/usr/bin/env node
// Lexicon terms of config/topics.yaml that no fixture text matches except items of the first hold-out (now folded
// into dev), and what the dev set says about each: how many dev items it matches, whether their labels carry the
// term's topic, and which dev predictions change when the term alone is removed.
// Usage: npm run build && node scripts/leaked-terms.mjs   (reads dev.jsonl labels only, never the sealed hold-out's)
// Prints a Markdown table (docs/classification.md § The first hold-out's leaked terms).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { eventSources, guess, readLabelled } from '../dist/bench/label-eval.js';
import { TopicsFileSchema } from '../dist/config/topics-schema.js';
import { compileTaxonomy, OFF_TOPIC, prepareText } from '../dist/pipeline/classify/index.js';
import { SETS } from '../tests/fixtures/labels/extract.mjs';
import { fixtureItems, titleKey } from '../tests/fixtures/labels/holdout-v2.mjs';

const root = new URL('..', import.meta.url);
const topicsRaw = parse(readFileSync(new URL('config/topics.yaml', root), 'utf8'));
const taxonomy = compileTaxonomy(TopicsFileSchema.parse(topicsRaw));
const dev = readLabelled('dev.jsonl');
const old = dev.filter((i) => i.foldedFrom === 'holdout-v1');
const oldIds = new Set(old.map((i) => i.id));
const oldKeys = new Set(old.map((i) => titleKey(i.title)));
// Every other fixture text: the first dev set, every item of the feed pools and registry fixtures, and the zh
// fixture (translation and original title) — minus the old hold-out's items and any copy or translation of them.
const zh = readFileSync(new URL('tests/fixtures/zh/translated-items.jsonl', root), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l))
  .flatMap((z) => [
    { id: `zh:${z.id}`, title: z.title, summary: z.summary, original: z.id },
    { id: z.id, title: z.originalTitle, summary: '', original: z.id },
  ]);
const others = [...SETS.devV1, ...fixtureItems(), ...zh].filter(
  (i) => !oldIds.has(i.id) && !oldIds.has(i.original) && !oldKeys.has(titleKey(i.title)),
);

function matches(items) {
  const byTerm = new Map();
  for (const it of items) {
    const seen = new Set();
    for (const t of [it.title, it.summary]) {
      for (const m of taxonomy.matcher.match(prepareText(t ?? ''))) {
        m.payloads.forEach((p, k) => {
          const key = `${p.topic}\t${m.langs?.[k] ?? m.lang}\t${m.term}`;
          if (seen.has(key)) return;
          seen.add(key);
          byTerm.set(key, [...(byTerm.get(key) ?? []), it]);
        });
      }
    }
  }
  return byTerm;
}

const inOld = matches(old);
const inOthers = matches(others);
const leaked = [...inOld.keys()].filter((k) => !inOthers.has(k));
const events = eventSources();
const base = dev.map((i) => guess(i, taxonomy, events.has(i.source)).top1);
const accepts = (i, a) => a === i.label || (i.secondary ?? []).includes(a);
const topicName = (t) => (t === OFF_TOPIC ? 'off-topic' : t);

const rows = [];
for (const key of leaked) {
  const [topic, lang, term] = key.split('\t');
  const copy = structuredClone(topicsRaw);
  const lexicon = topic === OFF_TOPIC ? copy.offTopic : copy.topics.find((t) => t.id === topic)?.terms;
  const list = lexicon?.[lang];
  const found = list && Object.keys(list).find((k) => k === term || k.replace(/^=/, '') === term);
  if (!found) {
    rows.push({ topic, lang, term, note: 'not a topic or off-topic lexicon term' });
    continue;
  }
  delete list[found];
  const without = compileTaxonomy(TopicsFileSchema.parse(copy));
  let lost = 0;
  let gained = 0;
  dev.forEach((i, k) => {
    const now = guess(i, without, events.has(i.source)).top1;
    if (now === base[k]) return;
    if (accepts(i, base[k]) && !accepts(i, now)) lost++;
    if (!accepts(i, base[k]) && accepts(i, now)) gained++;
  });
  const hits = matches(dev).get(key) ?? [];
  const agree = hits.filter((i) => accepts(i, topicName(topic))).length;
  const verdict =
    agree < hits.length || gained > 0
      ? 'not supported'
      : lost > 0
        ? 'supported (only by the items it was written for)'
        : 'no dev decision depends on it';
  rows.push({
    topic: topicName(topic),
    lang,
    term: found,
    hits: hits.length,
    agree,
    lost,
    gained,
    verdict,
    key,
  });
}

// Terms can decide an item together: remove every term no single dev decision depends on, per language; the
// terms matching an item whose prediction goes from right to wrong are supported jointly; repeat until stable.
const devHits = matches(dev);
const joint = [];
for (const lang of ['en', 'zh']) {
  for (;;) {
    const gone = rows.filter((x) => x.verdict === 'no dev decision depends on it' && x.lang === lang);
    const pruned = structuredClone(topicsRaw);
    for (const r of gone) {
      const lexicon = r.key.startsWith(`${OFF_TOPIC}\t`)
        ? pruned.offTopic
        : pruned.topics.find((t) => t.id === r.topic)?.terms;
      delete lexicon[lang][r.term];
    }
    const tx = compileTaxonomy(TopicsFileSchema.parse(pruned));
    const now = dev.map((i) => guess(i, tx, events.has(i.source)).top1);
    const lostItems = dev.filter((i, k) => accepts(i, base[k]) && !accepts(i, now[k]));
    const together = gone.filter((r) => lostItems.some((i) => (devHits.get(r.key) ?? []).includes(i)));
    if (together.length === 0) {
      const right = dev.filter((i, k) => accepts(i, now[k])).length;
      const before = dev.filter((i, k) => accepts(i, base[k])).length;
      joint.push(
        `${lang}: the ${gone.length} terms no dev decision depends on, removed together: dev top-1 ${(before / dev.length).toFixed(3)} → ${(right / dev.length).toFixed(3)}`,
      );
      break;
    }
    for (const r of together) {
      const others = together.filter((x) => x !== r).map((x) => `\`${x.term}\``);
      r.verdict = `supported jointly${others.length ? ` with ${others.join(', ')}` : ''} (only by the items it was written for)`;
    }
  }
}

console.log(
  `${leaked.length} terms match old hold-out items and no other fixture text (${others.length} other items scanned)\n`,
);
console.log(
  '| term | lang | topic | dev items matched | with that topic | dev right→wrong without it | wrong→right | finding |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    r.note
      ? `| \`${r.term}\` | ${r.lang} | ${r.topic} | | | | | ${r.note} |`
      : `| \`${r.term}\` | ${r.lang} | ${r.topic} | ${r.hits} | ${r.agree} | ${r.lost} | ${r.gained} | ${r.verdict} |`,
  );
}
console.log(`\n${joint.join('\n')}`);
