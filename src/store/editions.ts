/**
 * Editions of the bulletin, one per digest date: the stories editors accepted (with their edits and section),
 * the editors' order of each section, and the status — a draft until an editor publishes it as the final
 * edition with the bulletin's next issue number and a frozen snapshot of the digest.
 *
 * Keys (src/store/keys.ts, docs/redis.md), per bulletin id (`main`: one bulletin today; a second one would
 * have its own editions and its own issue counter):
 * - `<prefix>:edition:<bulletin>:<date>` hash: `status` (draft|published), `v` (version: +1 at every change),
 *   `issue`, `publishedAt`, `publishedBy`, `e:<storyId>` (the AcceptedEntry JSON), `o:<section>` (JSON array
 *   of the section's story ids in the editors' order).
 * - `<prefix>:edition:<bulletin>:<date>:final`: the digest JSON frozen at publication.
 * - `<prefix>:edition:<bulletin>:placed` hash: story id → date of the edition that holds it.
 * - `<prefix>:edition:<bulletin>:published` sorted set: published dates scored YYYYMMDD (the archive).
 * - `<prefix>:edition:<bulletin>:issue`: the issue counter.
 *
 * Every change is one Lua script that checks the status it relies on: a place never lands in an edition that
 * a concurrent publish has just frozen (it moves on to the next unpublished date), and a publish whose
 * snapshot was built from an older version of the edition is refused and rebuilt, so no accepted story is
 * lost between the two.
 */
import type { Redis } from 'ioredis';
import { GeoError } from '../errors.js';
import type { Digest } from '../pipeline/digest/build.js';
import { addDays, parseDay } from '../pipeline/digest/zoned.js';
import { redisKeys } from './keys.js';
import type { AcceptedEntry, EditionPlacer } from './types.js';

/** The bulletin there is today. */
export const DEFAULT_BULLETIN = 'main';

export type EditionStatus = 'draft' | 'published';

/** An edition as editors see it. An edition nobody touched is an empty draft at version 0. */
export interface EditionState {
  date: string;
  status: EditionStatus;
  /** +1 at every change (place, reorder, remove, publish); a publish may name the version it reviewed. */
  version: number;
  /** The accepted entries, by section in the editors' order (sections in no particular order). */
  entries: AcceptedEntry[];
  /** Section (topic id) → story ids in the editors' order. */
  order: Record<string, string[]>;
  issue: number | null;
  publishedAt: string | null;
  publishedBy: string | null;
}

/** A published edition: its issue and the digest frozen at publication. */
export interface FinalEdition {
  date: string;
  issue: number;
  publishedAt: string;
  publishedBy: string;
  digest: Digest;
}

/** One line of the archive. */
export interface ArchiveEntry {
  date: string;
  issue: number;
  publishedAt: string;
  publishedBy: string;
}

export interface PublishOptions {
  /** Token holder who publishes, and when (ISO-8601). */
  by: string;
  at: string;
  /** Refuse (EDITION_CHANGED) unless the edition is still at this version; absent: rebuild and retry. */
  expectVersion?: number;
  /** Builds the digest to freeze from the edition's state, with the issue number it will carry. */
  build: (state: EditionState, issue: number) => Promise<Digest>;
}

export interface EditionStore extends EditionPlacer {
  get(date: string): Promise<EditionState>;
  /** Sets the order of a section: `storyIds` must be a permutation of its items (else INPUT_INVALID). */
  reorder(date: string, section: string, storyIds: readonly string[]): Promise<{ before: string[] }>;
  /** Removes an accepted story from a draft; returns its entry (NOT_FOUND when the edition does not hold it). */
  remove(date: string, storyId: string): Promise<AcceptedEntry>;
  /**
   * Moves an accepted story of a draft to another section (appended to it), edits kept, in one step: NOT_FOUND
   * when the edition does not hold it (a concurrent remove wins), EDITION_PUBLISHED once published. Returns the
   * section it was in and the edition's version after the move.
   */
  move(date: string, storyId: string, section: string): Promise<{ before: string; version: number }>;
  /** Publishes the edition with the next issue number (EDITION_PUBLISHED twice, EDITION_EMPTY with no items). */
  publish(date: string, opts: PublishOptions): Promise<{ date: string; issue: number; publishedAt: string }>;
  /** The published edition of a date, or null. */
  final(date: string): Promise<FinalEdition | null>;
  /** Published editions, newest date first, before `before` (exclusive) when given. */
  archive(opts: { limit: number; before?: string }): Promise<ArchiveEntry[]>;
  /** The last issue number given (0 before the first publication). */
  lastIssue(): Promise<number>;
}

