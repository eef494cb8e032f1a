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

/** A registry entry made up for a document no entry claims: id and name from its host. */
export function deriveSource(link: string | null | undefined, fallbackName: string): SourceEntry {
  const host = hostOf(link);
  const id =
    (host ?? fallbackName)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'unknown';
  return {
    id,
    name: host ?? fallbackName,
    shortName: host ?? fallbackName,
    url: link && hostOf(link) ? link : `https://${id}.invalid/`,
    kind: 'auto',
    timeZone: 'UTC',
    pollEvery: '1h',
    enabled: false,
    relay: false,
    events: false,
    hosts: [],
    topicHints: [],
  };
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
