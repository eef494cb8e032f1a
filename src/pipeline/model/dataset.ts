/**
 * Labelled items → training items: each judged by the lexicon first (the model learns from the lexicon's
 * evidence as one of its features), event items left out (event rules decide them; the model is never asked).
 * Also the baseline data file's line format (`models/<version>.data.jsonl`), so that a refit anywhere starts
 * from the same items the baseline was trained on. Pure.
 */
import { classifyItemDetailed, type Taxonomy } from '../classify/index.js';
import type { GeoInfo } from '../types.js';
import { itemText, lexiconEvidence } from './input.js';
import type { TrainingItem } from './train.js';

/** One labelled item as stored in a data file (the labelled sets' fields the model needs). */
export interface LabelledRow {
  id: string;
  title: string;
  /** Summary (the labelled sets) or summary and content. */
  summary: string;
  /** `off-topic` or a topic id. */
  label: string;
  language?: string;
  source?: string;
  /** Judged as an event item (its source is an event feed). */
  events?: boolean;
  geo?: GeoInfo;
  eventIds?: string[];
}

/**
 * Training items from labelled rows, with the lexicon's evidence under `taxonomy`. Rows an event rule decides
 * are dropped; rows whose label is not a class of `classes` too (a topic removed from the taxonomy).
 */
export function trainingItemsOf(
  rows: readonly LabelledRow[],
  taxonomy: Taxonomy,
  opts: { weight: number; origin: string; classes: readonly string[] },
): TrainingItem[] {
  const known = new Set(opts.classes);
  const out: TrainingItem[] = [];
  for (const r of rows) {
    if (!known.has(r.label)) continue;
    const item = {
      id: r.id,
      title: r.title,
      summary: r.summary,
      ...(r.language ? { language: r.language } : {}),
      ...(r.geo ? { geo: r.geo } : {}),
      ...(r.eventIds ? { eventIds: r.eventIds } : {}),
    };
    const { classification, explanation } = classifyItemDetailed(
      item,
      taxonomy,
      r.events ? { events: true } : {},
    );
    if (explanation.decidedBy === 'event') continue;
    out.push({
      id: r.id,
      title: r.title,
      text: itemText(item),
      label: r.label,
      weight: opts.weight,
      origin: opts.origin,
      lexicon: lexiconEvidence(explanation),
      lexiconAnswer: classification.relevant && classification.topic ? classification.topic : 'off-topic',
    });
  }
  return out;
}

/** Parses a data file (JSON Lines of {@link LabelledRow}); throws on the first bad line, naming it. */
export function parseDataFile(text: string, name: string): LabelledRow[] {
  const rows: LabelledRow[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const r = JSON.parse(line) as LabelledRow;
    if (typeof r.id !== 'string' || typeof r.title !== 'string' || typeof r.label !== 'string')
      throw new Error(`${name}:${i + 1}: a data line needs id, title and label`);
    rows.push({ ...r, summary: r.summary ?? '' });
  });
  return rows;
}
