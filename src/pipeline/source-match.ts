import type { SourceEntry } from '../config/sources-schema.js';

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
