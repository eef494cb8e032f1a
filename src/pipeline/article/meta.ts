/**
 * What an article page says about itself: descriptions (`<meta name=description>`, Open Graph, Twitter,
 * JSON-LD `description` / `articleBody`), title, publication date and language. Values are plain text;
 * JSON-LD is read with JSON.parse only (never evaluated), size-capped, and walked without recursion limits
 * being reachable by hostile input (depth cap).
 */
import type { CheerioAPI } from 'cheerio';
import { normalizeLanguageTag } from '../language/index.js';
import { isPlaceholderDate, parseDate } from '../parse/dates.js';
import { toPlainText } from '../parse/text.js';

/** Everything {@link readMeta} found. Absent values are undefined. */
export interface PageMeta {
  description?: string;
  ogDescription?: string;
  jsonLdDescription?: string;
  jsonLdBody?: string;
  title?: string;
  siteName?: string;
  publishedAt?: string;
  language?: string;
}

/** Schema.org types whose description is the article's own (not the site's or the publisher's). */
const ARTICLE_TYPES =
  /^(Article|NewsArticle|ReportageNewsArticle|AnalysisNewsArticle|BlogPosting|Report|ScholarlyArticle|TechArticle|PressRelease|LiveBlogPosting|SocialMediaPosting|WebPage|ItemPage|AboutPage)$/i;
/** Longest JSON-LD block read. */
const JSONLD_MAX = 1_000_000;

type Json = Record<string, unknown>;

function metaContent($: CheerioAPI, names: string[]): string | undefined {
  for (const el of $('meta[content]').toArray()) {
    const m = $(el);
    const key = (m.attr('name') ?? m.attr('property') ?? m.attr('itemprop') ?? '').trim().toLowerCase();
    if (names.includes(key)) {
      const v = toPlainText(m.attr('content') ?? '');
      if (v) return v;
    }
  }
  return undefined;
}

function types(o: Json): string[] {
  const t = o['@type'];
  return (Array.isArray(t) ? t : [t]).filter((x): x is string => typeof x === 'string');
}

/** Article-like JSON-LD objects of the page, most specific first (an Article before a WebPage). */
function jsonLdArticles($: CheerioAPI): Json[] {
  const found: Json[] = [];
  const visit = (v: unknown, depth: number): void => {
    if (depth > 8 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v.slice(0, 200)) visit(x, depth + 1);
      return;
    }
    const o = v as Json;
    if (types(o).some((t) => ARTICLE_TYPES.test(t))) found.push(o);
    for (const key of ['@graph', 'mainEntity', 'mainEntityOfPage', 'hasPart']) {
      if (Object.hasOwn(o, key)) visit(o[key], depth + 1);
    }
  };
  for (const el of $('script[type="application/ld+json" i]').toArray()) {
    const raw = $(el).text();
    if (raw.length > JSONLD_MAX) continue;
    try {
      // Some CMSs wrap JSON-LD in CDATA or HTML comments.
      visit(
        JSON.parse(raw.replace(/^\s*(<!--|\/\/<!\[CDATA\[|<!\[CDATA\[)|(-->|\/\/\]\]>|\]\]>)\s*$/g, '')),
        0,
      );
    } catch {
      // A broken block is skipped, not fatal.
    }
  }
  const page = (o: Json) => types(o).some((t) => /page$/i.test(t));
  return [...found.filter((o) => !page(o)), ...found.filter(page)];
}

function jsonString(o: Json, key: string): string | undefined {
  const v = Object.hasOwn(o, key) ? o[key] : undefined;
  if (typeof v === 'string') return toPlainText(v) || undefined;
  return undefined;
}

/** A believable publication date: parsed, not a placeholder such as 1970-01-01. */
function pageDate(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const iso = parseDate(raw);
  return iso && !isPlaceholderDate(iso) ? iso : undefined;
}

/** Reads the page's own statements about itself. */
export function readMeta($: CheerioAPI): PageMeta {
  const articles = jsonLdArticles($);
  const first = (key: string) => {
    for (const o of articles) {
      const v = jsonString(o, key);
      if (v) return v;
    }
    return undefined;
  };
  const ldDate = (() => {
    for (const o of articles) {
      const d = pageDate(jsonString(o, 'datePublished') ?? jsonString(o, 'dateCreated'));
      if (d) return d;
    }
    return undefined;
  })();
  const timeEl = $('article time[datetime], main time[datetime], time[pubdate][datetime], time[datetime]')
    .toArray()
    .map((el) => $(el).attr('datetime'))
    .find((v) => pageDate(v));
  const publishedAt =
    pageDate(
      metaContent($, [
        'article:published_time',
        'og:article:published_time',
        'datepublished',
        'pubdate',
        'publishdate',
        'publish-date',
        'publication_date',
        'dc.date.issued',
        'dcterms.issued',
        'dc.date',
        'sailthru.date',
        'parsely-pub-date',
        'firstpublishedtime',
      ]),
    ) ??
    ldDate ??
    pageDate(timeEl);
  const lang =
    $('html').attr('lang') ??
    $('html').attr('xml:lang') ??
    metaContent($, ['content-language', 'language', 'dc.language']) ??
    $('meta[http-equiv="content-language" i]').attr('content') ??
    first('inLanguage') ??
    metaContent($, ['og:locale']);
  return {
    description: metaContent($, ['description', 'dc.description', 'dcterms.description']),
    ogDescription: metaContent($, ['og:description', 'twitter:description']),
    jsonLdDescription: first('description'),
    jsonLdBody: first('articleBody'),
    title:
      metaContent($, ['og:title', 'twitter:title']) ??
      first('headline') ??
      // The element's text is raw (RCDATA): markup written inside <title> is removed like a feed title's.
      (toPlainText($('title').first().text()) || undefined),
    siteName: metaContent($, ['og:site_name', 'application-name']),
    publishedAt,
    language: normalizeLanguageTag(lang),
  };
}