/** How often a step is retried when a concurrent change moved what it relied on. */
const MAX_ATTEMPTS = 50;

/** Lua helpers over a section's order (`o:<section>`, a JSON array) in the hash KEYS[k]. */
const ORDER_LUA = `
local function orderOf(k, section)
  local raw = redis.call('HGET', KEYS[k], 'o:' .. section)
  if raw then return cjson.decode(raw) end
  return {}
end
local function setOrder(k, section, list)
  if #list == 0 then
    redis.call('HDEL', KEYS[k], 'o:' .. section)
  else
    redis.call('HSET', KEYS[k], 'o:' .. section, cjson.encode(list))
  end
end
local function removeFrom(k, section, id)
  local out = {}
  for _, x in ipairs(orderOf(k, section)) do
    if x ~= id then out[#out + 1] = x end
  end
  setOrder(k, section, out)
end
local function appendTo(k, section, id)
  local list = orderOf(k, section)
  for _, x in ipairs(list) do
    if x == id then return end
  end
  list[#list + 1] = id
  setOrder(k, section, list)
end
`;

/**
 * KEYS: placed hash, target edition, holder edition (the target when the story is in none).
 * ARGV: story id, target date, holder date ('' for none), entry JSON, section.
 * Returns {'ok', date} | {'retry', ''} (the holder or the target changed meanwhile) | {'published', holder}.
 */
const PLACE_LUA = `${ORDER_LUA}
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if (cur or '') ~= ARGV[3] then return {'retry', ''} end
local field = 'e:' .. ARGV[1]
if ARGV[3] ~= '' then
  if redis.call('HGET', KEYS[3], 'status') == 'published' then return {'published', ARGV[3]} end
  local old = redis.call('HGET', KEYS[3], field)
  if old then
    local was = cjson.decode(old).section
    if was ~= ARGV[5] then removeFrom(3, was, ARGV[1]) end
  end
  appendTo(3, ARGV[5], ARGV[1])
  redis.call('HSET', KEYS[3], field, ARGV[4])
  redis.call('HINCRBY', KEYS[3], 'v', 1)
  return {'ok', ARGV[3]}
end
if redis.call('HGET', KEYS[2], 'status') == 'published' then return {'retry', ''} end
redis.call('HSETNX', KEYS[2], 'status', 'draft')
appendTo(2, ARGV[5], ARGV[1])
redis.call('HSET', KEYS[2], field, ARGV[4])
redis.call('HINCRBY', KEYS[2], 'v', 1)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {'ok', ARGV[2]}
`;

/**
 * KEYS: edition. ARGV: section, new order (JSON array of story ids).
 * Returns {'ok', before} | {'mismatch', before} | {'published', ''}.
 */
const REORDER_LUA = `${ORDER_LUA}
if redis.call('HGET', KEYS[1], 'status') == 'published' then return {'published', ''} end
local before = redis.call('HGET', KEYS[1], 'o:' .. ARGV[1]) or '[]'
local cur = orderOf(1, ARGV[1])
local want = cjson.decode(ARGV[2])
if #want ~= #cur then return {'mismatch', before} end
local left = {}
for _, x in ipairs(cur) do left[x] = true end
for _, x in ipairs(want) do
  if not left[x] then return {'mismatch', before} end
  left[x] = nil
end
if #want > 0 then
  redis.call('HSET', KEYS[1], 'o:' .. ARGV[1], ARGV[2])
  redis.call('HINCRBY', KEYS[1], 'v', 1)
end
return {'ok', before}
`;

/**
 * KEYS: edition. ARGV: story id, section.
 * Returns {'ok', section before, version} | {'missing', '', 0} | {'published', '', 0}.
 */
