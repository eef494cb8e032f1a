/**
 * Reading stories back on Redis for the API: filtered pages newest first, one story (merge-aware) and the
 * counts per topic, commodity and country (over all topics or one). Writes happen elsewhere
 * (src/store/redis-records.ts when a story is stored, src/store/story-edits.ts when editors merge or split).
 *
 * Pages. Every index is a sorted set of story ids scored by digest time (publishedAt, else fetchedAt): the time
 * index `rec:time`, one set per text token, per commodity and country tag, and one of the stories with a map
 * point. A page walks one of them newest first — the smallest of the sets the filters name, else the time index
 * — and keeps a story when every other named set holds it (ZMSCORE), its record still exists and it passes the
 * record-level filters (src/pipeline/search/record-filter.ts). Entries older than the retention window are never
 * read, whether or not a later write has trimmed them yet.
 *
 * The cursor is opaque to clients: base64url of `<digest time ms>:<story id>` of the last story a page
 * examined. The next page continues strictly after that position in the order (time descending, then story
 * id descending, Redis's order of equal scores); every index shares that order, so stories stored meanwhile
 * never shift a page and none is returned twice. A filtered page may hold fewer than `limit` stories (one
 * request examines at most {@link SCAN_MAX}); the end of the list is `next: null`.
 */
import type { Redis } from 'ioredis';
import { GeoError } from '../errors.js';
import {
  type CountWindow,
  HOUR_MS,
  type StoryCounts,
  sumCounts,
  windowHours,
} from '../pipeline/search/counts.js';
import { matchesFilter, type RecordFilter } from '../pipeline/search/record-filter.js';
import type { DigestRecord, DuplicateRef } from '../pipeline/types.js';
import { type RedisKeys, redisKeys } from './keys.js';

export interface RecordsQuery extends RecordFilter {
  cursor?: string;
  limit: number;
}

export interface RecordsPage {
  items: DigestRecord[];
  next: string | null;
}

/** A story as the API shows it: its record, and the id it was merged into when the id asked for was merged. */
export interface StoryView {
  record: DigestRecord;
  mergedInto?: string;
}

export interface CountsView extends StoryCounts {
  window: CountWindow;
  /** The topic the counts are of (absent: all topics). */
  topic?: string;
  /** Start of the oldest hour read (ISO-8601). */
  from: string;
  /** The instant the counts were read (ISO-8601). */
  to: string;
}

export interface RecordQueryStore {
  page(q: RecordsQuery): Promise<RecordsPage>;
  /** A story with its duplicates; for a merged story, the story it was merged into, with `mergedInto`. */
  story(storyId: string): Promise<StoryView | null>;
  /**
   * Relevant stories per topic, commodity and country with a digest time in the window's hours; with `topic`,
   * the stories streamed to that topic and their commodities and countries.
   */
  counts(window: CountWindow, topic?: string): Promise<CountsView>;
}

interface Position {
  t: number;
  id: string;
}

const SCAN_CHUNK = 200;
/** Stories one request examines at most (a sparse filter returns a short page with a cursor). */
export const SCAN_MAX = 5_000;

