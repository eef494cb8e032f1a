/**
 * RSS 0.9x / 2.0 and RSS 1.0 (RDF) through rss-parser 3.13.0 (`parseString` only, on the text the charset
 * stage decoded, never `parseURL`: docs/reliability.md §0.4; options `defaultRSS: 2` so a missing `version`
 * is RSS 2.0, custom fields below), with the sax reader (rss.ts over xml.ts) covering what it gets wrong.
 *
 * Which reader runs (index.ts `readXml`):
 *   1. Fast path: the root is literally `<rss>`, rss-parser accepts the text and `rssParserSuffices` finds
 *      nothing the sax reader would read differently (no DOCTYPE, xml:base, xml:lang, unknown elements,
 *      non-canonical prefixes, markup or attributes in text fields; every `<item>` mapped). Then
 *      rss-parser's output alone (`mapRssParserItem`). All 9 recorded RSS feeds in tests/fixtures/feeds
 *      and 584 of the 891 RSS/RDF documents of the feedparser corpus take it; on every one of them the
 *      gap fill below changes nothing (asserted in tests/unit/parse-rss-parser.test.ts). It keeps the
 *      stage's throughput: building the sax tree as well costs ~40 % on RSS.
 *   2. Otherwise the sax tree is built. It decides the format, refuses DOCTYPE entities (billion laughs,
 *      XXE: rejected before rss-parser sees them) and recovers malformed XML. The sax reader then reads
 *      the whole document (`readRss`/`readRdf`) when rss-parser rejected it (xml2js is strict: malformed
 *      XML; `<rss>` without `<channel>` throws on `channel[0]`; roots it does not know such as `<channel>`
 *      or a prefixed `<rdf:RDF>`) or maps a different number of items (items beside `<channel>`, RSS 1.0
 *      items inside `<channel>`, prefixed `<item>`s). Else `gapFill` merges both per the table.
 *
 * Rule table (path 2, per item; the sax value is computed only when the rule needs it). "Absent" means
 * rss-parser had no such element (mapped value `undefined`); a value it had but that is unusable (`null`:
 * unsafe link, unparseable date) is not looked up again, so no warning is raised twice.
 *
 * | field            | rss-parser source                                   | sax reader's value instead when …  |
 * |------------------|-----------------------------------------------------|------------------------------------|
 * | guid             | guid (text of an attributed guid), rdf:about, dc:identifier | absent                     |
 * | link             | link, else guid unless isPermaLink="false"          | absent; the item is under xml:base (rss-parser does not apply it) |
 * | title, author    | title, dc:title; author, dc:creator                 | absent (media:title, itunes:author…); the element holds markup (`<title><b>bold</b> quake</title>` → " quake") |
 * | published        | pubDate, dc:date, dcterms:issued, dcterms:created   | absent (`<pubdate>`, other prefixes) |
 * | updated          | atom:updated, dcterms:modified                      | absent                             |
 * | summary, content | description; content:encoded                        | absent (dc:description, body, fullitem, xhtml:body…); markup inside (xml2js loses mixed-content order); xml:base in effect |
 * | categories       | category (text of `domain=` ones), dc:subject, media:category | always: the sax list is a superset (atom:category, any prefix) in document order |
 * | enclosures       | enclosure, media:content (url, type, length)       | always: document order, xml:base, rdf:resource |
 * | geo, eventIds    | georss:point/elev, geo:lat/long (also in geo:Point), gdacs:alertlevel/eventtype/eventid/severity | always: namespace-aware (any prefix) |
 * | doi              | prism:doi, dc:identifier, link                      | absent                             |
 * | feed title       | title, dc:title                                     | absent; markup                     |
 * | feed link        | link                                                | absent (atom:link only); xml:base on the channel |
 * | feed description, language, updated | description; language, dc:language; lastBuildDate, pubDate, dc:date, dcterms:modified | absent (itunes:subtitle, xml:lang, other prefixes…) |
 *
 * Dates are parsed by our `parseDate` from the raw strings (rss-parser's `isoDate` is `new Date()`, not
 * used); text goes through the same cleaners and sanitiser as the sax reader's, so where both read the
 * same element they give the same value.
 *
 * Safety (docs/reliability.md P1): xml2js nodes are null-prototype objects and a `<toString>` element becomes a
 * property, so `String(node)` or a template literal on a node throws. Nothing here stringifies a node:
 * values are taken only when `typeof` says string (or an element's `_` text is a string).
 *
 * Atom stays on the sax reader (atom.ts). Measured on the 1 207 Atom documents of tests/fixtures: rss-parser
 * loses the whole feed on one bad `<published>` (RangeError from `new Date(x).toISOString()`, §0.7:
 * parse/atom-one-bad-date.xml), returns categories for 0 entries (ours: 35) and has no enclosures (ours: 3),
 * takes the first `<link>` whatever its rel, and ignores xml:base, `type="xhtml"` and `mode="escaped"`.
 * Pre-normalising dates would fix only the first, so every other Atom field would be gap fill anyway.
 */
