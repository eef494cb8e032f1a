/**
 * The in-memory story store: the synchronous story index behind the async door (the CLI, unit tests, a single
 * process). Its assignments are exactly `createStoryIndex(opts).assign` item by item; the Redis store
 * (`redis-story-store.ts`) gives the same ones across processes.
 */
import { createStoryIndex, type StoryIndexOptions } from '../pipeline/dedupe/index.js';
import type { StoryStore } from './types.js';

export function createMemoryStoryStore(opts: StoryIndexOptions = {}): StoryStore {
  const index = createStoryIndex(opts);
  return {
    async assign(batch) {
      return batch.map((r) => index.assign(r.item, r.meta));
    },
    async size() {
      return index.size;
    },
  };
}
