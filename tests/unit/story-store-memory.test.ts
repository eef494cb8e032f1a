import { describe, expect, it } from 'vitest';
import { syntheticItems } from '../../src/bench/dedupe.js';
import { createStoryIndex } from '../../src/pipeline/dedupe/index.js';
import type { StoryAssignment } from '../../src/pipeline/types.js';
import { createMemoryStoryStore } from '../../src/store/memory-story-store.js';
import type { StoryRequest } from '../../src/store/types.js';

// Reworded re-posts from a relay, seen before their originals: text joins and canonical switches.
const requests: StoryRequest[] = syntheticItems(600, 3)
  .reverse()
  .map((item) => ({ item, meta: { relay: item.source === 'relay', sourceId: item.source } }));

async function inBatchesOf(n: number): Promise<{ out: StoryAssignment[]; size: number }> {
  const store = createMemoryStoryStore();
  const out: StoryAssignment[] = [];
  for (let i = 0; i < requests.length; i += n) out.push(...(await store.assign(requests.slice(i, i + n))));
  return { out, size: await store.size() };
}

describe('memory story store', () => {
  it('assigns exactly as the index does item by item, whatever the batches', async () => {
    const index = createStoryIndex();
    const expected = requests.map((r) => index.assign(r.item, r.meta));
    expect(expected.some((a) => a.canonicalId !== a.storyId)).toBe(true);
    for (const n of [1, 7, requests.length]) {
      const { out, size } = await inBatchesOf(n);
      expect(out).toEqual(expected);
      expect(size).toBe(index.size);
    }
  });

  it('an empty batch assigns nothing', async () => {
    expect(await createMemoryStoryStore().assign([])).toEqual([]);
  });
});