import Parser from 'rss-parser';
import type { Enclosure, FeedMeta, ParsedItem } from '../types.js';
import { capEntries, dateField, type ReadContext, uniq } from './common.js';
import { readGeo } from './geo.js';
import { readRdf } from './rdf.js';
import { doiOf, type RssItemReader, readRss, rssEntries, rssFeedReader, rssItemReader } from './rss.js';
import { sanitizeHtml } from './sanitize.js';
import { cleanText, toPlainText } from './text.js';
import { safeLink, validBase } from './urls.js';
import { escapeBareAmpersands, type XmlElement } from './xml.js';
import { hasElements } from './xml-read.js';

/** rss-parser's output, untyped on purpose: every value is checked with `typeof` before use. */
export type RssParserFeed = Record<string, unknown> & { items?: unknown };
export type RssParserItem = Record<string, unknown>;

/** Text elements whose raw nodes the fast path checks (a node that is not a plain string has markup or attributes). */
export const TEXT_FIELDS = [
  'title',
  'dc:title',
  'link',
  'description',
  'author',
  'dc:creator',
  'content:encoded',
  'language',
  'dc:language',
  'pubDate',
  'lastBuildDate',
  'dc:date',
];

/**
 * Extension elements of an item that rss-parser reads as custom fields and the mapping maps exactly as the sax
 * reader does; the fast path (rss-parser-fastpath.ts) accepts them for the same reason.
 */
export const MAPPED_EXTENSIONS = [
  'dcterms:issued',
  'dcterms:created',
  'dcterms:modified',
  'atom:updated',
  'dc:identifier',
  'prism:doi',
  'georss:point',
  'georss:elev',
  'geo:lat',
  'geo:long',
  'geo:Point',
  'gdacs:alertlevel',
  'gdacs:eventtype',
  'gdacs:eventid',
] as const;

/** Elements rss-parser does not map by itself; `keepArray` keeps every raw xml2js node (attributes too). */
const ITEM_FIELDS: (string | (string | { keepArray: boolean })[])[] = [
  ...MAPPED_EXTENSIONS,
  ['gdacs:severity', 'gdacs:severity', { keepArray: true }], // its unit/value attributes
  ['guid', 'raw:guid', { keepArray: true }],
  ...TEXT_FIELDS.map((f) => [f, `raw:${f}`, { keepArray: true }]),
  ['enclosure', 'raw:enclosure', { keepArray: true }],
  ['media:content', 'raw:media:content', { keepArray: true }],
  ['dc:subject', 'raw:dc:subject', { keepArray: true }],
  ['media:category', 'raw:media:category', { keepArray: true }],
];
const FEED_FIELDS: (string | (string | { keepArray: boolean })[])[] = [
  'dc:language',
  'dc:date',
  'dcterms:modified',
  ...TEXT_FIELDS.map((f) => [f, `raw:${f}`, { keepArray: true }]),
];

function newParser(): Parser {
  return new Parser({
    defaultRSS: 2,
    // rss-parser's typings allow only names for feed fields; its copyFromXML takes [from, to, opts] there too
    customFields: { item: ITEM_FIELDS, feed: FEED_FIELDS as string[] },
  });
}