const MOVE_LUA = `${ORDER_LUA}
if redis.call('HGET', KEYS[1], 'status') == 'published' then return {'published', '', 0} end
local raw = redis.call('HGET', KEYS[1], 'e:' .. ARGV[1])
if not raw then return {'missing', '', 0} end
local entry = cjson.decode(raw)
local was = entry.section
if was == ARGV[2] then return {'ok', was, tonumber(redis.call('HGET', KEYS[1], 'v') or '0')} end
removeFrom(1, was, ARGV[1])
appendTo(1, ARGV[2], ARGV[1])
-- Only the section changes: the stored JSON is edited as text, so empty objects stay objects.
local moved = string.gsub(raw, '"section":"[^"]*"', '"section":' .. cjson.encode(ARGV[2]), 1)
redis.call('HSET', KEYS[1], 'e:' .. ARGV[1], moved)
return {'ok', was, redis.call('HINCRBY', KEYS[1], 'v', 1)}
`;

/**
 * KEYS: edition, placed hash. ARGV: story id, date.
 * Returns {'ok', entry JSON} | {'missing', ''} | {'published', ''}.
 */
const REMOVE_LUA = `${ORDER_LUA}
if redis.call('HGET', KEYS[1], 'status') == 'published' then return {'published', ''} end
local old = redis.call('HGET', KEYS[1], 'e:' .. ARGV[1])
if not old then return {'missing', ''} end
removeFrom(1, cjson.decode(old).section, ARGV[1])
redis.call('HDEL', KEYS[1], 'e:' .. ARGV[1])
if redis.call('HGET', KEYS[2], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[2], ARGV[1]) end
redis.call('HINCRBY', KEYS[1], 'v', 1)
return {'ok', old}
`;

/**
 * KEYS: edition, final snapshot, issue counter, published set.
 * ARGV: version the snapshot was built from, snapshot JSON, publishedAt, publishedBy, date, date score,
 * the issue number the snapshot carries (the counter + 1 when it was read).
 * Returns {'ok', issue} | {'published', issue} | {'changed', ''} (edition or counter moved: rebuild).
 */
const PUBLISH_LUA = `
if redis.call('HGET', KEYS[1], 'status') == 'published' then
  return {'published', redis.call('HGET', KEYS[1], 'issue') or ''}
end
if (redis.call('HGET', KEYS[1], 'v') or '0') ~= ARGV[1] then return {'changed', 'version'} end
if tonumber(redis.call('GET', KEYS[3]) or '0') + 1 ~= tonumber(ARGV[7]) then return {'changed', 'issue'} end
local issue = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], 'status', 'published', 'issue', issue, 'publishedAt', ARGV[3], 'publishedBy', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'v', 1)
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[5])
return {'ok', tostring(issue)}
`;

type Script = (...args: Array<string | number>) => Promise<[string, string]>;

/** `YYYY-MM-DD` → its archive score YYYYMMDD. */
const dateScore = (date: string) => Number(date.replaceAll('-', ''));

