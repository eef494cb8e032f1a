/**
 * Exact identity of an item: GUID, canonical URL, DOI, agency event ids (given, or read from well-known event
 * URLs) and normalised title within one source (only for items with no URL and no GUID). URLs are compared by
 * the project's one canonical form (`urlKey`, src/pipeline/normalize/canonical-url.ts, with its tracking-parameter
 * table). Keys are strings with a kind prefix (`g:`, `u:`, `d:`, `e:`, `t:`) so that a Redis-backed index can
 * store them as they are.
 */

import { urlKey } from '../normalize/canonical-url.js';
import type { Item } from '../types.js';
import { normalizeText } from './text.js';

const DOI = /\b10\.\d{4,9}\/[^\s"'<>]+/gi;

/** Normalised DOIs (lower case, trailing punctuation trimmed) from the doi field, the URL and the text. */
export function dois(item: Item): string[] {
  const out = new Set<string>();
  const add = (s: string | undefined, max: number) => {
    if (!s) return;
    let n = 0;
    for (const m of s.matchAll(DOI)) {
      out.add(
        decodeURIComponent(m[0])
          .toLowerCase()
          .replace(/[.,;:)\]]+$/, ''),
      );
      if (++n >= max) break;
    }
  };
  add(item.doi, 1);
  add(item.url, 1);
  add(item.summary, 2);
  add(item.content, 2);
  return [...out];
}

/** Event ids read from event-page URLs: GDACS reports, NRCan recent_eq pages, USGS event pages. */
export function urlEventIds(url: string | undefined): string[] {
  if (!url) return [];
  const out: string[] = [];
  const gdacs = /[?&]eventtype=(\w+)&(?:amp;)?eventid=(\d+)/i.exec(url);
  if (gdacs) out.push(`gdacs:${gdacs[1]!.toLowerCase()}:${gdacs[2]}`);
  const nrcan = /\/recent_eq\/\d{4}\/(\d{8}\.\d{4})\//.exec(url);
  if (nrcan) out.push(`nrcan:${nrcan[1]}`);
  const usgs = /earthquake\.usgs\.gov\/earthquakes\/eventpage\/([a-z0-9]+)/i.exec(url);
  if (usgs) out.push(usgs[1]!.toLowerCase());
  return out;
}

/** Every event id of an item (given ids, lower-cased, plus URL-derived ones). */
export function eventIds(item: Item): string[] {
  const ids = new Set<string>();
  for (const id of item.eventIds ?? []) if (id.trim()) ids.add(id.trim().toLowerCase());
  for (const id of urlEventIds(item.url)) ids.add(id);
  return [...ids];
}

/** Namespace of an event id: the part before the last `:` (`gdacs:tc`, `nrcan`), or `''` for bare ids. */
function namespace(id: string): string {
  const i = id.lastIndexOf(':');
  return i < 0 ? '' : id.slice(0, i);
}

/**
 * True when both sides carry event ids of one namespace and share none there: two different agency events,
 * which text similarity must never merge ("Drought is on going in Australia" twice).
 */
export function eventsConflict(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return false;
  const bs = new Set(b);
  if (a.some((id) => bs.has(id))) return false;
  const nb = new Set(b.map(namespace));
  return a.some((id) => nb.has(namespace(id)));
}

/**
 * Identity keys in priority order. GUIDs that are not URLs only identify within their source. The title key
 * (`t:`) is made only for an item with neither URL nor GUID: a recurring title ("Weekly Volcanic Activity
 * Report") under new URLs is a new item. The story index also bounds title-key and text matches in time
 * (`MAX_STORY_SPAN_MS`).
 */
/** Language markers in bilingual sites' URLs: a whole path segment (`/fr/`) or a name suffix (`index-fr.php`). */
const LANGUAGE_MARKER = /(\/|[-_.])(en|eng|fr|fra|fre|de|deu|es|pt|da|ja|zh)(?=\/|[-_.]|$)/gi;

/**
 * The language-neutral key of a URL on a bilingual site: its language markers replaced and its host mapped
 * through `hostAliases` (the French twin's host → the English one's, from the registry's `languageTwin`).
 * The English and French pages of one notice or release then share a key. Null when the URL has no marker.
 */
export function languageTwinKey(
  url: string | undefined,
  hostAliases?: ReadonlyMap<string, string>,
): string | null {
  const key = url ? urlKey(url) : null;
  if (!key) return null;
  const slash = key.indexOf('/');
  const host = slash < 0 ? key : key.slice(0, slash);
  const rest = slash < 0 ? '' : key.slice(slash);
  const neutral = rest.replace(LANGUAGE_MARKER, '$1*');
  if (neutral === rest) return null;
  return `${hostAliases?.get(host) ?? host}${neutral}`;
}

export function identityKeys(
  item: Item,
  events = eventIds(item),
  hostAliases?: ReadonlyMap<string, string>,
): string[] {
  const keys: string[] = events.map((e) => `e:${e}`);
  const source = item.source ?? '';
  if (item.guid?.trim()) {
    const g = item.guid.trim();
    const asUrl = /^https?:\/\//i.test(g) ? urlKey(g) : null;
    keys.push(asUrl ? `u:${asUrl}` : `g:${source}|${g}`);
  }
  const url = item.url ? urlKey(item.url) : null;
  if (url) keys.push(`u:${url}`);
  const twin = languageTwinKey(item.url, hostAliases);
  if (twin) keys.push(`x:${twin}`);
  for (const d of dois(item)) keys.push(`d:${d}`);
  if (item.url?.trim() || item.guid?.trim()) return [...new Set(keys)];
  const title = normalizeText(item.title)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  if (source && title.length >= 12) keys.push(`t:${source}|${title}`);
  return [...new Set(keys)];
}
