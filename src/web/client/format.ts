/** Dates, topic and tag names, and the record fields a page shows, in the interface language. */
import { boot, data } from './boot.js';

export interface Topic {
  id: string;
  name: string;
}

export interface RecordView {
  storyId: string;
  id: string;
  title: string;
  summary: string;
  url: string;
  source: { id: string; name: string; nameZh?: string; shortName?: string };
  publishedAt: string | null;
  fetchedAt: string;
  language: string;
  relevant: boolean;
  topic: string | null;
  topics: Array<{ id: string; score: number; evidence: string[] }>;
  tags: { commodities: string[]; countries: string[] };
  geo?: {
    lat: number;
    lon: number;
    depthKm?: number;
    magnitude?: number;
    alertLevel?: string;
    eventType?: string;
  };
  duplicates: Array<{ id: string; sourceId: string; url?: string }>;
  citation: { zh: string; en: string };
  titleZh?: string;
  summaryZh?: string;
  /** The second section the item would fit (issue #12); absent on records stored before it. */
  runnerUp?: RunnerUp | null;
}

export interface RunnerUp {
  id: string;
  score: number;
}

const dateTime = new Intl.DateTimeFormat(boot.lang === 'zh' ? 'zh-CN' : 'en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
});

/** An ISO instant in the interface language, or '' for none. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : dateTime.format(d);
}

/** The digest time of a record (publishedAt, else fetchedAt). */
export function recordTime(r: RecordView): string {
  return r.publishedAt ?? r.fetchedAt;
}

export function topics(): Topic[] {
  return data<Topic[] | undefined>('topics') ?? [];
}

export function topicName(id: string | null | undefined): string {
  return topics().find((x) => x.id === id)?.name ?? id ?? '';
}

/** The source's name in the interface language. */
export function sourceName(s: RecordView['source']): string {
  return boot.lang === 'zh' ? s.nameZh || s.name : s.name;
}

/** Title and summary: the editor's Chinese text in the zh interface when there is one. */
export function recordText(r: RecordView): { title: string; summary: string } {
  if (boot.lang === 'zh') return { title: r.titleZh || r.title, summary: r.summaryZh || r.summary };
  return { title: r.title, summary: r.summary };
}

const tagNames = () =>
  data<{ commodities?: Record<string, string>; countries?: Record<string, string> } | undefined>('tagNames');

export function commodityName(id: string): string {
  return tagNames()?.commodities?.[id] ?? id;
}

export function countryName(code: string): string {
  return tagNames()?.countries?.[code] ?? code;
}

/** The record's runner-up when it is well-formed and names a section of this bulletin, else null. */
export function runnerUpOf(r: RecordView): RunnerUp | null {
  const ru = r.runnerUp;
  if (!ru || typeof ru.id !== 'string' || typeof ru.score !== 'number' || !Number.isFinite(ru.score))
    return null;
  return topics().some((x) => x.id === ru.id) ? { id: ru.id, score: ru.score } : null;
}

/**
 * The other section an item placed in `current` also fits: its runner-up; once it sits in the runner-up's
 * section, its first choice (the classifier's topic, with that topic's score), so the move can be undone.
 */
export function alsoFits(r: RecordView, current: string): RunnerUp | null {
  const ru = runnerUpOf(r);
  if (!ru) return null;
  if (ru.id !== current) return ru;
  const first = r.topic ? r.topics.find((x) => x.id === r.topic) : undefined;
  return first && first.id !== current && topics().some((x) => x.id === first.id)
    ? { id: first.id, score: first.score }
    : null;
}

/** A 0..1 score as the pages show it. */
export function scoreText(score: number): string {
  return score.toFixed(2);
}
