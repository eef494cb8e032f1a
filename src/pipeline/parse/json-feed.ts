/**
 * JSON Feed 1.0 / 1.1 reader. Only values of the expected JSON type are read (a title that is an object
 * or number is ignored), so hostile JSON cannot smuggle non-strings into the document.
 */
import type { Enclosure, FeedMeta, ParsedItem } from '../types.js';
import { capEntries, dateField, type ReadContext, uniq } from './common.js';
import { sanitizeHtml } from './sanitize.js';
import { cleanText, escapeHtml, toPlainText } from './text.js';
import { safeLink } from './urls.js';

type Json = Record<string, unknown>;

/** A string field, or undefined. */
export function str(o: unknown, key: string): string | undefined {
  if (typeof o !== 'object' || o === null || Array.isArray(o) || !Object.hasOwn(o, key)) return undefined;
  const v = (o as Json)[key];
  return typeof v === 'string' ? v : undefined;
}

/** A plain-object field, or undefined. */
export function obj(o: unknown, key: string): Json | undefined {
  if (typeof o !== 'object' || o === null || !Object.hasOwn(o, key)) return undefined;
  const v = (o as Json)[key];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

/** An array field, or []. */
export function arr(o: unknown, key: string): unknown[] {
  if (typeof o !== 'object' || o === null || !Object.hasOwn(o, key)) return [];
  const v = (o as Json)[key];
  return Array.isArray(v) ? v : [];
}

/** True when a parsed JSON value is a JSON Feed. */
export function isJsonFeed(doc: unknown): boolean {
  const v = str(doc, 'version');
  return v !== undefined && /^https?:\/\/jsonfeed\.org\/version\//.test(v);
}

function html(value: string | undefined, base: string | null): string | null {
  if (!value) return null;
  return sanitizeHtml(value, { base }) || null;
}

function readItem(it: unknown, ctx: ReadContext, base: string | null, n: number): ParsedItem {
  const where = `entry ${n}`;
  const idRaw = typeof it === 'object' && it !== null ? (it as Json).id : undefined;
  const id = typeof idRaw === 'string' ? idRaw : typeof idRaw === 'number' ? String(idRaw) : undefined;
  const authorObj = obj(it, 'author') ?? (arr(it, 'authors')[0] as Json | undefined);
  const text = str(it, 'content_text');
  const enclosures: Enclosure[] = [];
  for (const a of arr(it, 'attachments')) {
    const url = safeLink(str(a, 'url'), base);
    const size = typeof a === 'object' && a !== null ? (a as Json).size_in_bytes : undefined;
    if (url)
      enclosures.push({
        url,
        type: str(a, 'mime_type') ?? null,
        length: typeof size === 'number' ? size : null,
      });
  }
  const summary = str(it, 'summary');
  return {
    guid: id ? cleanText(id) : null,
    title: str(it, 'title') ? toPlainText(str(it, 'title')!) || null : null,
    link: safeLink(str(it, 'url') ?? str(it, 'external_url'), base),
    published: dateField(str(it, 'date_published'), ctx, where),
    updated: dateField(str(it, 'date_modified'), ctx, where),
    author: str(authorObj, 'name') ? cleanText(str(authorObj, 'name')!) || null : null,
    summary: summary ? html(escapeHtml(summary), base) : null,
    content: html(str(it, 'content_html'), base) ?? (text ? html(escapeHtml(text), base) : null),
    categories: uniq(arr(it, 'tags').map((t) => (typeof t === 'string' ? cleanText(t) : null))),
    enclosures,
  };
}

/** Reads a parsed JSON Feed document. */
export function readJsonFeed(doc: unknown, ctx: ReadContext): { feed: FeedMeta; items: ParsedItem[] } {
  const link = safeLink(str(doc, 'home_page_url'), ctx.url);
  const base = ctx.url ?? link;
  const feed: FeedMeta = {
    title: str(doc, 'title') ? toPlainText(str(doc, 'title')!) || null : null,
    link,
    description: str(doc, 'description') ? toPlainText(str(doc, 'description')!) || null : null,
    language: str(doc, 'language') ? cleanText(str(doc, 'language')!) || null : null,
    updated: null,
  };
  const entries = capEntries(arr(doc, 'items'), ctx);
  return { feed, items: entries.map((e, i) => readItem(e, ctx, base, i + 1)) };
}

/**
 * True for a JSON array of entry objects with a title and a link or id: the shape feed readers export
 * (feedparser's entries saved as JSON, as in the geoscience-journals captures). Read as format `json`.
 */
export function isJsonItemList(doc: unknown): doc is unknown[] {
  if (!Array.isArray(doc) || doc.length === 0) return false;
  const sample = doc.slice(0, 20);
  return sample.every(
    (it) => str(it, 'title') !== undefined && (str(it, 'link') ?? str(it, 'url') ?? str(it, 'id')),
  );
}

/**
 * The publisher an entry names for itself: `source` (feedparser's channel title, as in the journal captures)
 * as a string or `{ title | name }`, else `publisher` or `journal`. A made-up source cites it (source-match.ts).
 */
function publisherOf(it: unknown): string | null {
  const raw =
    str(it, 'source') ??
    str(obj(it, 'source'), 'title') ??
    str(obj(it, 'source'), 'name') ??
    str(it, 'publisher') ??
    str(it, 'journal');
  const name = raw ? toPlainText(raw).slice(0, 200) : '';
  return name || null;
}

/** A parse document entry with the publisher it names (extension of the contract's entry). */
export type PublishedItem = ParsedItem & { publisher?: string | null };

function readListItem(it: unknown, ctx: ReadContext, base: string | null, n: number): PublishedItem {
  const where = `entry ${n}`;
  const authors = arr(it, 'authors').filter((a): a is string => typeof a === 'string');
  const author = str(it, 'author') ?? (authors.length ? authors.join(', ') : undefined);
  const summary = str(it, 'summary') ?? str(it, 'description');
  const content = str(it, 'content_html') ?? str(it, 'content');
  const id = str(it, 'id') ?? str(it, 'guid');
  return {
    guid: id ? cleanText(id) : null,
    title: toPlainText(str(it, 'title') ?? '') || null,
    link: safeLink(str(it, 'link') ?? str(it, 'url'), base),
    published: dateField(
      str(it, 'published') ?? str(it, 'date') ?? str(it, 'date_published') ?? str(it, 'pubDate'),
      ctx,
      where,
    ),
    updated: dateField(str(it, 'updated') ?? str(it, 'date_modified'), ctx, where),
    author: author ? cleanText(author) || null : null,
    summary: html(summary, base),
    content: html(content, base),
    categories: uniq(arr(it, 'tags').map((t) => (typeof t === 'string' ? cleanText(t) : null))),
    enclosures: [],
    publisher: publisherOf(it),
  };
}

/** Reads a JSON array of entries (see {@link isJsonItemList}); a warning says it is not a JSON Feed. */
export function readJsonItemList(doc: unknown[], ctx: ReadContext): { feed: FeedMeta; items: ParsedItem[] } {
  ctx.warnings.push({
    code: 'JSON_ITEM_LIST',
    message: 'a JSON array of entries (not a JSON Feed): read by field names title, link, summary, date',
  });
  const entries = capEntries(doc, ctx);
  const base = ctx.url ?? null;
  return {
    feed: { title: null, link: null, description: null, language: null, updated: null },
    items: entries.map((e, i) => readListItem(e, ctx, base, i + 1)),
  };
}