/** rss-parser's reading of `text`, or null when it rejects (any reason: the sax reader then reads it). */
export async function runRssParser(text: string): Promise<RssParserFeed | null> {
  // rss-parser's contentSnippet runs /<(?:.|\n)*?>/ over every description: from each `<` it scans to the
  // next `>`, so a long stretch without `>` (escaped or CDATA text full of `<`) costs quadratic time.
  // Such documents are read by the sax reader alone.
  if (longestRunWithout(text, '>') > SNIPPET_SAFE_RUN) return null;
  try {
    const out = (await newParser().parseString(escapeBareAmpersands(text))) as unknown;
    return out !== null && typeof out === 'object' ? (out as RssParserFeed) : null;
  } catch {
    return null;
  }
}

/** Longest stretch without `>` that rss-parser's snippet regex may meet (a few ms at worst). */
const SNIPPET_SAFE_RUN = 16_384;

/** Length of the longest run of `text` containing no `ch` (linear). */
export function longestRunWithout(text: string, ch: string): number {
  let longest = 0;
  let from = 0;
  for (;;) {
    const at = text.indexOf(ch, from);
    const end = at < 0 ? text.length : at;
    if (end - from > longest) longest = end - from;
    if (at < 0) return longest;
    from = at + 1;
  }
}

/** The text of an xml2js value: a string, or an element's `_` text; anything else is not text. */
export function textOf(v: unknown): string | undefined {
  if (Array.isArray(v)) return textOf(v[0]);
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object') {
    const t = (v as { _?: unknown })._;
    if (typeof t === 'string') return t;
    // an element with attributes only (or only child elements): no text of its own
    return (v as { $?: unknown }).$ !== undefined && Object.keys(v).length === 1 ? '' : undefined;
  }
  return undefined;
}

/** An attribute of an xml2js element node (`$`), when it is a string. */
function attrOf(v: unknown, name: string): string | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const attrs = (v as { $?: unknown }).$;
  if (attrs === null || typeof attrs !== 'object') return undefined;
  const a =
    (attrs as Record<string, unknown>)[name] ?? (attrs as Record<string, unknown>)[name.toLowerCase()];
  return typeof a === 'string' ? a : undefined;
}

export const nodes = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** A plain-text field: undefined when absent, null when present but empty. */
function plain(v: unknown): string | null | undefined {
  const t = textOf(v);
  return t === undefined ? undefined : toPlainText(t) || null;
}

/** A sanitised HTML field: undefined when absent, null when present but empty. */
function html(v: unknown, base: string | null): string | null | undefined {
  const t = textOf(v);
  if (t === undefined) return undefined;
  const out = sanitizeHtml(t, { base });
  return out.length > 0 ? out : null;
}

/** The text of the first of `keys` present on an item or channel (even if empty, as the sax reader does). */
function firstText(o: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const t = textOf(o[k]);
    if (t !== undefined) return t;
  }
  return undefined;
}

/** A small element for the geo readers (geo.ts), built from rss-parser's custom fields. */
function geoElement(it: RssParserItem): XmlElement {
  const el = (key: string, raw: unknown): XmlElement => {
    const v = nodes(raw)[0];
    const attrs = new Map<string, string>();
    for (const a of ['unit', 'value']) {
      const s = attrOf(v, a);
      if (s !== undefined) attrs.set(a, s);
    }
    return { key, name: key, attrs, children: [textOf(v) ?? ''], base: null, lang: null };
  };
  const kids: XmlElement[] = [];
  for (const k of [
    'georss:point',
    'georss:elev',
    'geo:lat',
    'geo:long',
    'gdacs:alertlevel',
    'gdacs:eventtype',
    'gdacs:eventid',
    'gdacs:severity',
  ])
    if (it[k] !== undefined) kids.push(el(k, it[k]));
  const point = it['geo:Point'];
  if (point !== null && typeof point === 'object' && !Array.isArray(point)) {
    const p = point as Record<string, unknown>;
    const inner = ['geo:lat', 'geo:long'].filter((k) => p[k] !== undefined).map((k) => el(k, p[k]));
    kids.push({
      key: 'geo:point',
      name: 'geo:Point',
      attrs: new Map(),
      children: inner,
      base: null,
      lang: null,
    });
  }
  return { key: 'item', name: 'item', attrs: new Map(), children: kids, base: null, lang: null };
}

