/**
 * Which stored stories are queued for a machine draft (the record store the process worker writes through when a
 * backend is configured), and the drafts store's in-memory twin (issue 11).
 */
import { describe, expect, it } from 'vitest';
import { createMemoryDraftStore } from '../../src/store/drafts.js';
import { createMemoryRecordStore } from '../../src/store/memory-records.js';
import { draftingRecords } from '../../src/workers/translate.js';
import { dayRecords } from './digest-fixture-records.js';

describe('draftingRecords', () => {
  it('queues each relevant story not in Chinese once it is stored, and again when a re-run finds it stored', async () => {
    const records = createMemoryRecordStore();
    const queued: string[][] = [];
    const store = draftingRecords(records, async (ids) => {
      queued.push(ids);
    });
    const day = dayRecords();
    const zh = { ...day.find((r) => r.id === 'bgs-1')!, id: 'zh-1', storyId: 'zh-1', language: 'zh' };
    const batch = [...day, zh];
    const outcomes = await store.put(batch);
    expect(outcomes.filter((o) => o === 'emitted')).toHaveLength(8);
    // usgs-1 has an editor's titleZh, sd-1 is a duplicate, offtopic is not relevant, zh-1 is Chinese.
    expect(queued).toEqual([['nrcan-1', 'ga-1', 'bgs-1', 'gccsi-1', 'early', 'late']]);
    expect(await store.put(batch)).toEqual(batch.map(() => 'unchanged'));
    // A re-run knows an item was stored, not whether it opened its story: sd-1's story (usgs-1) is queued too,
    // and the job, which reads the stored story record (with the editor's titleZh), leaves it alone.
    expect(queued[1]).toEqual(['usgs-1', ...queued[0]!]);
    // The rest of the store is the store itself.
    expect((await store.story('ga-1'))?.id).toBe('ga-1');
    expect(await store.seen(['ga-1', 'nope'])).toEqual([true, false]);
  });
});

describe('the in-memory drafts store', () => {
  it('keeps one draft per story, replaced by the next, and answers in the order asked', async () => {
    const drafts = createMemoryDraftStore();
    const base = { backend: 'libretranslate' as const, from: 'en', at: '2026-01-01T00:00:00.000Z' };
    await drafts.put({
      ...base,
      storyId: 's1',
      titleZh: null,
      summaryZh: null,
      note: 'translation failed: TIMEOUT',
    });
    await drafts.put({ ...base, storyId: 's2', titleZh: '标题', summaryZh: '摘要' });
    await drafts.put({ ...base, storyId: 's1', titleZh: '地震', summaryZh: null });
    expect(await drafts.getDrafts(['s2', 'none', 's1'])).toEqual([
      { ...base, storyId: 's2', titleZh: '标题', summaryZh: '摘要' },
      null,
      { ...base, storyId: 's1', titleZh: '地震', summaryZh: null },
    ]);
    expect(await drafts.getDrafts([])).toEqual([]);
  });
});
