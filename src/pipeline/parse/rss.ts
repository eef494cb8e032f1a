/**
 * RSS 0.9x / 2.0 reader (and the item mapping RSS 1.0 shares, see rdf.ts).
 *
 * Why not rss-parser here: `parseDocument` is synchronous by contract, and rss-parser 3.13.0's
 * `parseString` only returns a Promise (its callback form is also deferred through the Promise). It is
 * also too lossy for the cases this stage must cover: `<title><b>bold</b> quake</title>` → " quake",
 * feeds without `version` are refused unless `defaultRSS: 2`, `<rss>` without `<channel>`, `dc:date`,
 * and charsets. rss-parser stays in the tree as the reference the conformance test measures against
 * (tests/unit/parse-conformance.test.ts reports its pass rate on the same expectations).
 */
import type { Enclosure, FeedMeta, ParsedItem } from '../types.js';
import { capEntries, dateField, type ReadContext, uniq } from './common.js';
import { readGeo } from './geo.js';
import { cleanText, toPlainText } from './text.js';
import { safeLink, validBase } from './urls.js';
import type { XmlElement } from './xml.js';
import { attr, child, children, htmlField, plainField, textOf } from './xml-read.js';

/** Keys of RSS core elements in RSS 0.9x/2.0 (no namespace) and RSS 1.0 / 0.90 (namespaced). */
const K = (name: string) => [name, `rss1:${name}`];

function atomLink(el: XmlElement): string | undefined {
  for (const l of children(el, 'atom:link')) {
    const rel = attr(l, 'rel') ?? 'alternate';
    if (rel === 'alternate' && attr(l, 'href')) return attr(l, 'href');
  }
  return undefined;
}

/** Feed-level fields of an RSS channel. */
export function readRssFeed(channel: XmlElement, root: XmlElement, ctx: ReadContext): FeedMeta {
  const linkText = cleanText(textOf(child(channel, ...K('link'))));
  const link = safeLink(linkText || atomLink(channel), channel.base ?? ctx.url);
  const desc = child(channel, ...K('description'), 'dc:description', 'itunes:subtitle', 'itunes:summary');
  const lang = cleanText(textOf(child(channel, 'language', 'dc:language'))) || channel.lang || root.lang;
  const updatedRaw = textOf(child(channel, 'lastbuilddate', 'pubdate', 'dc:date', 'dcterms:modified'));
  return {
    title: plainField(child(channel, ...K('title'), 'dc:title')),
    link,
    description: desc ? toPlainText(textOf(desc)) || null : null,
    language: lang ? lang.replace(/_/g, '-') : null,
    updated: dateField(updatedRaw, ctx, 'feed'),
  };
}

function enclosures(item: XmlElement, base: string | null): Enclosure[] {
  const out: Enclosure[] = [];
  for (const e of children(item, 'enclosure', 'media:content')) {
    const url = safeLink(attr(e, 'url') ?? attr(e, 'rdf:resource'), base);
    if (!url) continue;
    const length = Number(attr(e, 'length') ?? attr(e, 'fileSize'));
    out.push({
      url,
      type: attr(e, 'type') ?? null,
      length: Number.isFinite(length) && length >= 0 ? length : null,
    });
  }
  return out;
}

function doiOf(item: XmlElement, link: string | null): string | null {
  const candidates = [textOf(child(item, 'prism:doi')), textOf(child(item, 'dc:identifier')), link ?? ''];
  for (const c of candidates) {
    const m = /(?:^doi:\s*|doi\.org\/|^)(10\.\d{4,9}\/[^\s"<>]+)/i.exec(c.trim());
    if (m) return m[1]!;
  }
  return null;
}

/** Maps one RSS item (0.9x/1.0/2.0) to a ParsedItem; `fallbackBase` is the feed link. */
export function readRssItem(
  item: XmlElement,
  ctx: ReadContext,
  fallbackBase: string | null,
  n: number,
): ParsedItem {
  const base = item.base ?? fallbackBase;
  const guidEl = child(item, 'guid');
  const guid =
    cleanText(textOf(guidEl)) || attr(item, 'rdf:about') || cleanText(textOf(child(item, 'dc:identifier')));
  const permalink =
    guidEl && attr(guidEl, 'isPermaLink') !== 'false' && /^https?:\/\//i.test(guid) ? guid : null;
  const linkEl = child(item, ...K('link'));
  const linkText = cleanText(textOf(linkEl)) || attr(linkEl, 'href');
  const link = safeLink(linkText || atomLink(item) || permalink, base);
  const where = `entry ${n}`;
  const { geo, eventIds } = readGeo(item);
  const categories = uniq(
    [
      ...children(item, 'category', 'dc:subject', 'media:category').map((c) => cleanText(textOf(c))),
      ...children(item, 'atom:category').map((c) => cleanText(attr(c, 'term') ?? '')),
    ].filter((c) => c.length > 0),
  );
  const summaryEl = child(item, ...K('description'), 'dc:description', 'itunes:summary', 'atom:summary');
  const contentEl = child(item, 'content:encoded', 'xhtml:body', 'body', 'fullitem', 'atom:content');
  const media = child(item, 'media:group') ?? item;
  const fix = (el: XmlElement | undefined) => (el && !el.base && base ? { ...el, base } : el);
  return {
    guid: guid || null,
    title: plainField(child(item, ...K('title'), 'dc:title') ?? child(media, 'media:title')),
    link,
    published: dateField(
      textOf(child(item, 'pubdate', 'dc:date', 'dcterms:issued', 'dcterms:created')),
      ctx,
      where,
    ),
    updated: dateField(textOf(child(item, 'atom:updated', 'dcterms:modified')), ctx, where),
    author: plainField(child(item, 'author', 'dc:creator', 'itunes:author', 'dc:author')),
    summary: htmlField(fix(summaryEl ?? child(media, 'media:description'))),
    content: htmlField(fix(contentEl)),
    categories,
    enclosures: enclosures(item, base),
    geo,
    eventIds,
    doi: doiOf(item, link),
  };
}

/** Reads an `<rss>` document (with or without `<channel>`, any or no `version`). */
export function readRss(root: XmlElement, ctx: ReadContext): { feed: FeedMeta; items: ParsedItem[] } {
  const channel = child(root, ...K('channel')) ?? root;
  const feed = readRssFeed(channel, root, ctx);
  const entries = children(channel, ...K('item'));
  if (channel !== root) entries.push(...children(root, ...K('item')));
  const fallback = validBase(ctx.url) ?? feed.link ?? null;
  const items = capEntries(entries, ctx).map((e, i) => readRssItem(e, ctx, fallback, i + 1));
  return { feed, items };
}
