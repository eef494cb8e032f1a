import { isPlaceholderDate } from '../parse/dates.js';
import type { PublishedItem } from '../parse/json-feed.js';
import { cleanText, htmlToText } from '../parse/text.js';
import type { Item, ParseDocument, Warning } from '../types.js';
import { canonicalUrl } from './canonical-url.js';
import { identityKeys } from './identity.js';
import { truncateSummary } from './summary.js';

export { canonicalUrl, urlKey } from './canonical-url.js';
export { hashId, identityKeys } from './identity.js';
export { truncateSummary } from './summary.js';

export interface NormalizeContext {
  /** Source registry id the document came from. */
  sourceId: string;
  /** When the document was fetched (ISO-8601); the clock is an argument, never read here. */
  fetchedAt: string;
  /** Document URL, for resolving relative links when the feed gives none. */
  baseUrl?: string | null;
  /** The source's declared language (a hint; the language stage decides). */
  languageHint?: string;
  /** Items published longer ago than this are left out of the intake (a new source's archive). */
  maxItemAgeDays: number;
  /** A date further than this after `fetchedAt` is not believed: publishedAt becomes null. */
  futureToleranceHours: number;
  summaryMaxChars: number;
  /** Longest plain-text content kept for classification. */
  contentMaxChars?: number;
}

export interface NormalizeResult {
  items: Item[];
  /** One entry per dropped item or distrusted field, each with a stable code; `index` is the 0-based position
   * in the document, messages count entries from 1 as the parse stage does. */
  warnings: Array<Warning & { index: number }>;
}

/** A normalised item with the publisher its entry named (an extension the record stage reads). */
export type PublishedNormalItem = Item & { publisher?: string };

/** Longest title kept; a real headline is far shorter, a hostile one may be megabytes. */
const TITLE_MAX_CHARS = 500;

const DOI = /\b(10\.\d{4,9}\/[^\s"<>?#]+[^\s"<>?#.,;)])/;

/**
 * Turns a parse document into clean items: canonical URLs, plain text, bounded summaries, trusted dates and
 * stable ids. Pure: the fetch time and limits come in `ctx`.
 */
export function normalizeDocument(doc: ParseDocument, ctx: NormalizeContext): NormalizeResult {
  const base = doc.feed.link ?? ctx.baseUrl ?? null;
  const ids = identityKeys(doc.items, ctx.sourceId, base);
  const fetched = Date.parse(ctx.fetchedAt);
  const oldest = fetched - ctx.maxItemAgeDays * 86_400_000;
  const latest = fetched + ctx.futureToleranceHours * 3_600_000;
  const items: Item[] = [];
  const warnings: NormalizeResult['warnings'] = [];

  doc.items.forEach((raw, index) => {
    const summaryText = cleanText(htmlToText(raw.summary ?? raw.content ?? ''));
    const contentText = raw.content ? cleanText(htmlToText(raw.content)) : '';
    let title = cleanText(raw.title ?? '');
    if (Array.from(title).length > TITLE_MAX_CHARS) {
      warnings.push({
        index,
        code: 'TITLE_TRUNCATED',
        message: `entry ${index + 1}: title cut to ${TITLE_MAX_CHARS} characters`,
      });
      title = truncateSummary(title, TITLE_MAX_CHARS);
    }
    if (!title && summaryText) title = truncateSummary(summaryText, 120);
    const url = canonicalUrl(raw.link, base) ?? undefined;
    if (!title && !url) {
      warnings.push({
        index,
        code: 'ITEM_DROPPED_EMPTY',
        message: `entry ${index + 1}: no title, text or link`,
      });
      return;
    }

    // A placeholder (1970-01-01, 0001-01-01…) is no date: the entry's other date, else none.
    const dates = [raw.published, raw.updated].filter((d): d is string => !!d);
    const placeholder = dates.find((d) => isPlaceholderDate(d));
    let publishedAt: string | null = dates.find((d) => !isPlaceholderDate(d)) ?? null;
    if (placeholder && !publishedAt) {
      warnings.push({
        index,
        code: 'DATE_PLACEHOLDER',
        message: `entry ${index + 1}: date ${placeholder} is a placeholder, not a publication date; fetch time used`,
      });
    } else if (publishedAt) {
      const t = Date.parse(publishedAt);
      if (Number.isNaN(t)) {
        warnings.push({
          index,
          code: 'DATE_UNPARSEABLE',
          message: `entry ${index + 1}: date "${publishedAt}" not understood`,
        });
        publishedAt = null;
      } else if (t > latest) {
        warnings.push({
          index,
          code: 'DATE_IN_FUTURE',
          message: `entry ${index + 1}: date ${publishedAt} is more than ${ctx.futureToleranceHours} h after fetch; ignored`,
        });
        publishedAt = null;
      } else if (t < oldest) {
        warnings.push({
          index,
          code: 'ITEM_TOO_OLD',
          message: `entry ${index + 1}: published ${publishedAt}, older than ${ctx.maxItemAgeDays} days; left out`,
        });
        return;
      } else publishedAt = new Date(t).toISOString();
    } else {
      warnings.push({
        index,
        code: 'DATE_MISSING',
        message: `entry ${index + 1}: no usable date; fetch time used`,
      });
    }

    const doi = raw.doi ?? DOI.exec(raw.link ?? '')?.[1] ?? undefined;
    const item: Item = {
      id: ids[index]!,
      title,
      summary: truncateSummary(summaryText, ctx.summaryMaxChars),
      url,
      source: ctx.sourceId,
      publishedAt,
    };
    if (contentText && contentText !== summaryText) {
      item.content = truncateSummary(contentText, ctx.contentMaxChars ?? 5000);
    }
    if (ctx.languageHint) item.language = ctx.languageHint;
    if (raw.guid) item.guid = cleanText(raw.guid);
    if (doi) item.doi = doi.toLowerCase();
    if (raw.eventIds?.length) item.eventIds = [...raw.eventIds];
    if (raw.geo) item.geo = { ...raw.geo };
    if (raw.categories?.length) item.categories = raw.categories.map(cleanText).filter(Boolean);
    // The publisher a JSON entry names (json-feed.ts): cited when no registry entry claims the document.
    const publisher = (raw as PublishedItem).publisher;
    if (publisher) (item as PublishedNormalItem).publisher = cleanText(publisher);
    items.push(item);
  });
  return { items, warnings };
}
