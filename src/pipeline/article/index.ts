/**
 * The article stage: one article page (bytes or text) → a bulletin summary of whole sentences between
 * `summaryMinChars` and `summaryMaxChars`, the page's publication date, title and language. Pure: no
 * network, no clock, no environment. Precedence (docs/articles.md):
 *
 * 1. the page's own description — `<meta name=description>`, then `og:description` / `twitter:description`,
 *    then JSON-LD `description` — when it can stand as a summary: at least `summaryMinChars` long, not the
 *    title or the site's name, no site-wide boilerplate ("official website", cookie notices), and, when the
 *    article text was found, mostly made of the article's words (a site-wide description is not);
 * 2. JSON-LD `articleBody` (the publisher's clean article text), cut at sentence ends;
 * 3. the main text (Readability over linkedom in body.ts, or the registry's `rule.selector`), cut at sentence
 *    ends;
 * 4. else the longest acceptable description even if shorter than `summaryMinChars`.
 * Navigation, cookie banners and related links never reach the text (body.ts removes them first).
 */
import { load } from 'cheerio';
import { detectLanguage } from '../language/index.js';
import { decodeBytes } from '../parse/charset.js';
import { capNesting } from '../parse/text.js';
import { mainParagraphs } from './body.js';
import { readMeta } from './meta.js';
import { charLength, endsSentence, splitSentences, summarize } from './sentences.js';

export { applyArticle, applyArticleToParsed, articleUrl, needsArticle } from './apply.js';
export { charLength, endsSentence, splitSentences, summarize } from './sentences.js';

/** Per-source article rule (registry `article.selector`): the element holding the article text. */
export interface ArticleRule {
  selector?: string;
}

export interface ExtractArticleOptions {
  /** The page URL (final, after redirects). */
  url: string;
  /** HTTP Content-Type; its charset is a decoding hint for bytes. */
  contentType?: string;
  summaryMinChars: number;
  summaryMaxChars: number;
  rule?: ArticleRule;
}

/** Where the summary came from. */
export type ArticleMethod = 'meta' | 'og' | 'jsonld' | 'body';

export interface ArticleExtraction {
  /** Plain text, whole sentences; '' when the page yields nothing usable. */
  summary: string;
  /** ISO-8601 UTC, from the page's metadata, JSON-LD or `<time datetime>`. */
  publishedAt?: string;
  title?: string;
  method: ArticleMethod;
  /** ISO 639-1: the page's declared language, else detected from the summary. */
  language?: string;
}

/** Longest page read (characters); beyond this the tail is ignored. */
const MAX_PAGE_CHARS = 5_000_000;

/** Descriptions that describe the site, not the article. */
const SITE_BOILERPLATE =
  /official (web)?site|home ?page|welcome to|cookies?|all rights reserved|copyright|官方网站|门户网站|欢迎访问|版权所有|主办单位|网站首页/i;

const CJK = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/;

/** Words (Latin, ≥ 3 letters, lower case) and CJK character pairs of a text. */
function tokens(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const w = m[0];
    if (CJK.test(w)) {
      const chars = Array.from(w);
      for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!);
      if (chars.length === 1) out.add(w);
    } else if (w.length >= 3) out.add(w);
  }
  return out;
}

/** Share of `part`'s tokens that occur in `whole`. */
export function tokenOverlap(part: string, whole: string | Set<string>): number {
  const p = tokens(part);
  if (p.size === 0) return 0;
  const w = typeof whole === 'string' ? tokens(whole) : whole;
  let hit = 0;
  for (const t of p) if (w.has(t)) hit++;
  return hit / p.size;
}

const norm = (s: string) => s.toLowerCase().replace(/[\s\p{P}]+/gu, '');

/**
 * A description as a summary: cut to whole sentences (a CMS's truncated `…` tail is dropped), or null when
 * it is not the article's own words.
 */
