/** The in-memory twin of the Redis record store: same outcomes, same stream semantics, one process. */
import type { DigestRecord, DuplicateRef } from '../pipeline/types.js';
import { digestTime, streamTopics } from './redis-records.js';
import type { PutOutcome, RecordStore, StreamEntry } from './types.js';

export function createMemoryRecordStore(opts: { streamMaxLen?: number } = {}): RecordStore {
  const maxLen = opts.streamMaxLen ?? 10_000;
  const seen = new Set<string>();
  const stories = new Map<string, DigestRecord>();
  const duplicates = new Map<string, DuplicateRef[]>();
  const streams = new Map<string, StreamEntry[]>();
  let seq = 0;

  const append = (topic: string, record: DigestRecord) => {
    const list = streams.get(topic) ?? [];
    list.push({ id: `${++seq}-0`, record });
    if (list.length > maxLen) list.splice(0, list.length - maxLen);
    streams.set(topic, list);
  };
  const withDuplicates = (r: DigestRecord): DigestRecord => ({
    ...r,
    duplicates: [...r.duplicates, ...(duplicates.get(r.storyId) ?? [])],
  });
  const seqOf = (id: string) => Number(id.split('-')[0]);

  return {
    async put(records) {
      return records.map((r): PutOutcome => {
        if (seen.has(r.id)) return 'unchanged';
        seen.add(r.id);
        if (stories.has(r.storyId)) {
          const dup: DuplicateRef = { id: r.id, sourceId: r.source.id, ...(r.url ? { url: r.url } : {}) };
          duplicates.set(r.storyId, [...(duplicates.get(r.storyId) ?? []), dup]);
          return 'duplicate';
        }
        stories.set(r.storyId, r);
        if (!r.relevant) return 'stored';
        append('all', r);
        for (const t of streamTopics(r)) append(t, r);
        return 'emitted';
      });
    },
    async seen(ids) {
      return ids.map((id) => seen.has(id));
    },
    async story(storyId) {
      const r = stories.get(storyId);
      return r ? withDuplicates(r) : null;
    },
    async storiesBetween(fromMs, toMs) {
      return [...stories.values()]
        .filter((r) => digestTime(r) >= fromMs && digestTime(r) < toMs)
        .map(withDuplicates);
    },
    async readStream(topic, afterId = '0', count = 100) {
      const after = seqOf(afterId);
      return (streams.get(topic) ?? []).filter((e) => seqOf(e.id) > after).slice(0, count);
    },
  };
}
