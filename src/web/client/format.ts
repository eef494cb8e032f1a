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
