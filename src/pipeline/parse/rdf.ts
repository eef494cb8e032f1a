/**
 * RSS 1.0 (RDF) and RSS 0.90 reader: `<rdf:RDF>` with `<channel>` and `<item>` as siblings. Field mapping
 * is shared with RSS 2.0 (rss.ts), including `dc:date`, `dc:creator`, `content:encoded` and `prism:doi`.
 */
import type { FeedMeta, ParsedItem } from '../types.js';
import { capEntries, type ReadContext } from './common.js';
import { readRssFeed, readRssItem, rssEntries } from './rss.js';
import { validBase } from './urls.js';
import type { XmlElement } from './xml.js';

/** Reads an `<rdf:RDF>` document with the sax reader. */
export function readRdf(root: XmlElement, ctx: ReadContext): { feed: FeedMeta; items: ParsedItem[] } {
  const { channel, entries } = rssEntries(root, 'rdf');
  const feed = channel ? readRssFeed(channel, root, ctx) : {};
  const fallback = validBase(ctx.url) ?? feed.link ?? null;
  const items = capEntries(entries, ctx).map((e, i) => readRssItem(e, ctx, fallback, i + 1));
  return { feed, items };
}
