/**
 * Shared by the classify tests: loads config/topics.yaml and config/tags.yaml through their schemas (not
 * through loadConfig, so that these tests do not depend on the other config files) and the labelled sets.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TagsFileSchema } from '../../src/config/tags-schema.js';
import { TopicsFileSchema } from '../../src/config/topics-schema.js';
import { compileTaxonomy, type Taxonomy } from '../../src/pipeline/classify/index.js';
import type { GeoInfo } from '../../src/pipeline/types.js';

const root = join(import.meta.dirname, '..', '..');

/** The repository's taxonomy with tags, compiled once per test file. */
export function loadTaxonomy(): Taxonomy {
  const topics = TopicsFileSchema.parse(parse(readFileSync(join(root, 'config', 'topics.yaml'), 'utf8')));
  const tags = TagsFileSchema.parse(parse(readFileSync(join(root, 'config', 'tags.yaml'), 'utf8')));
  return compileTaxonomy(topics, tags);
}

export interface LabelledItem {
  id: string;
  file: string;
  source: string;
  language: string;
  title: string;
  summary: string;
  label: string;
  secondary?: string[];
  note?: string;
  geo?: GeoInfo;
  eventIds?: string[];
}

export interface TaggedItem {
  id: string;
  language: string;
  title: string;
  summary: string;
  commodities: string[];
  countries: string[];
}

export function readJsonl<T>(name: string): T[] {
  return readFileSync(join(root, 'tests', 'fixtures', 'labels', name), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** Sources registered with `publishes: events` in config/sources.yaml (GDACS, NRCan earthquakes). */
export const EVENT_SOURCES = new Set(['gdacs', 'nrcan']);

export interface Scores {
  perTopic: Array<{ id: string; n: number; p: number; r: number; f1: number }>;
  macroF1: number;
  offTopicPrecision: number;
  offTopicRecall: number;
  accuracy: number;
  errors: string[];
}

/**
 * Scores predictions: a prediction is right when it is the primary or a secondary label; per-class
 * precision/recall/F1 use the matched label as gold for right predictions and the primary label otherwise.
 */
export function score(items: LabelledItem[], predicted: Array<string>, minItems: number): Scores {
  const classes = [...new Set(items.map((i) => i.label))];
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const n = new Map<string, number>();
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const errors: string[] = [];
  let right = 0;
  items.forEach((item, i) => {
    const pred = predicted[i] as string;
    inc(n, item.label);
    const ok = pred === item.label || (item.secondary ?? []).includes(pred);
    const gold = ok ? pred : item.label;
    if (ok) {
      right++;
      inc(tp, pred);
    } else {
      inc(fp, pred);
      inc(fn, gold);
      errors.push(
        `${item.label}${item.secondary ? `+${item.secondary.join('+')}` : ''} ← ${pred}: ${item.title.slice(0, 90)}`,
      );
    }
  });
  const perTopic = classes.map((id) => {
    const t = tp.get(id) ?? 0;
    const p = t / Math.max(1, t + (fp.get(id) ?? 0));
    const r = t / Math.max(1, t + (fn.get(id) ?? 0));
    return { id, n: n.get(id) ?? 0, p, r, f1: p + r === 0 ? 0 : (2 * p * r) / (p + r) };
  });
  const gated = perTopic.filter((t) => t.id !== 'off-topic' && t.n >= minItems);
  const off = perTopic.find((t) => t.id === 'off-topic');
  return {
    perTopic,
    macroF1: gated.reduce((a, t) => a + t.f1, 0) / Math.max(1, gated.length),
    offTopicPrecision: off?.p ?? 1,
    offTopicRecall: off?.r ?? 1,
    accuracy: right / items.length,
    errors,
  };
}

export function formatScores(name: string, s: Scores): string {
  const rows = s.perTopic
    .sort((a, b) => a.id.localeCompare(b.id))
    .map(
      (t) =>
        `  ${t.id.padEnd(18)} n=${String(t.n).padStart(3)}  P=${t.p.toFixed(3)} R=${t.r.toFixed(3)} F1=${t.f1.toFixed(3)}`,
    );
  return `${name}: accuracy ${s.accuracy.toFixed(3)}, macro-F1 ${s.macroF1.toFixed(3)}, off-topic P ${s.offTopicPrecision.toFixed(3)} R ${s.offTopicRecall.toFixed(3)}\n${rows.join('\n')}`;
}