function mapEnclosures(it: RssParserItem, base: string | null): Enclosure[] {
  const out: Enclosure[] = [];
  for (const e of [...nodes(it['raw:enclosure']), ...nodes(it['raw:media:content'])]) {
    const url = safeLink(attrOf(e, 'url') ?? attrOf(e, 'rdf:resource'), base);
    if (!url) continue;
    const length = Number(attrOf(e, 'length') ?? attrOf(e, 'fileSize'));
    out.push({
      url,
      type: attrOf(e, 'type') ?? null,
      length: Number.isFinite(length) && length >= 0 ? length : null,
    });
  }
  return out;
}

/**
 * Maps one rss-parser item to a ParsedItem: `undefined` for a field rss-parser had nothing for, `null`
 * for one it had but that is unusable (see the rule table above). `base` is the document URL or the feed
 * link; `n` numbers the entry in warnings.
 */
export function mapRssParserItem(
  it: RssParserItem,
  ctx: ReadContext,
  base: string | null,
  n: number,
): ParsedItem {
  const where = `entry ${n}`;
  const guidText = cleanText(textOf(it.guid) ?? '');
  const about = textOf(it['rdf:about']);
  const guid = guidText || about || cleanText(textOf(it['dc:identifier']) ?? '') || undefined;
  const rawGuid = nodes(it['raw:guid'])[0];
  const permalink =
    guid && rawGuid !== undefined && attrOf(rawGuid, 'isPermaLink') !== 'false' && /^https?:\/\//i.test(guid)
      ? guid
      : undefined;
  const linkText = cleanText(textOf(it.link) ?? '') || permalink;
  const link = linkText === undefined ? undefined : safeLink(linkText, base);
  const published = firstText(it, 'pubDate', 'date', 'dcterms:issued', 'dcterms:created');
  const updated = firstText(it, 'atom:updated', 'dcterms:modified');
  const categories = uniq(
    [...nodes(it.categories), ...nodes(it['raw:dc:subject']), ...nodes(it['raw:media:category'])].map((c) =>
      cleanText(textOf(c) ?? ''),
    ),
  );
  const { geo, eventIds } = readGeo(geoElement(it));
  const doi = doiOf([textOf(it['prism:doi']) ?? '', textOf(it['dc:identifier']) ?? '', link ?? '']);
  return {
    guid,
    title: plain(it.title),
    link,
    published: published === undefined ? undefined : dateField(published, ctx, where),
    updated: updated === undefined ? undefined : dateField(updated, ctx, where),
    author: plain(it.author ?? it['dc:creator']),
    summary: html(it.content, base),
    content: html(it['content:encoded'], base),
    categories,
    enclosures: mapEnclosures(it, base),
    geo,
    eventIds: eventIds.length > 0 ? eventIds : undefined,
    doi: doi ?? undefined,
  };
}

/** Maps rss-parser's channel fields to FeedMeta (`undefined` = absent, as in {@link mapRssParserItem}). */
export function mapRssParserFeed(f: RssParserFeed, ctx: ReadContext): FeedMeta {
  const link = cleanText(textOf(f.link) ?? '');
  const language = cleanText(firstText(f, 'language', 'dc:language') ?? '');
  const updated = firstText(f, 'lastBuildDate', 'pubDate', 'dc:date', 'dcterms:modified');
  return {
    title: plain(f.title),
    link: link ? safeLink(link, ctx.url) : undefined,
    description: plain(f.description),
    language: language ? language.replace(/_/g, '-') : undefined,
    updated: updated === undefined ? undefined : dateField(updated, ctx, 'feed'),
  };
}

