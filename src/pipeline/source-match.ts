import type { SourceEntry } from '../config/sources-schema.js';
import type { ParseDocument } from './types.js';

function hostOf(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname.toLowerCase().replace(/^www\./, '');
  } catch {
    return null;
  }
}

/**
 * Finds the registry entry a document belongs to: by id when given, else by the host of the feed's own link
 * (or the document URL) against each entry's url, homepage and extra hosts. A host shared by several entries
 * (USGS news and earthquakes) is decided by the longest matching URL prefix.
 */
export function matchSource(
  sources: readonly SourceEntry[],
  by: { id?: string; links?: Array<string | null | undefined> },
): SourceEntry | undefined {
  if (by.id) return sources.find((s) => s.id === by.id);
  for (const link of by.links ?? []) {
    const host = hostOf(link);
    if (!host) continue;
    const candidates = sources.filter((s) =>
      [
        hostOf(s.url),
        hostOf(s.homepage),
        ...s.hosts.map((h) => h.toLowerCase().replace(/^www\./, '')),
      ].includes(host),
    );
    if (candidates.length === 0) continue;
    const prefix = (s: SourceEntry) =>
      Math.max(
        ...[s.url, s.homepage ?? ''].map((u) => (u && link!.startsWith(u.replace(/\/$/, '')) ? u.length : 0)),
      );
    return [...candidates].sort((a, b) => prefix(b) - prefix(a) || Number(b.enabled) - Number(a.enabled))[0];
  }
  return undefined;
}

/** Sources {@link deriveSource} made up: their records cite each item's own publisher where it names one. */
const DERIVED = new WeakSet<object>();

/** True for an entry {@link deriveSource} made up (no registry entry claims its document). */
export function isDerivedSource(source: object): boolean {
  return DERIVED.has(source);
}

/** A file name or path, or a URL: never a publisher's name. */
function looksLikePath(s: string): boolean {
  return (
    /^(\.{0,2}[\\/]|~|[a-z]:[\\/]|[a-z][a-z0-9+.-]*:\/\/|file:)/i.test(s) ||
    /\.(xml|rss|atom|rdf|json|jsonl|geojson|html?|txt|md)$/i.test(s) ||
    (/[\\/]/.test(s) && !/\s/.test(s))
  );
}

/**
 * A registry entry made up for a document no entry claims. Its name is the feed's title (`title`, when it is
 * not a file path or URL, as callers pass the input argument when the feed has no title), else the host of
 * `link`, else "unknown source" — never a path. Records of its items cite the item's own publisher where the
 * item names one (record.ts).
 */
export function deriveSource(link: string | null | undefined, title: string): SourceEntry {
  const host = hostOf(link);
  const feedTitle =
    title && !looksLikePath(title.trim()) ? title.replace(/\s+/g, ' ').trim().slice(0, 200) : '';
  const name = feedTitle || host || 'unknown source';
  const id =
    (host ?? feedTitle)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'unknown';
  const source: SourceEntry = {
    id,
    name,
    shortName: name,
    url: link && host ? link : `https://${id}.invalid/`,
    kind: 'auto',
    timeZone: 'UTC',
    pollEvery: '1h',
    enabled: false,
    publishes: 'agency',
    hosts: [],
    topicHints: [],
  };
  DERIVED.add(source);
  return source;
}

/**
 * Reads a document with its registry entry's rule: the entry named by `id`, else the one the URL belongs to,
 * else the one the document's own link names — then read again when that entry has a listing rule. A
 * document no entry claims gets a source derived from its host. `parse` reads the bytes with an entry's rule.
 */
export async function parseWithRegistry(
  sources: readonly SourceEntry[],
  by: { id?: string; url?: string; fallbackName: string },
  parse: (source?: SourceEntry) => Promise<ParseDocument>,
): Promise<{ doc: ParseDocument; source: SourceEntry }> {
  const known = by.id ? matchSource(sources, { id: by.id }) : matchSource(sources, { links: [by.url] });
  let doc = await parse(known);
  let source = known ?? matchSource(sources, { links: [doc.feed.link] });
  if (!known && source?.html && doc.format === 'html') doc = await parse(source);
  source ??= deriveSource(by.url ?? doc.feed.link, doc.feed.title ?? by.fallbackName);
  return { doc, source };
}