function nextDate(date: string): string {
  const d = addDays(parseDay(date)!, 1);
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

function checkDate(date: string): void {
  if (!parseDay(date)) throw new GeoError('INPUT_INVALID', `date "${date}" is not a YYYY-MM-DD calendar day`);
}

function checkEntry(entry: AcceptedEntry): void {
  checkDate(entry.date);
  if (!entry.storyId || !entry.section)
    throw new GeoError('INPUT_INVALID', 'an entry needs a storyId and a section');
}

/** Entries sorted by section in the editors' order (entries missing from an order last, by acceptance time). */
function orderedEntries(
  entries: Map<string, AcceptedEntry>,
  order: Record<string, string[]>,
): AcceptedEntry[] {
  const out: AcceptedEntry[] = [];
  const taken = new Set<string>();
  for (const ids of Object.values(order))
    for (const id of ids) {
      const e = entries.get(id);
      if (e && !taken.has(id)) {
        out.push(e);
        taken.add(id);
      }
    }
  const rest = [...entries.values()]
    .filter((e) => !taken.has(e.storyId))
    .sort((a, b) => (a.at < b.at ? -1 : 1));
  return [...out, ...rest];
}

/** Decodes an edition hash (HGETALL). */
function decodeState(date: string, h: Record<string, string>): EditionState {
  const entries = new Map<string, AcceptedEntry>();
  const order: Record<string, string[]> = {};
  for (const [field, value] of Object.entries(h)) {
    if (field.startsWith('e:')) entries.set(field.slice(2), JSON.parse(value) as AcceptedEntry);
    else if (field.startsWith('o:')) order[field.slice(2)] = JSON.parse(value) as string[];
  }
  return {
    date,
    status: h.status === 'published' ? 'published' : 'draft',
    version: Number(h.v ?? 0),
    entries: orderedEntries(entries, order),
    order,
    issue: h.issue ? Number(h.issue) : null,
    publishedAt: h.publishedAt ?? null,
    publishedBy: h.publishedBy ?? null,
  };
}

function publishedError(date: string, issue?: string | number | null): GeoError {
  return new GeoError(
    'EDITION_PUBLISHED',
    `the edition of ${date} is published${issue ? ` (issue ${issue})` : ''} and cannot change`,
  );
}

function notPermutation(section: string, before: string[]): GeoError {
  return new GeoError(
    'INPUT_INVALID',
    `the new order of section ${section} must list each of its ${before.length} stories exactly once`,
  );
}

export function createRedisEditionStore(opts: {
  redis: Redis;
  prefix: string;
  bulletin?: string;
}): EditionStore {
  const { redis } = opts;
  const bulletin = opts.bulletin ?? DEFAULT_BULLETIN;
  const keys = redisKeys(opts.prefix);
  const edition = (date: string) => keys.edition(bulletin, date);
  const placed = keys.editionPlaced(bulletin);
  const published = keys.editionPublished(bulletin);
  const counter = keys.editionIssue(bulletin);
  const script = (name: string, numberOfKeys: number, lua: string): Script => {
    redis.defineCommand(name, { numberOfKeys, lua });
    return (redis as unknown as Record<string, Script>)[name]!.bind(redis);
  };
  const placeScript = script('geointelEditionPlace', 3, PLACE_LUA);
  const reorderScript = script('geointelEditionReorder', 1, REORDER_LUA);
  const removeScript = script('geointelEditionRemove', 2, REMOVE_LUA);
  const moveScript = script('geointelEditionMove', 1, MOVE_LUA);
  const publishScript = script('geointelEditionPublish', 4, PUBLISH_LUA);

  const get = async (date: string): Promise<EditionState> => {
    checkDate(date);
    return decodeState(date, await redis.hgetall(edition(date)));
  };
  const lastIssue = async () => Number((await redis.get(counter)) ?? 0);

  return {
    async place(entry) {
      checkEntry(entry);
      const json = JSON.stringify(entry);
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const holder = (await redis.hget(placed, entry.storyId)) ?? '';
        let target = holder;
        if (!holder) {
          const done = new Set(await redis.zrangebyscore(published, dateScore(entry.date), '+inf'));
          target = entry.date;
          while (done.has(target)) target = nextDate(target);
        }
        const [res, date] = await placeScript(
          placed,
          edition(target),
          edition(holder || target),
          entry.storyId,
          target,
          holder,
          json,
          entry.section,
        );
        if (res === 'ok') return { edition: date };
        if (res === 'published')
          throw new GeoError(
            'EDITION_PUBLISHED',
            `story ${entry.storyId} is in the published edition of ${date}, which cannot change`,
          );
      }
      throw new GeoError('EDITION_CHANGED', `could not place story ${entry.storyId}: editions kept changing`);
    },

    get,

    async reorder(date, section, storyIds) {
      checkDate(date);
      const [res, before] = await reorderScript(edition(date), section, JSON.stringify(storyIds));
      if (res === 'published') throw publishedError(date);
      const was = JSON.parse(before) as string[];
      if (res === 'mismatch') throw notPermutation(section, was);
      return { before: was };
    },

    async remove(date, storyId) {
      checkDate(date);
      const [res, old] = await removeScript(edition(date), placed, storyId, date);
      if (res === 'published') throw publishedError(date);
      if (res === 'missing')
        throw new GeoError('NOT_FOUND', `the edition of ${date} does not hold that story`);
      return JSON.parse(old) as AcceptedEntry;
    },

    async move(date, storyId, section) {
      checkDate(date);
      const [res, before, version] = (await moveScript(edition(date), storyId, section)) as unknown as [
        string,
        string,
        number,
      ];
      if (res === 'published') throw publishedError(date);
      if (res === 'missing')
        throw new GeoError('NOT_FOUND', `the edition of ${date} does not hold that story`);
      return { before, version: Number(version) };
    },

    async publish(date, p) {
      checkDate(date);
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const [state, last] = await Promise.all([get(date), lastIssue()]);
        if (state.status === 'published') throw publishedError(date, state.issue);
        if (p.expectVersion !== undefined && state.version !== p.expectVersion)
          throw new GeoError(
            'EDITION_CHANGED',
            `the edition of ${date} is at version ${state.version}, not ${p.expectVersion}: review it and publish again`,
          );
        const issue = last + 1;
        const digest = await p.build(state, issue);
        if (digest.count === 0)
          throw new GeoError('EDITION_EMPTY', `the edition of ${date} has no items to publish`);
        const [res, got] = await publishScript(
          edition(date),
          keys.editionFinal(bulletin, date),
          counter,
          published,
          String(state.version),
          JSON.stringify({ ...digest, issue }),
          p.at,
          p.by,
          date,
          dateScore(date),
          issue,
        );
        if (res === 'ok') return { date, issue: Number(got), publishedAt: p.at };
        if (res === 'published') throw publishedError(date, got);
        // 'changed': a place, reorder or remove (or another edition's publication) came in between.
      }
      throw new GeoError('EDITION_CHANGED', `could not publish ${date}: the edition kept changing`);
    },

    async final(date) {
      checkDate(date);
      const [h, raw] = await Promise.all([
        redis.hmget(edition(date), 'status', 'issue', 'publishedAt', 'publishedBy'),
        redis.get(keys.editionFinal(bulletin, date)),
      ]);
      if (h[0] !== 'published' || raw === null) return null;
      return {
        date,
        issue: Number(h[1]),
        publishedAt: h[2] ?? '',
        publishedBy: h[3] ?? '',
        digest: JSON.parse(raw) as Digest,
      };
    },

    async archive({ limit, before }) {
      const max = before ? `(${dateScore(before)}` : '+inf';
      const dates = await redis.zrevrangebyscore(published, max, '-inf', 'LIMIT', 0, limit);
      if (dates.length === 0) return [];
      const pipe = redis.pipeline();
      for (const d of dates) pipe.hmget(edition(d), 'issue', 'publishedAt', 'publishedBy');
      const rows = (await pipe.exec()) ?? [];
      return dates.map((date, i) => {
        const [err, vals] = rows[i] ?? [null, []];
        if (err) throw err;
        const [issue, publishedAt, publishedBy] = vals as Array<string | null>;
        return { date, issue: Number(issue), publishedAt: publishedAt ?? '', publishedBy: publishedBy ?? '' };
      });
    },

    lastIssue,
  };
}