const absent = (v: unknown) => v === undefined || (Array.isArray(v) && v.length === 0);
const rebased = (el: XmlElement | undefined, ctx: ReadContext) => el !== undefined && el.base !== ctx.url;
const markup = (el: XmlElement | undefined) => el !== undefined && hasElements(el);

/** The rule table above, for one item: rss-parser's mapped item, corrected by the sax reader. */
function gapFill(rp: ParsedItem, sax: RssItemReader, ctx: ReadContext): ParsedItem {
  const e = sax.el;
  const pick = <K extends keyof ParsedItem>(k: K, useSax: boolean, read: () => ParsedItem[K]) =>
    useSax || absent(rp[k]) ? read() : rp[k];
  const link = pick('link', rebased(e.item, ctx), sax.link);
  const saxGeo = sax.geo();
  const saxCategories = sax.categories();
  const saxEnclosures = sax.enclosures();
  return {
    guid: pick('guid', false, sax.guid),
    title: pick('title', markup(e.title), sax.title),
    link,
    published: pick('published', false, sax.published),
    updated: pick('updated', false, sax.updated),
    author: pick('author', markup(e.author), sax.author),
    summary: pick('summary', markup(e.summary) || rebased(e.summary, ctx), sax.summary),
    content: pick('content', markup(e.content) || rebased(e.content, ctx), sax.content),
    categories: saxCategories.length > 0 ? saxCategories : rp.categories,
    enclosures: saxEnclosures.length > 0 ? saxEnclosures : rp.enclosures,
    geo: saxGeo.geo,
    eventIds: saxGeo.eventIds,
    doi: pick('doi', false, () => sax.doi(link ?? null)),
  };
}

/** Options of {@link readRssFamily}. */
export interface RssFamilyOptions {
  /** Correct rss-parser's fields with the sax reader (the rule table). Off only in tests. @defaultValue true */
  gapFill?: boolean;
  /** rss-parser's reading when already run (the fast path tried it); null when it rejected. */
  rp?: RssParserFeed | null;
}

/**
 * Reads an RSS 0.9x/2.0 or RSS 1.0 document: rss-parser, corrected field by field by the sax reader, or
 * the sax reader alone when rss-parser cannot read the document (see the top of this file).
 */
export async function readRssFamily(
  text: string,
  root: XmlElement,
  format: 'rss' | 'rdf',
  ctx: ReadContext,
  opts: RssFamilyOptions = {},
): Promise<{ feed: FeedMeta; items: ParsedItem[] }> {
  const saxOnly = () => (format === 'rss' ? readRss(root, ctx) : readRdf(root, ctx));
  const rp = opts.rp !== undefined ? opts.rp : await runRssParser(text);
  const rpItems = rp && Array.isArray(rp.items) ? (rp.items as unknown[]) : null;
  const { channel, entries } = rssEntries(root, format);
  if (!rp || !rpItems || rpItems.length !== entries.length || (format === 'rdf' && !channel))
    return saxOnly();
  const gap = opts.gapFill ?? true;

  const rpFeed = mapRssParserFeed(rp, ctx);
  let feed: FeedMeta = rpFeed;
  if (gap && channel) {
    const sax = rssFeedReader(channel, root, ctx);
    const pick = <K extends keyof FeedMeta>(k: K, useSax: boolean, read: () => FeedMeta[K]) =>
      useSax || rpFeed[k] === undefined ? read() : rpFeed[k];
    feed = {
      title: pick('title', markup(sax.el.title), sax.title),
      link: pick('link', rebased(channel, ctx), sax.link),
      description: pick('description', false, sax.description),
      language: pick('language', false, sax.language),
      updated: pick('updated', false, sax.updated),
    };
  }

  const fallback = validBase(ctx.url) ?? feed.link ?? null;
  const kept = capEntries(entries, ctx);
  const items = kept.map((el, i) => {
    const raw = rpItems[i];
    const it = raw !== null && typeof raw === 'object' ? (raw as RssParserItem) : {};
    const mapped = mapRssParserItem(it, ctx, fallback, i + 1);
    return gap ? gapFill(mapped, rssItemReader(el, ctx, fallback, i + 1), ctx) : mapped;
  });
  return { feed, items };
}