function descriptionSummary(
  desc: string | undefined,
  ctx: { title?: string; siteName?: string; body: Set<string> | null; min: number; max: number },
): string | null {
  if (!desc) return null;
  if (SITE_BOILERPLATE.test(desc)) return null;
  const d = norm(desc);
  if (!d) return null;
  for (const other of [ctx.title, ctx.siteName]) {
    if (other && (norm(other) === d || norm(other).includes(d))) return null;
  }
  if (ctx.body && tokenOverlap(desc, ctx.body) < 0.6) return null;
  let text = desc;
  // Descriptions that repeat the headline as their first sentence ("How to X. X is …"): the headline goes.
  const sentences = splitSentences(text);
  const lead = norm(sentences[0] ?? '');
  if (ctx.title && sentences.length > 1 && lead.length >= 12 && norm(ctx.title).includes(lead)) {
    text = sentences.slice(1).join(' ');
  }
  if (/(\.\.\.|…)$/.test(text.trim())) {
    const whole = splitSentences(text.trim()).slice(0, -1).join(' ');
    if (!whole) return null;
    text = whole;
  }
  const s = summarize(text, ctx.min, ctx.max);
  // CJK text must end a sentence; a Latin teaser without its final stop is still a sentence.
  if (CJK.test(s) && !endsSentence(s)) {
    const whole = splitSentences(s)
      .filter((x) => endsSentence(x))
      .join('');
    return whole || null;
  }
  return s;
}

/** Extracts the summary, date, title and language of one article page. Never throws on page content. */
export function extractArticle(html: string | Uint8Array, opts: ExtractArticleOptions): ArticleExtraction {
  const text = typeof html === 'string' ? html : decodeBytes(html, opts.contentType).text;
  const page = capNesting(text.slice(0, MAX_PAGE_CHARS));
  const $ = load(page, { xml: { xmlMode: false, decodeEntities: true } });
  const meta = readMeta($);
  const min = opts.summaryMinChars;
  const max = Math.max(opts.summaryMaxChars, min);
  const bodyText = mainParagraphs($, page, opts.rule?.selector).join('\n');
  const bodyTokens = charLength(bodyText) >= 200 ? new Set(tokens(`${meta.title ?? ''} ${bodyText}`)) : null;
  const ctx = { title: meta.title, siteName: meta.siteName, body: bodyTokens, min, max };

  const result = (summary: string, method: ArticleMethod): ArticleExtraction => {
    const out: ArticleExtraction = { summary, method };
    if (meta.publishedAt) out.publishedAt = meta.publishedAt;
    if (meta.title) out.title = meta.title;
    const language = meta.language ?? (charLength(summary) >= 20 ? detectLanguage(summary) : undefined);
    if (language && language !== 'und') out.language = language;
    return out;
  };

  const descriptions: Array<[ArticleMethod, string | null]> = [
    ['meta', descriptionSummary(meta.description, ctx)],
    ['og', descriptionSummary(meta.ogDescription, ctx)],
    ['jsonld', descriptionSummary(meta.jsonLdDescription, ctx)],
  ];
  for (const [method, s] of descriptions) if (s && charLength(s) >= min) return result(s, method);

  if (meta.jsonLdBody && (!bodyTokens || tokenOverlap(meta.jsonLdBody.slice(0, 2000), bodyTokens) >= 0.6)) {
    const s = summarize(meta.jsonLdBody, min, max);
    if (charLength(s) >= min) return result(s, 'jsonld');
  }
  const lead = bodyText ? summarize(bodyText, min, max) : '';
  const shortBest = descriptions
    .filter((d): d is [ArticleMethod, string] => d[1] !== null)
    .sort((a, b) => charLength(b[1]) - charLength(a[1]))[0];
  if (lead && (charLength(lead) >= min || !shortBest || charLength(lead) >= charLength(shortBest[1]))) {
    return result(lead, 'body');
  }
  if (shortBest) return result(shortBest[1], shortBest[0]);
  return result('', 'body');
}
