/**
 * The `stages` bench (docs/contracts.md): throughput of parse, language, classify and dedupe, each alone, in one
 * process. Parse runs the recorded real feeds until ≥ 100 000 items have been read. Language and classify
 * run over real item texts (fixture feeds, journal abstracts and the Chinese translations) cycled to 100 000
 * calls — both are stateless, so repetition does not flatter them. Dedupe runs over 100 000 synthetic items
 * of which ≈ 92 % are distinct stories (src/bench/dedupe.ts), since repeating real items would make every
 * repeat an exact duplicate.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load.js';
import { classifyItem, compileTaxonomy } from '../pipeline/classify/index.js';
import { detectLanguage } from '../pipeline/language/index.js';
import { normalizeDocument } from '../pipeline/normalize/index.js';
import { parseDocument } from '../pipeline/parse/index.js';
import type { Item } from '../pipeline/types.js';
import { benchDedupeThroughput } from './dedupe.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FEEDS = join(ROOT, 'tests/fixtures/feeds');

export function feedFiles(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(FEEDS, { withFileTypes: true })) {
    if (!dir.isDirectory() || dir.name === 'geoscience-journals') continue;
    // Recorded feeds only: the registry's synthetic fixtures are written by hand.
    for (const f of readdirSync(join(FEEDS, dir.name)))
      if (!f.includes('.synthetic.')) out.push(join(FEEDS, dir.name, f));
  }
  return out;
}

const perSec = (n: number, ns: bigint) => Math.round(n / (Number(ns) / 1e9));

/** Real item texts: every fixture feed's items, the journal abstracts and the Chinese translations. */
export async function realItems(docs: Array<{ file: string; bytes: Uint8Array }>): Promise<Item[]> {
  const items: Item[] = [];
  for (const { file, bytes } of docs) {
    const doc = await parseDocument(bytes, { url: undefined });
    const n = normalizeDocument(doc, {
      sourceId: 'bench',
      fetchedAt: '2030-01-01T00:00:00Z',
      maxItemAgeDays: 1e6,
      futureToleranceHours: 1e6,
      summaryMaxChars: 600,
    });
    items.push(...n.items);
    void file;
  }
  const journals = JSON.parse(
    readFileSync(join(FEEDS, 'geoscience-journals/digest-seen-2025-12-13.json'), 'utf8'),
  ) as Array<{ id: string; title: string; summary?: string }>;
  for (const j of journals)
    items.push({ id: j.id, title: j.title, summary: (j.summary ?? '').slice(0, 600) });
  const zh = readFileSync(join(ROOT, 'tests/fixtures/zh/translated-items.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean);
  for (const line of zh) {
    const z = JSON.parse(line) as { id: string; title: string; summary: string };
    items.push({ id: `zh-${z.id}`, title: z.title, summary: z.summary });
  }
  return items;
}

export async function benchStages(n = 100_000) {
  const docs = feedFiles().map((file) => ({ file, bytes: readFileSync(file) }));

  // parse: whole documents, counted in items read
  let parsed = 0;
  for (const d of docs) await parseDocument(d.bytes); // warm-up
  const tp = process.hrtime.bigint();
  while (parsed < n) for (const d of docs) parsed += (await parseDocument(d.bytes)).items.length;
  const parsePerSec = perSec(parsed, process.hrtime.bigint() - tp);

  const texts = await realItems(docs);
  const config = loadConfig({ dir: join(ROOT, 'config'), env: {} });
  const taxonomy = compileTaxonomy(config.topics, config.tags);

  for (let i = 0; i < 2000; i++)
    detectLanguage(`${texts[i % texts.length]!.title} ${texts[i % texts.length]!.summary ?? ''}`);
  const tl = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const it = texts[i % texts.length]!;
    detectLanguage(`${it.title} ${it.summary ?? ''}`);
  }
  const languagePerSec = perSec(n, process.hrtime.bigint() - tl);

  for (let i = 0; i < 2000; i++) classifyItem(texts[i % texts.length]!, taxonomy);
  const tc = process.hrtime.bigint();
  for (let i = 0; i < n; i++) classifyItem(texts[i % texts.length]!, taxonomy);
  const classifyPerSec = perSec(n, process.hrtime.bigint() - tc);

  const dedupe = benchDedupeThroughput(n);
  return {
    bench: 'stages' as const,
    items: dedupe.items,
    distinct: dedupe.distinct,
    parsePerSec,
    languagePerSec,
    classifyPerSec,
    dedupePerSec: dedupe.dedupePerSec,
    realTexts: texts.length,
    parsedItems: parsed,
  };
}
