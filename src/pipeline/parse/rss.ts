/**
 * The sax reader for RSS 0.9x / 2.0 (and the item mapping RSS 1.0 shares, see rdf.ts): the part of the
 * parse stage that covers rss-parser's gaps (rss-parser-read.ts has the rule table of which field comes
 * from where). It reads the whole document when rss-parser cannot (`<rss>` without `<channel>`, malformed
 * XML, items beside the channel), and single fields where rss-parser is wrong or blind: markup inside
 * `<title>`, xml:base, namespaces under any prefix (`dc:date`, GeoRSS, GDACS), every category and
 * enclosure. Field readers are lazy (`rssItemReader`) so the merge computes only what it takes from here.
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

/** The sax reader's view of an RSS channel, field by field and lazily (see {@link rssItemReader}). */
export function rssFeedReader(channel: XmlElement, root: XmlElement, ctx: ReadContext) {
  const titleEl = child(channel, ...K('title'), 'dc:title');
  return {
    el: { channel, title: titleEl },
    title: () => plainField(titleEl),
    link: () => {
      const linkText = cleanText(textOf(child(channel, ...K('link'))));
      return safeLink(linkText || atomLink(channel), channel.base ?? ctx.url);
    },
    description: () => {
      const desc = child(channel, ...K('description'), 'dc:description', 'itunes:subtitle', 'itunes:summary');
      return desc ? toPlainText(textOf(desc)) || null : null;
    },
    language: () => {
      const lang = cleanText(textOf(child(channel, 'language', 'dc:language'))) || channel.lang || root.lang;
      return lang ? lang.replace(/_/g, '-') : null;
    },
    updated: () =>
      dateField(
        textOf(child(channel, 'lastbuilddate', 'pubdate', 'dc:date', 'dcterms:modified')),
        ctx,
        'feed',
      ),
  };
}

/** Feed-level fields of an RSS channel (sax reader alone). */
export function readRssFeed(channel: XmlElement, root: XmlElement, ctx: ReadContext): FeedMeta {
  const r = rssFeedReader(channel, root, ctx);
  return {
    title: r.title(),
    link: r.link(),
    description: r.description(),
    language: r.language(),
    updated: r.updated(),
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

/** The first DOI among `candidates` (prism:doi, dc:identifier, link), or null. */
export function doiOf(candidates: string[]): string | null {
  for (const c of candidates) {
    const m = /(?:^doi:\s*|doi\.org\/|^)(10\.\d{4,9}\/[^\s"<>]+)/i.exec(c.trim());
    if (m) return m[1]!;
  }
  return null;
}

/**
 * The sax reader's view of one RSS item (0.9x/1.0/2.0), field by field and lazily: rss-parser-read.ts
 * asks only for the fields it takes from here. `el` exposes the elements its rules look at (markup inside,
 * xml:base in effect). `fallbackBase` is the document URL or the feed link.
 */
export function rssItemReader(item: XmlElement, ctx: ReadContext, fallbackBase: string | null, n: number) {
  const base = item.base ?? fallbackBase;
  const where = `entry ${n}`;
  const media = child(item, 'media:group') ?? item;
  const guidEl = child(item, 'guid');
  const el = {
    item,
    title: child(item, ...K('title'), 'dc:title') ?? child(media, 'media:title'),
    author: child(item, 'author', 'dc:creator', 'itunes:author', 'dc:author'),
    summary:
      child(item, ...K('description'), 'dc:description', 'itunes:summary', 'atom:summary') ??
      child(media, 'media:description'),
    content: child(item, 'content:encoded', 'xhtml:body', 'body', 'fullitem', 'atom:content'),
  };
  const fix = (e: XmlElement | undefined) => (e && !e.base && base ? { ...e, base } : e);
  const guid = () =>
    cleanText(textOf(guidEl)) || attr(item, 'rdf:about') || cleanText(textOf(child(item, 'dc:identifier')));
  const link = () => {
    const g = guid();
    const permalink = guidEl && attr(guidEl, 'isPermaLink') !== 'false' && /^https?:\/\//i.test(g) ? g : null;
    const linkEl = child(item, ...K('link'));
    const linkText = cleanText(textOf(linkEl)) || attr(linkEl, 'href');
    return safeLink(linkText || atomLink(item) || permalink, base);
  };
  let geo: ReturnType<typeof readGeo> | undefined;
  return {
    el,
    guid: () => guid() || null,
    title: () => plainField(el.title),
    link,
    published: () =>
      dateField(textOf(child(item, 'pubdate', 'dc:date', 'dcterms:issued', 'dcterms:created')), ctx, where),
    updated: () => dateField(textOf(child(item, 'atom:updated', 'dcterms:modified')), ctx, where),
    author: () => plainField(el.author),
    summary: () => htmlField(fix(el.summary)),
    content: () => htmlField(fix(el.content)),
    categories: () =>
      uniq(
        [
          ...children(item, 'category', 'dc:subject', 'media:category').map((c) => cleanText(textOf(c))),
          ...children(item, 'atom:category').map((c) => cleanText(attr(c, 'term') ?? '')),
        ].filter((c) => c.length > 0),
      ),
    enclosures: () => enclosures(item, base),
    geo: () => (geo ??= readGeo(item)),
    doi: (link: string | null) =>
      doiOf([textOf(child(item, 'prism:doi')), textOf(child(item, 'dc:identifier')), link ?? '']),
  };
}

/** The sax reader's field functions for one item; see {@link rssItemReader}. */
export type RssItemReader = ReturnType<typeof rssItemReader>;

/** Maps one RSS item (0.9x/1.0/2.0) to a ParsedItem with the sax reader alone. */
export function readRssItem(
  item: XmlElement,
  ctx: ReadContext,
  fallbackBase: string | null,
  n: number,
): ParsedItem {
  const r = rssItemReader(item, ctx, fallbackBase, n);
  const link = r.link();
  const { geo, eventIds } = r.geo();
  return {
    guid: r.guid(),
    title: r.title(),
    link,
    published: r.published(),
    updated: r.updated(),
    author: r.author(),
    summary: r.summary(),
    content: r.content(),
    categories: r.categories(),
    enclosures: r.enclosures(),
    geo,
    eventIds,
    doi: r.doi(link),
  };
}

/**
 * The channel and the item elements of an `<rss>` (with or without `<channel>`) or `<rdf:RDF>` document,
 * in the order the sax reader maps them.
 */
export function rssEntries(
  root: XmlElement,
  format: 'rss' | 'rdf',
): { channel: XmlElement | undefined; entries: XmlElement[] } {
  if (format === 'rdf') {
    const channel = child(root, 'rss1:channel', 'channel');
    const entries = children(root, 'rss1:item', 'item');
    if (channel) entries.push(...children(channel, 'rss1:item', 'item'));
    return { channel, entries };
  }
  const channel = child(root, ...K('channel')) ?? root;
  const entries = children(channel, ...K('item'));
  if (channel !== root) entries.push(...children(root, ...K('item')));
  return { channel, entries };
}

/** Reads an `<rss>` document (with or without `<channel>`, any or no `version`) with the sax reader. */
export function readRss(root: XmlElement, ctx: ReadContext): { feed: FeedMeta; items: ParsedItem[] } {
  const { channel, entries } = rssEntries(root, 'rss');
  const feed = readRssFeed(channel ?? root, root, ctx);
  const fallback = validBase(ctx.url) ?? feed.link ?? null;
  const items = capEntries(entries, ctx).map((e, i) => readRssItem(e, ctx, fallback, i + 1));
  return { feed, items };
}
