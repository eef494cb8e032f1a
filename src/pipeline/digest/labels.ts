/** Bulletin wording per language: headings, dates, section names, the text an entry shows. */
import type { DigestRecord } from '../types.js';
import type { Digest, DigestSection } from './build.js';
import type { EventSequence } from './sequences.js';

export type Lang = 'zh' | 'en';

export interface RenderOptions {
  format: 'md' | 'html' | 'json';
  lang: Lang;
  /** Bulletin title. @defaultValue '地学快讯' (zh) / 'Geoscience Express' (en) */
  title?: string;
  /** Show sections without items (with a "no items" line). @defaultValue false */
  showEmpty?: boolean;
  /**
   * The Chinese keywords of a record (`createKeywords` in keywords.ts): zh renderings show them as a 关键词 line
   * under each item in another language that has no editor's titleZh. Absent: no such line.
   */
  keywords?: (r: DigestRecord) => readonly string[];
}

const ZH_NUM = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
const EN_MONTHS =
  'January February March April May June July August September October November December'.split(' ');

export const DEFAULT_TITLE: Record<Lang, string> = { zh: '地学快讯', en: 'Geoscience Express' };

export function bulletinTitle(o: RenderOptions): string {
  return o.title ?? DEFAULT_TITLE[o.lang];
}

/** `2023年第278期` / `No. 278, 2023`. */
export function issueLabel(d: Digest, lang: Lang): string {
  const year = d.date.slice(0, 4);
  return lang === 'zh' ? `${year}年第${d.issue}期` : `No. ${d.issue}, ${year}`;
}

/** `2023年10月5日` / `5 October 2023`. */
export function dateLabel(date: string, lang: Lang): string {
  const [y, m, day] = date.split('-').map(Number) as [number, number, number];
  return lang === 'zh' ? `${y}年${m}月${day}日` : `${day} ${EN_MONTHS[m - 1]} ${y}`;
}

/** `一、基础地质` / `1. Basic geology` (position among the sections shown). */
export function sectionLabel(s: DigestSection, index: number, lang: Lang): string {
  if (lang === 'zh') return `${ZH_NUM[index] ?? String(index + 1)}、${s.nameZh}`;
  return `${index + 1}. ${s.name}`;
}

/** Title, summary and citation of an entry in one language (editor's zh text when set; no translation). */
export function entryText(r: DigestRecord, lang: Lang): { title: string; summary: string; citation: string } {
  if (lang === 'zh') {
    return { title: r.titleZh || r.title, summary: r.summaryZh || r.summary, citation: r.citation.zh };
  }
  return { title: r.title, summary: r.summary, citation: r.citation.en };
}

/** Whether a record's language is Chinese (zh, zh-Hans, zh-TW…). */
export function isChinese(language: string): boolean {
  return /^zh(?:$|-)/i.test(language);
}

/**
 * The keywords an entry shows on its 关键词 line: zh renderings only, for a record in another language with no
 * editor's titleZh, when the caller gives `keywords`; empty otherwise.
 */
export function entryKeywords(r: DigestRecord, o: RenderOptions): readonly string[] {
  if (o.lang !== 'zh' || !o.keywords || r.titleZh || isChinese(r.language)) return [];
  return o.keywords(r);
}

/** `关键词：锂、稀土、美国`, or null when the entry shows no keywords. */
export function keywordLine(r: DigestRecord, o: RenderOptions): string | null {
  const list = entryKeywords(r, o);
  return list.length > 0 ? `关键词：${list.join('、')}` : null;
}

export function emptyLabel(lang: Lang): string {
  return lang === 'zh' ? '（本期无）' : '(no items in this issue)';
}

/** The sections a rendering shows: those with numbered items or an event box (all with `showEmpty`). */
export function shownSections(d: Digest, o: RenderOptions): DigestSection[] {
  return o.showEmpty ? d.sections : d.sections.filter((s) => s.items.length > 0 || eventsOf(s).length > 0);
}

/** A section's event box (none in editions frozen before event boxes existed). */
export function eventsOf(s: DigestSection): readonly EventSequence[] {
  return s.events ?? [];
}

/** True when the digest shows nothing: no numbered item and no event box. */
export function isEmptyDigest(d: Digest): boolean {
  return d.count === 0 && d.sections.every((s) => eventsOf(s).length === 0);
}