export function encodeCursor(p: Position): string {
  return Buffer.from(`${p.t}:${p.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(s: string): Position {
  const raw = /^[A-Za-z0-9_-]{1,400}$/.test(s) ? Buffer.from(s, 'base64url').toString('utf8') : '';
  const m = /^(\d{1,16}):([^\s]{1,200})$/.exec(raw);
  if (!m) throw new GeoError('INPUT_INVALID', 'cursor is not one this API returned');
  return { t: Number(m[1]), id: m[2]! };
}

/** Redis orders equal scores by member bytes. */
const compareIds = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** The sorted sets a query's filters name (each holds exactly the stories passing that filter). */
export function filterSets(keys: RedisKeys, q: RecordFilter): string[] {
  const sets = (q.tokens ?? []).map((t) => keys.textToken(t));
  if (q.commodity !== undefined) sets.push(keys.tagIndex('commodity', q.commodity));
  if (q.country !== undefined) sets.push(keys.tagIndex('country', q.country));
  if (q.bbox !== undefined) sets.push(keys.geoIndex());
  return [...new Set(sets)];
}

export interface RedisRecordQueryOptions {
  redis: Redis;
  prefix: string;
  /** Days a record is kept: older digest times are outside every answer. */
  recordDays: number;
  now?: () => number;
}

export function createRedisRecordQuery(opts: RedisRecordQueryOptions): RecordQueryStore {
  const { redis } = opts;
  const keys = redisKeys(opts.prefix);
  const now = opts.now ?? Date.now;

  /** Appends each story's later duplicates (as RecordStore.story does). */
  async function withDuplicates(records: DigestRecord[]): Promise<DigestRecord[]> {
    if (records.length === 0) return records;
    const p = redis.pipeline();
    for (const r of records) p.lrange(keys.storyDuplicates(r.storyId), 0, -1);
    const res = (await p.exec()) ?? [];
    return records.map((r, i) => {
      const [err, list] = res[i]!;
      if (err) throw err;
      const dups = (list as string[]).map((s) => JSON.parse(s) as DuplicateRef);
      return { ...r, duplicates: [...r.duplicates, ...dups] };
    });
  }

  /** Which of `ids` every set in `sets` holds. */
  async function inAll(sets: string[], ids: string[]): Promise<boolean[]> {
    const keep = ids.map(() => true);
    if (sets.length === 0 || ids.length === 0) return keep;
    const p = redis.pipeline();
    for (const set of sets) p.zmscore(set, ...ids);
    for (const [err, scores] of (await p.exec()) ?? []) {
      if (err) throw err;
      (scores as Array<string | null>).forEach((s, i) => {
        if (s === null) keep[i] = false;
      });
    }
    return keep;
  }

  return {
    async page(q) {
      const after = q.cursor === undefined ? null : decodeCursor(q.cursor);
      const horizon = now() - opts.recordDays * 86_400_000;
      const upper = q.toMs === undefined ? '+inf' : `(${q.toMs}`;
      const max = after && (q.toMs === undefined || after.t < q.toMs) ? String(after.t) : upper;
      const min = String(Math.max(q.fromMs ?? horizon, horizon));
      let driver = keys.storyTimes();
      let others: string[] = [];
      const sets = filterSets(keys, q);
      if (sets.length > 0) {
        const p = redis.pipeline();
        for (const s of sets) p.zcard(s);
        const cards = ((await p.exec()) ?? []).map(([err, n]) => {
          if (err) throw err;
          return Number(n);
        });
        if (cards.some((n) => n === 0)) return { items: [], next: null };
        const order = sets.map((s, i) => ({ s, n: cards[i]! })).sort((a, b) => a.n - b.n);
        driver = order[0]!.s;
        others = order.slice(1).map((o) => o.s);
      }
      const items: DigestRecord[] = [];
      let last: Position | null = null;
      let examined = 0;
      let offset = 0;
      let exhausted = false;
      while (items.length < q.limit && examined < SCAN_MAX && !exhausted) {
        const flat = await redis.zrevrangebyscore(
          driver,
          max,
          min,
          'WITHSCORES',
          'LIMIT',
          offset,
          SCAN_CHUNK,
        );
        const chunk: Position[] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) chunk.push({ id: flat[i]!, t: Number(flat[i + 1]) });
        offset += chunk.length;
        exhausted = chunk.length < SCAN_CHUNK;
        // Equal scores at the cursor: skip what earlier pages examined (ids at or above the cursor's).
        const fresh = chunk.filter((p) => !(after && p.t === after.t && compareIds(p.id, after.id) >= 0));
        const member = await inAll(
          others,
          fresh.map((p) => p.id),
        );
        const wanted = fresh.filter((_, i) => member[i]);
        const raw = wanted.length > 0 ? await redis.mget(...wanted.map((p) => keys.storyRecord(p.id))) : [];
        const json = new Map(wanted.map((p, i) => [p.id, raw[i]]));
        for (let i = 0; i < fresh.length; i++) {
          examined++;
          last = fresh[i]!;
          const text = json.get(last.id);
          // Absent: not in every named set, or a record past its TTL (or merged) whose entry a later write trims.
          if (text) {
            const r = JSON.parse(text) as DigestRecord;
            if (matchesFilter(r, q)) items.push(r);
          }
          if (items.length === q.limit || examined >= SCAN_MAX) {
            exhausted = exhausted && i === fresh.length - 1;
            break;
          }
        }
      }
      return {
        items: await withDuplicates(items),
        next: exhausted || last === null ? null : encodeCursor(last),
      };
    },

    async story(storyId) {
      const [own, target] = await redis.mget(keys.storyRecord(storyId), keys.storyMergedInto(storyId));
      const id = own || !target ? storyId : target;
      const json = own ?? (target ? await redis.get(keys.storyRecord(target)) : null);
      if (!json) return null;
      const [record] = await withDuplicates([JSON.parse(json) as DigestRecord]);
      return id === storyId ? { record: record! } : { record: record!, mergedInto: id };
    },

    async counts(window, topic) {
      const t = now();
      const hours = windowHours(window, t);
      const p = redis.pipeline();
      for (const h of hours) p.hgetall(keys.countsHour(h));
      const buckets = ((await p.exec()) ?? []).map(([err, h]) => {
        if (err) throw err;
        return h as Record<string, string>;
      });
      return {
        window,
        ...(topic === undefined ? {} : { topic }),
        from: new Date(hours[hours.length - 1]! * HOUR_MS).toISOString(),
        to: new Date(t).toISOString(),
        ...sumCounts(buckets, topic),
      };
    },
  };
}
