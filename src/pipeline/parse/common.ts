/**
 * Shared item plumbing of the readers: the read context (base URL, warnings, cap), date fields with the
 * DATE_UNPARSEABLE warning, field length caps, and the final pass that drops empty entries.
 */
import type { ParsedItem, Warning } from '../types.js';
import { parseDate } from './dates.js';
import { cleanText } from './text.js';

/** Per-document state handed to every reader. */
export interface ReadContext {
  /** Document URL (absolute http(s)) or null. */
  url: string | null;
  maxItems: number;
  warnings: Warning[];
}

/** Longest title/author kept, in UTF-16 units. */
export const MAX_TEXT = 2_000;
/** Longest summary/content kept (after sanitising). */
export const MAX_HTML = 1_000_000;

/** Builds a fresh read context. */
export function newContext(url: string | null, maxItems: number): ReadContext {
  return { url, maxItems, warnings: [] };
}

/** Parses a date field; a non-empty value that does not parse adds a DATE_UNPARSEABLE warning. */
export function dateField(raw: string | null | undefined, ctx: ReadContext, where: string): string | null {
  if (raw === null || raw === undefined) return null;
  const trimmed = cleanText(raw);
  if (!trimmed) return null;
  const iso = parseDate(trimmed);
  if (iso === null) {
    ctx.warnings.push({
      code: 'DATE_UNPARSEABLE',
      message: `${where}: date ${JSON.stringify(trimmed.slice(0, 80))} not understood; left null`,
    });
  }
  return iso;
}

/** Truncates an over-long field with a FIELD_TRUNCATED warning. */
export function capField(
  value: string | null,
  limit: number,
  ctx: ReadContext,
  where: string,
): string | null {
  if (value === null || value.length <= limit) return value;
  ctx.warnings.push({
    code: 'FIELD_TRUNCATED',
    message: `${where}: ${value.length} characters cut to ${limit}`,
  });
  let cut = value.slice(0, limit);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut;
}

/** Applies the item cap to raw entries, reporting the remainder as ITEMS_CAPPED. */
export function capEntries<T>(entries: T[], ctx: ReadContext): T[] {
  if (entries.length <= ctx.maxItems) return entries;
  ctx.warnings.push({
    code: 'ITEMS_CAPPED',
    message: `${entries.length - ctx.maxItems} of ${entries.length} entries beyond the cap of ${ctx.maxItems} not read`,
  });
  return entries.slice(0, ctx.maxItems);
}

/** Removes null/undefined/empty-array fields so that absent stays absent. */
function compact(item: ParsedItem): ParsedItem {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) {
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out as ParsedItem;
}

/**
 * Final pass over read items: caps text fields, then drops entries that carry nothing usable (no title,
 * link, guid, summary or content) with an ITEM_DROPPED_EMPTY warning each. Entries with a summary but no
 * title or link are kept (RSS 2.0 allows description-only items) with ITEM_NO_TITLE_OR_LINK.
 */
export function finishItems(items: ParsedItem[], ctx: ReadContext): ParsedItem[] {
  const out: ParsedItem[] = [];
  items.forEach((raw, i) => {
    const where = `entry ${i + 1}`;
    const item: ParsedItem = {
      ...raw,
      title: capField(raw.title ?? null, MAX_TEXT, ctx, `${where} title`),
      author: capField(raw.author ?? null, MAX_TEXT, ctx, `${where} author`),
      summary: capField(raw.summary ?? null, MAX_HTML, ctx, `${where} summary`),
      content: capField(raw.content ?? null, MAX_HTML, ctx, `${where} content`),
    };
    if (!item.title && !item.link) {
      if (!item.guid && !item.summary && !item.content) {
        ctx.warnings.push({
          code: 'ITEM_DROPPED_EMPTY',
          message: `${where} has no title, link, id or text; dropped`,
        });
        return;
      }
      ctx.warnings.push({ code: 'ITEM_NO_TITLE_OR_LINK', message: `${where} has neither title nor link` });
    }
    out.push(compact(item));
  });
  return out;
}

/** Unique non-empty strings, order kept. */
export function uniq(values: (string | null | undefined)[]): string[] {
  const seen = new Set<string>();
  for (const v of values) if (v) seen.add(v);
  return [...seen];
}
