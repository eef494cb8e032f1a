/** Bulletin wording per language: headings, dates, section names, the text an entry shows. */
import type { DigestRecord } from '../types.js';
import type { Digest, DigestSection } from './build.js';

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

/** The sections a rendering shows. */
export function shownSections(d: Digest, o: RenderOptions): DigestSection[] {
  return o.showEmpty ? d.sections : d.sections.filter((s) => s.items.length > 0);
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
