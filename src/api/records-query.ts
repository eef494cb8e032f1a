/**
 * `GET /v1/records`: stories newest first by digest time (publishedAt, else fetchedAt), read from the
 * `rec:time` index, filtered, a page at a time.
 *
 * The cursor is opaque to clients: base64url of `<digest time ms>:<story id>` of the last story a page
 * examined. The next page continues strictly after that position in the order (time descending, then story
 * id descending, Redis's order of equal scores), so stories stored meanwhile never shift a page and none is
 * returned twice. A filtered page may hold fewer than `limit` stories (one request examines at most
 * {@link SCAN_MAX}); the end of the list is `next: null`.
 */
import type { Redis } from 'ioredis';
import { GeoError } from '../errors.js';
import type { DigestRecord, DuplicateRef } from '../pipeline/types.js';
import type { RedisKeys } from '../store/keys.js';

export interface RecordsQuery {
  topic?: string;
  source?: string;
  language?: string;
  /** Inclusive lower bound, ms. */
  fromMs?: number;
  /** Exclusive upper bound, ms. */
  toMs?: number;
  cursor?: string;
  limit: number;
}

export interface RecordsPage {
  items: DigestRecord[];
  next: string | null;
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

/** `YYYY-MM-DD` (UTC midnight) or an ISO-8601 instant, as ms. */
export function parseInstant(s: string, field: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(s)
    ? Date.parse(`${s}T00:00:00Z`)
    : /^\d{4}-\d{2}-\d{2}T/.test(s)
      ? Date.parse(s)
      : Number.NaN;
  if (!Number.isFinite(ms))
    throw new GeoError('INPUT_INVALID', `${field} must be YYYY-MM-DD or an ISO-8601 instant`);
  return ms;
}

/** Redis orders equal scores by member bytes. */
const compareIds = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function matches(r: DigestRecord, q: RecordsQuery): boolean {
  if (q.topic !== undefined && !(r.relevant && r.topics.some((t) => t.id === q.topic))) return false;
  if (q.source !== undefined && r.source.id !== q.source) return false;
  if (q.language !== undefined && r.language !== q.language) return false;
  return true;
}

/** Appends each story's later duplicates (as RecordStore.story does). */
export async function withDuplicates(
  redis: Redis,
  keys: RedisKeys,
  records: DigestRecord[],
): Promise<DigestRecord[]> {
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

export async function queryRecords(redis: Redis, keys: RedisKeys, q: RecordsQuery): Promise<RecordsPage> {
  const after = q.cursor === undefined ? null : decodeCursor(q.cursor);
  const upper = q.toMs === undefined ? '+inf' : `(${q.toMs}`;
  const max = after && (q.toMs === undefined || after.t < q.toMs) ? String(after.t) : upper;
  const min = q.fromMs === undefined ? '-inf' : String(q.fromMs);
  const items: DigestRecord[] = [];
  let last: Position | null = null;
  let examined = 0;
  let offset = 0;
  let exhausted = false;
  while (items.length < q.limit && examined < SCAN_MAX && !exhausted) {
    const flat = await redis.zrevrangebyscore(
      keys.storyTimes(),
      max,
      min,
      'WITHSCORES',
      'LIMIT',
      offset,
      SCAN_CHUNK,
    );
    const page: Position[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) page.push({ id: flat[i]!, t: Number(flat[i + 1]) });
    offset += page.length;
    exhausted = page.length < SCAN_CHUNK;
    // Equal scores at the cursor: skip what earlier pages examined (ids at or above the cursor's).
    const fresh = page.filter((p) => !(after && p.t === after.t && compareIds(p.id, after.id) >= 0));
    const raw = fresh.length > 0 ? await redis.mget(...fresh.map((p) => keys.storyRecord(p.id))) : [];
    for (let i = 0; i < fresh.length; i++) {
      examined++;
      last = fresh[i]!;
      const json = raw[i];
      // A record past its TTL whose time entry the next trim removes.
      if (json) {
        const r = JSON.parse(json) as DigestRecord;
        if (matches(r, q)) items.push(r);
      }
      if (items.length === q.limit || examined >= SCAN_MAX) {
        exhausted = exhausted && i === fresh.length - 1;
        break;
      }
    }
  }
  return {
    items: await withDuplicates(redis, keys, items),
    next: exhausted || last === null ? null : encodeCursor(last),
  };
}
