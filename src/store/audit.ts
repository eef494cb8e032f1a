/**
 * The audit trail: who did what to which target, when, with the state before and after. Every editor and admin
 * action of the API writes one entry (candidates, editions, stories, subscriptions, tokens).
 *
 * Keys (src/store/keys.ts, docs/redis.md):
 * - `<prefix>:audit`: a stream of every entry, oldest first (field `e`: the entry's JSON). Never trimmed by
 *   count: an audit trail that forgets is no audit trail; it is as large as the editors' work (a few
 *   thousand entries a month at about 0.5 KB each).
 * - `<prefix>:audit:<target>`: a stream per target with the same entries (so one story's history is one
 *   XRANGE, not a scan).
 * Both are written in one MULTI, so an entry is in both or in neither.
 */
import type { Redis } from 'ioredis';
import { redisKeys } from './keys.js';

/** One audit entry. `before`/`after` hold the part of the target's state the action changed (null: none). */
export interface AuditEntry {
  /** Stream id of the entry in `<prefix>:audit` (set when read back). */
  id?: string;
  /** ISO-8601 time of the action. */
  at: string;
  /** The token holder's name (`request.auth.name`) and role. */
  actor: { name: string; role: string };
  /** What was done, e.g. `candidate.claim`, `candidate.accept`, `story.merge`, `edition.publish`. */
  action: string;
  /** What it was done to: `story:<id>`, `edition:<date>`, `subscription:<id>`, `token:<name>`. */
  target: string;
  before: unknown;
  after: unknown;
}

export interface AuditStore {
  append(entry: AuditEntry): Promise<string>;
  /** Entries of one target, oldest first. */
  of(target: string, count?: number): Promise<AuditEntry[]>;
  /** The newest entries of the whole trail, newest first, before `beforeId` (exclusive) when given. */
  recent(count: number, beforeId?: string): Promise<AuditEntry[]>;
}

/** Audit targets are short ASCII names: a kind, a colon and an id. */
export const AUDIT_TARGET = /^[a-z]+:[A-Za-z0-9:_.@-]{1,200}$/;

function parseEntries(rows: Array<[string, string[]]>): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (const [id, fields] of rows) {
    const i = fields.indexOf('e');
    if (i < 0 || fields[i + 1] === undefined) continue;
    out.push({ ...(JSON.parse(fields[i + 1]!) as AuditEntry), id });
  }
  return out;
}

export function createRedisAuditStore(opts: { redis: Redis; prefix: string }): AuditStore {
  const { redis } = opts;
  const keys = redisKeys(opts.prefix);
  return {
    async append(entry) {
      if (!AUDIT_TARGET.test(entry.target))
        throw new Error(`audit target ${JSON.stringify(entry.target)} is malformed`);
      const { id: _ignored, ...rest } = entry;
      const json = JSON.stringify(rest);
      const res = await redis
        .multi()
        .xadd(keys.audit(), '*', 'e', json)
        .xadd(keys.auditOf(entry.target), '*', 'e', json)
        .exec();
      const err = res?.find(([e]) => e)?.[0];
      if (err) throw err;
      return String(res?.[0]?.[1]);
    },
    async of(target, count = 1_000) {
      const rows = (await redis.xrange(keys.auditOf(target), '-', '+', 'COUNT', count)) as Array<
        [string, string[]]
      >;
      return parseEntries(rows);
    },
    async recent(count, beforeId) {
      const end = beforeId ? `(${beforeId}` : '+';
      const rows = (await redis.xrevrange(keys.audit(), end, '-', 'COUNT', count)) as Array<
        [string, string[]]
      >;
      return parseEntries(rows);
    },
  };
}

/** The in-memory twin (unit tests, the CLI). */
export function createMemoryAuditStore(): AuditStore {
  const all: AuditEntry[] = [];
  let seq = 0;
  return {
    async append(entry) {
      const id = `${Date.parse(entry.at) || 0}-${seq++}`;
      all.push({ ...entry, id });
      return id;
    },
    async of(target, count = 1_000) {
      return all.filter((e) => e.target === target).slice(0, count);
    },
    async recent(count, beforeId) {
      const end = beforeId === undefined ? all.length : all.findIndex((e) => e.id === beforeId);
      return all
        .slice(0, end < 0 ? all.length : end)
        .reverse()
        .slice(0, count);
    },
  };
}
