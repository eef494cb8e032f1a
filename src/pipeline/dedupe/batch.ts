/** Batch dedupe: assign stories in input order, then give every item its story's final canonical item. */
import type { Item, StoryAssignment } from '../types.js';
import { type AssignMeta, createStoryIndex, type StoryIndexOptions } from './story-index.js';

/** Options of {@link dedupeItems}: index options plus registry facts per item. */
export interface DedupeOptions extends StoryIndexOptions {
  /** Registry facts for an item (relay flag, source id); default none. */
  meta?: (item: Item) => AssignMeta | undefined;
}

/**
 * One {@link StoryAssignment} per item, same order. Unlike the incremental index, a relay item seen before
 * the originating agency's item gets the agency item as `canonicalId` too (the whole batch is known).
 */
export function dedupeItems(items: readonly Item[], opts: DedupeOptions = {}): StoryAssignment[] {
  const index = createStoryIndex(opts);
  const out = items.map((item) => index.assign(item, opts.meta?.(item)));
  const canonical = new Map<string, string>();
  for (const a of out) canonical.set(a.storyId, a.canonicalId);
  return out.map((a) => ({ ...a, canonicalId: canonical.get(a.storyId) ?? a.canonicalId }));
}