/** The in-memory twin (unit tests of the candidates workflow, the CLI): same rules, one process. */
export function createMemoryEditionStore(): EditionStore {
  interface Mem {
    status: EditionStatus;
    v: number;
    entries: Map<string, AcceptedEntry>;
    order: Record<string, string[]>;
    issue: number | null;
    publishedAt: string | null;
    publishedBy: string | null;
    final: Digest | null;
  }
  const editions = new Map<string, Mem>();
  const placed = new Map<string, string>();
  let counter = 0;
  const ed = (date: string): Mem => {
    let m = editions.get(date);
    if (!m) {
      m = {
        status: 'draft',
        v: 0,
        entries: new Map(),
        order: {},
        issue: null,
        publishedAt: null,
        publishedBy: null,
        final: null,
      };
      editions.set(date, m);
    }
    return m;
  };
  const state = (date: string, m: Mem): EditionState => ({
    date,
    status: m.status,
    version: m.v,
    entries: orderedEntries(new Map(m.entries), m.order),
    order: Object.fromEntries(Object.entries(m.order).map(([s, ids]) => [s, [...ids]])),
    issue: m.issue,
    publishedAt: m.publishedAt,
    publishedBy: m.publishedBy,
  });
  const drop = (m: Mem, section: string, id: string) => {
    const list = (m.order[section] ?? []).filter((x) => x !== id);
    if (list.length) m.order[section] = list;
    else delete m.order[section];
  };
  return {
    async place(entry) {
      checkEntry(entry);
      const holder = placed.get(entry.storyId);
      if (holder) {
        const m = ed(holder);
        if (m.status === 'published')
          throw new GeoError(
            'EDITION_PUBLISHED',
            `story ${entry.storyId} is in the published edition of ${holder}`,
          );
        const old = m.entries.get(entry.storyId);
        if (old && old.section !== entry.section) drop(m, old.section, entry.storyId);
        const list = m.order[entry.section] ?? [];
        if (!list.includes(entry.storyId)) m.order[entry.section] = [...list, entry.storyId];
        m.entries.set(entry.storyId, { ...entry });
        m.v++;
        return { edition: holder };
      }
      let target = entry.date;
      while (editions.get(target)?.status === 'published') target = nextDate(target);
      const m = ed(target);
      m.order[entry.section] = [...(m.order[entry.section] ?? []), entry.storyId];
      m.entries.set(entry.storyId, { ...entry });
      m.v++;
      placed.set(entry.storyId, target);
      return { edition: target };
    },
    async get(date) {
      checkDate(date);
      return state(date, editions.get(date) ?? ed(date));
    },
    async reorder(date, section, storyIds) {
      checkDate(date);
      const m = ed(date);
      if (m.status === 'published') throw publishedError(date);
      const before = [...(m.order[section] ?? [])];
      const same =
        storyIds.length === before.length &&
        new Set(storyIds).size === before.length &&
        storyIds.every((id) => before.includes(id));
      if (!same) throw notPermutation(section, before);
      if (before.length) {
        m.order[section] = [...storyIds];
        m.v++;
      }
      return { before };
    },
    async remove(date, storyId) {
      checkDate(date);
      const m = ed(date);
      if (m.status === 'published') throw publishedError(date);
      const old = m.entries.get(storyId);
      if (!old) throw new GeoError('NOT_FOUND', `the edition of ${date} does not hold that story`);
      drop(m, old.section, storyId);
      m.entries.delete(storyId);
      if (placed.get(storyId) === date) placed.delete(storyId);
      m.v++;
      return old;
    },
    async move(date, storyId, section) {
      checkDate(date);
      const m = ed(date);
      if (m.status === 'published') throw publishedError(date);
      const old = m.entries.get(storyId);
      if (!old) throw new GeoError('NOT_FOUND', `the edition of ${date} does not hold that story`);
      if (old.section === section) return { before: section, version: m.v };
      drop(m, old.section, storyId);
      m.entries.set(storyId, { ...old, section });
      const list = m.order[section] ?? [];
      if (!list.includes(storyId)) list.push(storyId);
      m.order[section] = list;
      m.v++;
      return { before: old.section, version: m.v };
    },
    async publish(date, p) {
      checkDate(date);
      const m = ed(date);
      if (m.status === 'published') throw publishedError(date, m.issue);
      if (p.expectVersion !== undefined && m.v !== p.expectVersion)
        throw new GeoError(
          'EDITION_CHANGED',
          `the edition of ${date} is at version ${m.v}, not ${p.expectVersion}`,
        );
      const v = m.v;
      const issue = counter + 1;
      const digest = await p.build(state(date, m), issue);
      if (digest.count === 0)
        throw new GeoError('EDITION_EMPTY', `the edition of ${date} has no items to publish`);
      if (m.v !== v || counter + 1 !== issue)
        throw new GeoError('EDITION_CHANGED', `the edition of ${date} changed while it was being published`);
      counter = issue;
      Object.assign(m, {
        status: 'published',
        issue,
        publishedAt: p.at,
        publishedBy: p.by,
        final: { ...digest, issue },
      });
      m.v++;
      return { date, issue, publishedAt: p.at };
    },
    async final(date) {
      checkDate(date);
      const m = editions.get(date);
      if (m?.status !== 'published' || !m.final) return null;
      return {
        date,
        issue: m.issue!,
        publishedAt: m.publishedAt!,
        publishedBy: m.publishedBy!,
        digest: m.final,
      };
    },
    async archive({ limit, before }) {
      return [...editions.entries()]
        .filter(([d, m]) => m.status === 'published' && (before === undefined || d < before))
        .sort(([a], [b]) => (a < b ? 1 : -1))
        .slice(0, limit)
        .map(([date, m]) => ({
          date,
          issue: m.issue!,
          publishedAt: m.publishedAt!,
          publishedBy: m.publishedBy!,
        }));
    },
    async lastIssue() {
      return counter;
    },
  };
}