const EVENT_NAMES: Record<string, { zh: string; en: [string, string] }> = {
  earthquake: { zh: '地震', en: ['earthquake', 'earthquakes'] },
  volcano: { zh: '火山活动', en: ['eruption', 'eruptions'] },
  landslide: { zh: '滑坡', en: ['landslide', 'landslides'] },
  subsidence: { zh: '地面沉降', en: ['subsidence event', 'subsidence events'] },
  tsunami: { zh: '海啸', en: ['tsunami', 'tsunamis'] },
};
/** Magnitudes as the agencies print them: one decimal. */
const magnitude = (m: number) => m.toFixed(1);
const ALERT_ZH: Record<string, string> = { green: '绿色', yellow: '黄色', orange: '橙色', red: '红色' };

/** The heading of a section's event box: 地震事件 (事件概览 when not all are earthquakes) / Event summary. */
export function eventBoxTitle(events: readonly EventSequence[], lang: Lang): string {
  if (lang === 'en') return 'Event summary';
  return events.every((q) => q.type === 'earthquake') ? '地震事件' : '事件概览';
}

/** `7–11 October 2023` / `2023年10月7日至11日`: the days of a sequence. */
export function dayRangeLabel(from: string, to: string, lang: Lang): string {
  if (from === to) return dateLabel(from, lang);
  const [y1, m1, d1] = from.split('-').map(Number) as [number, number, number];
  const [y2, m2, d2] = to.split('-').map(Number) as [number, number, number];
  if (lang === 'zh') {
    if (y1 !== y2) return `${dateLabel(from, 'zh')}至${dateLabel(to, 'zh')}`;
    return m1 === m2 ? `${y1}年${m1}月${d1}日至${d2}日` : `${y1}年${m1}月${d1}日至${m2}月${d2}日`;
  }
  if (y1 !== y2) return `${dateLabel(from, 'en')} – ${dateLabel(to, 'en')}`;
  return m1 === m2
    ? `${d1}–${d2} ${EN_MONTHS[m1 - 1]} ${y1}`
    : `${d1} ${EN_MONTHS[m1 - 1]} – ${d2} ${EN_MONTHS[m2 - 1]} ${y1}`;
}

/**
 * One line of an event box as its region (feed text, linked to the largest event by the renderers) and the
 * rest: `Zindah Jān, Afghanistan` + ` · 7–11 October 2023 · 3 earthquakes, largest M 6.3 · red alert` /
 * `｜2023年10月7日至11日｜地震3次，最大6.3级｜红色预警` (one event: `1 earthquake, M 6.4` / `地震1次，6.4级`).
 */
export function eventParts(q: EventSequence, lang: Lang): { region: string; rest: string } {
  const name = EVENT_NAMES[q.type];
  const days = dayRangeLabel(q.days.from, q.days.to, lang);
  if (lang === 'zh') {
    const mag = q.maxMagnitude === null ? '' : `，${q.count > 1 ? '最大' : ''}${magnitude(q.maxMagnitude)}级`;
    const what = `${name?.zh ?? '事件'}${q.count}次${mag}`;
    const alert = q.alertLevel ? `｜${ALERT_ZH[q.alertLevel] ?? q.alertLevel}预警` : '';
    return { region: q.region, rest: `｜${days}｜${what}${alert}` };
  }
  const noun = name ? name.en[q.count === 1 ? 0 : 1] : q.count === 1 ? 'event' : 'events';
  const mag =
    q.maxMagnitude === null ? '' : `, ${q.count > 1 ? 'largest ' : ''}M ${magnitude(q.maxMagnitude)}`;
  const what = `${q.count} ${noun}${mag}`;
  const alert = q.alertLevel ? ` · ${q.alertLevel} alert` : '';
  return { region: q.region, rest: ` · ${days} · ${what}${alert}` };
}

/** The plain text of one event-box line. */
export function eventLine(q: EventSequence, lang: Lang): string {
  const { region, rest } = eventParts(q, lang);
  return `${region}${rest}`;
}

/** An http(s) URL, normalised by the WHATWG parser, or null for anything else. */
export function safeUrl(raw: string | undefined): string | null {
  if (!raw) return null;
  try {
    const u = new URL(raw.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}
