/**
 * Pure helpers around the article stage for whoever fetches the page (the CLI's `--articles`, the queue
 * runtime's article job): which items need their article page, and how an extraction fills an item.
 */
import { escapeHtml, toPlainText } from '../parse/text.js';
import type { Item, ParsedItem } from '../types.js';
import type { ArticleExtraction } from './index.js';
import { charLength } from './sentences.js';

/** The http(s) URL of an item (normalised `url`, or a parse document entry's `link`), or null. */
export function articleUrl(item: { url?: string | null; link?: string | null }): string | null {
  const url = item.url ?? item.link ?? null;
  return url && /^https?:\/\//i.test(url) ? url : null;
}

/**
 * True when an item's summary is missing or shorter than `minChars` code points and it links to a page.
 * Takes a normalised item (plain-text `summary`) or a parse document entry (HTML `summary`/`content`).
 */
export function needsArticle(
  item: { summary?: string | null; content?: string | null; url?: string | null; link?: string | null },
  minChars: number,
): boolean {
  if (!articleUrl(item)) return false;
  const text = toPlainText(item.summary || item.content || '');
  return charLength(text) < minChars;
}

/** Options of {@link applyArticle}. */
export interface ApplyArticleOptions {
  /** A page date later than this (ISO) is not believed (the fetch time plus the future tolerance). */
  notAfter?: string;
}

function believable(date: string | undefined, opts: ApplyArticleOptions): string | undefined {
  if (!date) return undefined;
  const t = Date.parse(date);
  if (Number.isNaN(t)) return undefined;
  if (opts.notAfter && t > Date.parse(opts.notAfter)) return undefined;
  return new Date(t).toISOString();
}

/**
 * The item with its summary replaced by the article's when that is longer, and its date, title and language
 * filled where the item had none. Returns a new object; the input is not changed.
 */
export function applyArticle(item: Item, ex: ArticleExtraction, opts: ApplyArticleOptions = {}): Item {
  const out: Item = { ...item };
  if (ex.summary && charLength(ex.summary) > charLength(item.summary ?? '')) out.summary = ex.summary;
  const date = item.publishedAt ? undefined : believable(ex.publishedAt, opts);
  if (date) out.publishedAt = date;
  if (!item.title && ex.title) out.title = ex.title;
  if (!item.language && ex.language) out.language = ex.language;
  return out;
}

/** The same for a parse document entry: the summary becomes escaped text (valid sanitised HTML). */
export function applyArticleToParsed(
  item: ParsedItem,
  ex: ArticleExtraction,
  opts: ApplyArticleOptions = {},
): ParsedItem {
  const out: ParsedItem = { ...item };
  const current = toPlainText(item.summary || item.content || '');
  if (ex.summary && charLength(ex.summary) > charLength(current)) out.summary = escapeHtml(ex.summary);
  const date = item.published ? undefined : believable(ex.publishedAt, opts);
  if (date) out.published = date;
  if (!item.title && ex.title) out.title = ex.title;
  return out;
}
