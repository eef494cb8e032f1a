import { createHash } from 'node:crypto';
import type { ParsedItem } from '../types.js';
import { urlKey } from './canonical-url.js';

/** Short, stable, Redis- and BullMQ-safe id (no `:`, never all digits): base32-ish hex of a SHA-256. */
export function hashId(...parts: string[]): string {
  return `i${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 20)}`;
}

/**
 * Identity key of each item of one document: GUID|URL when the entry has both, else the GUID, else the URL,
 * else title + summary. Taking both when both exist keeps the key independent of the other entries (an
 * item's id must not change because a neighbour starts sharing its GUID) and keeps feeds that give every
 * entry the same GUID apart (Miniflux's rule). Keys are scoped by source, so two feeds sharing a GUID stay
 * two items; the dedupe stage links them into one story.
 */
export function identityKeys(items: readonly ParsedItem[], sourceId: string, base?: string | null): string[] {
  const seen = new Map<string, number>();
  return items.map((it) => {
    const guid = it.guid?.trim();
    const url = urlKey(it.link, base);
    let key: string;
    if (guid && url) key = `guid:${guid}|url:${url}`;
    else if (guid) key = `guid:${guid}`;
    else if (url) key = `url:${url}`;
    else
      key = `text:${(it.title ?? '').trim().toLowerCase()}|${(it.summary ?? it.content ?? '').slice(0, 500)}`;
    // Still colliding (same GUID and URL, or same text): number the repeats so no entry is silently lost.
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return hashId(sourceId, n === 0 ? key : `${key}#${n}`);
  });
}
