/**
 * The fast path of the RSS reader: when rss-parser's reading of an RSS 0.9x/2.0 document is complete (nothing
 * the sax reader would read differently), the document is mapped from rss-parser alone and no sax tree is
 * built. The rule table of what rss-parser covers is in rss-parser-read.ts.
 */
import type { FeedMeta, ParsedItem } from '../types.js';
import { capEntries, type ReadContext } from './common.js';
import {
  MAPPED_EXTENSIONS,
  mapRssParserFeed,
  mapRssParserItem,
  nodes,
  type RssParserFeed,
  type RssParserItem,
  TEXT_FIELDS,
  textOf,
} from './rss-parser-read.js';
import { cleanText } from './text.js';
import { validBase } from './urls.js';
import { nsPrefix } from './xml.js';

/**
 * Written element names rss-parser's mapping reads exactly as the sax reader does (same element, same
 * precedence), or that neither reads. Case matters: xml2js keeps names as written, the sax reader
 * lower-cases them (`<pubdate>` is read by the sax reader only).
 */
const COMPLETE = new Set([
  'rss',
  'channel',
  'item',
  ...TEXT_FIELDS,
  'guid',
  'category',
  'enclosure',
  ...MAPPED_EXTENSIONS,
  'gdacs:severity',
  // mapped too, but the sax reader keeps document order across these: at most one kind per document
  'dc:subject',
  'media:category',
  'media:content',
  // read by neither (channel furniture, thumbnails)
  'image',
  'url',
  'width',
  'height',
  'ttl',
  'docs',
  'copyright',
  'generator',
  'webMaster',
  'managingEditor',
  'comments',
  'source',
  'skipHours',
  'skipDays',
  'hour',
  'day',
  'rating',
  'cloud',
  'textInput',
  'name',
  'media:thumbnail',
  'media:credit',
  'georss:where',
  'georss:line',
  'georss:polygon',
  'georss:box',
]);
/** Element kinds whose values the sax reader interleaves in document order and rss-parser groups by name. */
const ORDERED = [
  ['category', 'dc:subject', 'media:category'],
  ['enclosure', 'media:content'],
];
/** Key prefixes (xml.ts) of namespaces the sax reader reads elements from. */
const READ_PREFIXES = new Set([
  'dc',
  'dcterms',
  'content',
  'georss',
  'geo',
  'gdacs',
  'media',
  'itunes',
  'prism',
  'xhtml',
  'atom',
  'rss1',
  'rdf',
]);

const isPlain = (v: unknown) => nodes(v).every((n) => typeof n === 'string');

/**
 * True when the sax reader could add nothing to rss-parser's reading of this RSS 0.9x/2.0 document, so
 * `readRssFamily` may skip the sax tree (the gap fill would be the identity; checked over the whole
 * feedparser corpus in tests/unit/parse-rss-parser.test.ts). Conservative: no DOCTYPE, no xml:base or
 * xml:lang, only known element names under their canonical prefixes, no default namespace other than
 * RSS 2.0's, every text field a plain string (no markup, no attributes), every `<item>` one rss-parser
 * mapped, and `atom:link` only where a `<link>` has text (the sax reader falls back to it).
 */
export function rssParserSuffices(text: string, rp: RssParserFeed): boolean {
  const items = Array.isArray(rp.items) ? (rp.items as unknown[]) : null;
  if (!items || /<!DOCTYPE|\bxml:(base|lang)\b/i.test(text)) return false;
  const body = text.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, '');
  const declared = new Map<string, string>();
  for (const m of body.matchAll(/\bxmlns(?::([\w.-]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    const prefix = m[1] ?? '';
    const uri = m[2] ?? m[3] ?? '';
    if (declared.has(prefix) && declared.get(prefix) !== uri) return false;
    declared.set(prefix, uri);
    if (nsPrefix(uri, prefix) !== prefix.toLowerCase() || (prefix && nsPrefix(uri, prefix) !== prefix))
      return false;
  }
  let itemTags = 0;
  let atomLink = false;
  const seen = new Set<string>();
  for (const m of body.matchAll(/<([A-Za-z_][\w.:-]*)/g)) {
    const name = m[1]!;
    if (name === 'item') itemTags++;
    seen.add(name);
    if (COMPLETE.has(name)) continue;
    if (name === 'atom:link') {
      atomLink = true;
      continue;
    }
    const colon = name.indexOf(':');
    if (colon < 0) return false;
    const prefix = name.slice(0, colon);
    if (
      !declared.has(prefix) ||
      (READ_PREFIXES.has(prefix) && !(prefix === 'gdacs' && !COMPLETE.has(name.toLowerCase())))
    )
      return false;
  }
  if (itemTags !== items.length) return false;
  if (ORDERED.some((kinds) => kinds.filter((k) => seen.has(k)).length > 1)) return false;
  const textOk = (o: Record<string, unknown>) =>
    TEXT_FIELDS.every((f) => isPlain(o[`raw:${f}`])) && (!atomLink || cleanText(textOf(o.link) ?? '') !== '');
  return (
    textOk(rp) && items.every((it) => it !== null && typeof it === 'object' && textOk(it as RssParserItem))
  );
}

/** rss-parser's reading alone (see {@link rssParserSuffices}). */
export function readRssParserOnly(
  rp: RssParserFeed,
  ctx: ReadContext,
): { feed: FeedMeta; items: ParsedItem[] } {
  const feed = mapRssParserFeed(rp, ctx);
  const fallback = validBase(ctx.url) ?? feed.link ?? null;
  const all = Array.isArray(rp.items) ? (rp.items as unknown[]) : [];
  const items = capEntries(all, ctx).map((raw, i) =>
    mapRssParserItem(
      raw !== null && typeof raw === 'object' ? (raw as RssParserItem) : {},
      ctx,
      fallback,
      i + 1,
    ),
  );
  return { feed, items };
}

/** The root of an RSS 0.9x/2.0 document, told from the text (rss-parser's fast path is tried on these only). */
export function looksLikeRss2(text: string): boolean {
  return /^(?:\uFEFF)?\s*(?:<\?[\s\S]*?\?>\s*|<!--[\s\S]*?-->\s*)*<rss[\s>]/.test(text.slice(0, 4096));
}
