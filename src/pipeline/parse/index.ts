/**
 * The parse stage: bytes (+ optional URL and Content-Type) → one parse document (docs/contracts.md
 * "Parse document"). Pure: no network, no clock, no environment. Every failure is a `GeoError` with code
 * NOT_A_FEED (the bytes are not a feed or listing page) or PARSE_ERROR (refused or unreadable input);
 * recoverable problems are warnings with stable codes.
 */
import { GeoError, isGeoError } from '../../errors.js';
import type { FeedFormat, FeedMeta, ParseDocument, ParsedItem } from '../types.js';
import { readAtom } from './atom.js';
import { decodeBytes } from './charset.js';
import { finishItems, newContext, type ReadContext } from './common.js';
import { formatOfRoot, sniffSyntax } from './detect.js';
import { isGeoJson, readGeoJson } from './geojson.js';
import { type HtmlRule, readHtmlListing } from './html-listing.js';
import { isJsonFeed, isJsonItemList, readJsonFeed, readJsonItemList } from './json-feed.js';
import { looksLikeRss2, readRssParserOnly, rssParserSuffices } from './rss-parser-fastpath.js';
import { type RssParserFeed, readRssFamily, runRssParser } from './rss-parser-read.js';
import { validBase } from './urls.js';
import { parseXml } from './xml.js';

export type { HtmlRule } from './html-listing.js';

/** Options of {@link parseDocument}. */
export interface ParseOptions {
  /** Document URL: base for relative links. */
  url?: string;
  /** HTTP Content-Type (its charset is one of the decoding hints). */
  contentType?: string;
  /** Source kind from the registry; `html` forces the listing reader. @defaultValue 'auto' */
  kind?: 'rss' | 'atom' | 'rdf' | 'json' | 'geojson' | 'html' | 'auto';
  /** Listing rule for HTML pages. */
  html?: HtmlRule;
  /** Most entries read; the rest are reported as ITEMS_CAPPED. @defaultValue 1000 */
  maxItems?: number;
}

interface Read {
  format: FeedFormat;
  feed: FeedMeta;
  items: ParsedItem[];
}

function readJson(text: string, ctx: ReadContext): Read {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new GeoError('PARSE_ERROR', `invalid JSON: ${(err as Error).message}`);
  }
  if (isJsonFeed(doc)) return { format: 'json', ...readJsonFeed(doc, ctx) };
  if (isGeoJson(doc)) return { format: 'geojson', ...readGeoJson(doc, ctx) };
  if (isJsonItemList(doc)) return { format: 'json', ...readJsonItemList(doc, ctx) };
  throw new GeoError(
    'NOT_A_FEED',
    'JSON document is neither a JSON Feed (version jsonfeed.org), GeoJSON nor an array of entries with title and link',
  );
}

function readHtml(text: string, ctx: ReadContext, rule: HtmlRule | undefined): Read {
  const { feed, items, generic } = readHtmlListing(text, ctx, rule);
  if (items.length === 0) {
    if (generic) throw new GeoError('NOT_A_FEED', 'HTML page without a feed rule and no article-like links');
    ctx.warnings.push({ code: 'HTML_NO_ITEMS', message: 'the listing rule matched no items on this page' });
  }
  return { format: 'html', feed, items };
}

async function readXml(text: string, ctx: ReadContext, rule: HtmlRule | undefined): Promise<Read> {
  // Fast path: an RSS 0.9x/2.0 document rss-parser reads completely needs no sax tree (rss-parser-read.ts).
  let rp: RssParserFeed | null | undefined;
  if (looksLikeRss2(text)) {
    rp = await runRssParser(text);
    if (rp && rssParserSuffices(text, rp)) return { format: 'rss', ...readRssParserOnly(rp, ctx) };
  }
  const { root, warnings } = parseXml(text, { base: ctx.url });
  ctx.warnings.push(...warnings);
  const format = formatOfRoot(root.key);
  switch (format) {
    case 'rss':
    case 'rdf':
      return {
        format,
        ...(await readRssFamily(text, root, format, ctx, { rp: format === 'rss' ? rp : undefined })),
      };
    case 'atom':
      return { format, ...readAtom(root, ctx) };
    case 'html':
      return readHtml(text, ctx, rule);
    default:
      throw new GeoError(
        'NOT_A_FEED',
        `root element <${root.name.slice(0, 60)}> is not a feed (expected rss, feed, rdf:RDF or html)`,
      );
  }
}

function compactFeed(feed: FeedMeta): FeedMeta {
  const out: FeedMeta = {};
  for (const k of ['title', 'link', 'description', 'language', 'updated'] as const) {
    const v = feed[k];
    if (v !== undefined && v !== null && v !== '') out[k] = v;
  }
  return out;
}

/**
 * Parses a feed (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed, USGS GeoJSON) or an HTML listing page.
 * RSS 0.9x/2.0 and RSS 1.0 go through rss-parser with the sax reader covering its gaps
 * (rss-parser-read.ts); Atom through the sax reader (atom.ts).
 * @throws (rejects with) GeoError NOT_A_FEED or PARSE_ERROR (never any other error).
 */
export async function parseDocument(bytes: Uint8Array, opts: ParseOptions = {}): Promise<ParseDocument> {
  try {
    const maxItems = opts.maxItems ?? 1000;
    if (!Number.isInteger(maxItems) || maxItems < 0)
      throw new GeoError('PARSE_ERROR', 'maxItems must be ≥ 0');
    if (bytes.length === 0) throw new GeoError('NOT_A_FEED', 'empty document');
    const decoded = decodeBytes(bytes, opts.contentType);
    const ctx = newContext(validBase(opts.url), maxItems);
    ctx.warnings.push(...decoded.warnings);
    const kind = opts.kind ?? 'auto';
    const syntax = kind === 'html' ? 'html' : sniffSyntax(decoded.text, opts.contentType);
    if (syntax === null) throw new GeoError('NOT_A_FEED', 'document is neither XML, JSON nor HTML');
    const read =
      syntax === 'json'
        ? readJson(decoded.text, ctx)
        : syntax === 'html'
          ? readHtml(decoded.text, ctx, opts.html)
          : await readXml(decoded.text, ctx, opts.html);
    if (kind !== 'auto' && kind !== read.format) {
      ctx.warnings.push({
        code: 'FORMAT_MISMATCH',
        message: `source kind is ${kind} but the document is ${read.format}`,
      });
    }
    const items = finishItems(read.items, ctx);
    return {
      format: read.format,
      encoding: decoded.encoding,
      feed: compactFeed(read.feed),
      items,
      warnings: ctx.warnings,
    };
  } catch (err) {
    if (isGeoError(err)) throw err;
    const what = err instanceof RangeError ? 'input too deep or too large' : 'unexpected parser failure';
    const detail =
      err instanceof Error && typeof err.message === 'string'
        ? err.message.slice(0, 200)
        : 'non-error thrown';
    throw new GeoError('PARSE_ERROR', `${what}: ${detail}`, { cause: err });
  }
}
