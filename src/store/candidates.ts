/**
 * Editors' candidates on Redis (docs/api.md §Candidates, docs/redis.md).
 *
 * - Pools: `<prefix>:cand:<topic>`, a sorted set of story ids by digest time, filled by the record store when a
 *   relevant story is first stored (and by add-by-URL). Entries older than `candidateDays` leave it: every read
 *   trims the pool, and claims and decisions ignore older entries.
 * - Claims: `<prefix>:cand:claim:<storyId>` holds the holder's name with a PX lease of `claimSeconds`. One Lua
 *   step checks and sets it, so two editors never hold one candidate; the holder claiming again renews the
 *   lease; an expired lease simply vanishes and the candidate is free again.
 * - Decisions: `<prefix>:cand:decided:<storyId>` (JSON). Accepting or rejecting needs the caller to hold the
 *   claim or nobody to hold it; in the same step the story leaves every topic's pool and its claim is dropped.
 *   A decided story is never offered again. Releasing needs the caller to hold the claim.
 * Every script receives every key it touches through KEYS: the claim, the decision and every topic's pool.
 */
import type { Redis } from 'ioredis';
import type { DigestRecord, DuplicateRef } from '../pipeline/types.js';
import { redisKeys } from './keys.js';

/**
 * KEYS: claim, decision, pool of every topic. ARGV: storyId, holder, lease ms, oldest digest time kept (ms).
 * Returns {status, holder, pttl, previous pttl}: `claimed` | `renewed` (the caller holds it now for the lease;
 * renewed: held it already, with the previous lease left), `held` (someone else does: their name and lease left),
 * `decided` (holder = the decision JSON), `absent` (in no pool).
 */
export const CLAIM_LUA = `
if redis.call('EXISTS', KEYS[2]) == 1 then return {'decided', redis.call('GET', KEYS[2]), 0} end
local found = false
for i = 3, #KEYS do
  local s = redis.call('ZSCORE', KEYS[i], ARGV[1])
  if s and tonumber(s) >= tonumber(ARGV[4]) then found = true end
end
if not found then return {'absent', '', 0} end
local h = redis.call('GET', KEYS[1])
if h and h ~= ARGV[2] then return {'held', h, redis.call('PTTL', KEYS[1])} end
local left = 0
if h then left = redis.call('PTTL', KEYS[1]) end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if h then return {'renewed', ARGV[2], tonumber(ARGV[3]), left} end
return {'claimed', ARGV[2], tonumber(ARGV[3]), 0}
`;

/**
 * KEYS: claim, decision, pool of every topic. ARGV: storyId, holder, oldest digest time kept (ms), decision
 * JSON, decision TTL s. Returns {status, holder, pttl, pools…}: `decided` with the claim it dropped (holder
 * '' when none) and `topicIndex:score` of every pool it left; `held`; `already` (holder = the decision JSON);
 * `absent`.
 */
export const DECIDE_LUA = `
local h = redis.call('GET', KEYS[1])
if h and h ~= ARGV[2] then return {'held', h, redis.call('PTTL', KEYS[1])} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'already', redis.call('GET', KEYS[2]), 0} end
local out = {'decided', h or '', 0}
if h then out[3] = redis.call('PTTL', KEYS[1]) end
local found = false
for i = 3, #KEYS do
  local s = redis.call('ZSCORE', KEYS[i], ARGV[1])
  if s then
    if tonumber(s) >= tonumber(ARGV[3]) then found = true end
    out[#out + 1] = (i - 2) .. ':' .. s
  end
end
if not found then return {'absent', '', 0} end
redis.call('SET', KEYS[2], ARGV[4], 'EX', ARGV[5])
redis.call('DEL', KEYS[1])
for i = 3, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
return out
`;

/**
 * Undoes a decision whose follow-up failed (placing an accepted story in its edition). KEYS: claim, decision,
 * pool of every topic. ARGV: storyId, decision JSON (only that exact decision is undone), holder ('' for none),
 * lease ms, then `topicIndex:score` pairs. Returns 1 when undone.
 */
export const UNDECIDE_LUA = `
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[2])
for a = 5, #ARGV do
  local sep = string.find(ARGV[a], ':')
  local i = tonumber(string.sub(ARGV[a], 1, sep - 1)) + 2
  redis.call('ZADD', KEYS[i], string.sub(ARGV[a], sep + 1), ARGV[1])
end
if ARGV[3] ~= '' and tonumber(ARGV[4]) > 0 and redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
end
return 1
`;

/**
 * KEYS: claim, decision, pool of every topic. ARGV: holder. Returns {status, holder, pttl}: `released`
 * (the caller's claim was dropped), `held` (someone else's), `unclaimed`.
 */
export const RELEASE_LUA = `
local h = redis.call('GET', KEYS[1])
if not h then return {'unclaimed', '', 0} end
if h ~= ARGV[1] then return {'held', h, redis.call('PTTL', KEYS[1])} end
local left = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[1])
return {'released', h, left}
`;

/**
 * KEYS: decision, pool of one topic. ARGV: storyId, digest time ms, oldest digest time kept (ms). Adds the
 * story to the pool unless it was decided or is too old; returns 1 when it is in the pool afterwards.
 */
export const OFFER_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if tonumber(ARGV[2]) < tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
`;

/** Who holds a claim and until when (epoch ms, on the caller's clock: now + the lease left). */
export interface Claim {
  by: string;
  expiresAt: number;
}

/** What an editor decided. */
export interface Decision {
  decision: 'accepted' | 'rejected';
  by: string;
  /** ISO-8601. */
  at: string;
  reason?: string;
  section?: string;
}

/** One story of a pool. */
export interface PoolEntry {
  storyId: string;
  /** Digest time (ms): the pool's score. */
  time: number;
  /** The stored record with its duplicates; null when the record has expired (retention). */
  record: DigestRecord | null;
  claim: Claim | null;
}

export type ClaimOutcome =
  | { status: 'claimed' | 'renewed'; claim: Claim; before: Claim | null }
  | { status: 'held'; claim: Claim }
  | { status: 'decided'; decision: Decision }
  | { status: 'absent' };

export type ReleaseOutcome =
  | { status: 'released'; before: Claim }
  | { status: 'held'; claim: Claim }
  | { status: 'unclaimed' };

export type DecideOutcome =
  | {
      status: 'decided';
      /** The claim the decision dropped (the caller's), or null when the candidate was unclaimed. */
      before: Claim | null;
      /** The topics whose pools the story left. */
      topics: string[];
      /** Puts the story back as it was (only while this decision stands): for a failed follow-up step. */
      undo(): Promise<boolean>;
    }
  | { status: 'held'; claim: Claim }
  | { status: 'already'; decision: Decision }
  | { status: 'absent' };

export interface CandidateStore {
  /**
   * A topic's pool, newest first, at most `max` stories, each with its record and claim; trims the entries
   * older than `candidateDays` first.
   */
  pool(topic: string, now: number, max: number): Promise<PoolEntry[]>;
  /** Claims (or renews) a candidate for `holder` for `claimSeconds`. */
  claim(storyId: string, holder: string, now: number): Promise<ClaimOutcome>;
  /** Drops the caller's claim. */
  release(storyId: string, holder: string, now: number): Promise<ReleaseOutcome>;
  /** Accepts or rejects a candidate: it leaves every pool for good. */
  decide(storyId: string, holder: string, decision: Decision, now: number): Promise<DecideOutcome>;
  /** The current claim on a story, or null. */
  claimOf(storyId: string, now: number): Promise<Claim | null>;
  /** The decision on a story, or null. */
  decisionOf(storyId: string): Promise<Decision | null>;
  /** The topics whose pools hold the story (younger than `candidateDays`). */
  topicsOf(storyId: string, now: number): Promise<string[]>;
  /**
   * Puts a story in a topic's pool at its digest time (add by URL) unless it was decided or is older than
   * `candidateDays`; returns whether it is a candidate of that topic now.
   */
  offer(storyId: string, topic: string, time: number, now: number): Promise<boolean>;
}

export interface RedisCandidateStoreOptions {
  redis: Redis;
  prefix: string;
  /** Every topic id (config/topics.yaml): a decision removes the story from each of their pools. */
  topics: readonly string[];
  /** Undecided candidates older than this (digest time) leave the pool. */
  candidateDays: number;
  /** Lease of a claim. */
  claimSeconds: number;
  /** Days a decision is kept (as long as the records: a decided story never returns to a pool). */
  decisionDays: number;
}

type Script = (numKeys: number, ...args: Array<string | number>) => Promise<unknown>;

export function createRedisCandidateStore(opts: RedisCandidateStoreOptions): CandidateStore {
  const { redis, topics } = opts;
  const keys = redisKeys(opts.prefix);
  const leaseMs = Math.round(opts.claimSeconds * 1000);
  const horizon = (now: number) => Math.floor(now - opts.candidateDays * 86_400_000);
  const decisionTtl = Math.max(1, Math.round(opts.decisionDays * 86_400));
  const script = (name: string, lua: string): Script => {
    redis.defineCommand(name, { lua });
    return (redis as unknown as Record<string, Script>)[name]!.bind(redis);
  };
  const claimScript = script('geointelCandidateClaim', CLAIM_LUA);
  const decideScript = script('geointelCandidateDecide', DECIDE_LUA);
  const undecideScript = script('geointelCandidateUndecide', UNDECIDE_LUA);
  const releaseScript = script('geointelCandidateRelease', RELEASE_LUA);
  const offerScript = script('geointelCandidateOffer', OFFER_LUA);
  const storyKeys = (storyId: string) => [
    keys.candidateClaim(storyId),
    keys.candidateDecision(storyId),
    ...topics.map((t) => keys.candidates(t)),
  ];
  const claimAt = (by: string, pttl: number | string, now: number): Claim => ({
    by,
    expiresAt: now + Math.max(0, Number(pttl)),
  });

  async function records(ids: string[]): Promise<Array<DigestRecord | null>> {
    if (ids.length === 0) return [];
    const p = redis.pipeline();
    p.mget(...ids.map((id) => keys.storyRecord(id)));
    for (const id of ids) p.lrange(keys.storyDuplicates(id), 0, -1);
    const res = (await p.exec()) ?? [];
    for (const [err] of res) if (err) throw err;
    const raw = res[0]![1] as Array<string | null>;
    return raw.map((s, i) => {
      if (!s) return null;
      const r = JSON.parse(s) as DigestRecord;
      const dups = (res[i + 1]![1] as string[]).map((d) => JSON.parse(d) as DuplicateRef);
      return { ...r, duplicates: [...r.duplicates, ...dups] };
    });
  }

  async function claims(ids: string[], now: number): Promise<Array<Claim | null>> {
    if (ids.length === 0) return [];
    const p = redis.pipeline();
    for (const id of ids) p.get(keys.candidateClaim(id)).pttl(keys.candidateClaim(id));
    const res = (await p.exec()) ?? [];
    for (const [err] of res) if (err) throw err;
    return ids.map((_, i) => {
      const by = res[2 * i]![1] as string | null;
      const pttl = res[2 * i + 1]![1] as number;
      return by && pttl > 0 ? claimAt(by, pttl, now) : null;
    });
  }

  return {
    async pool(topic, now, max) {
      const key = keys.candidates(topic);
      const h = horizon(now);
      const res = await redis
        .multi()
        .zremrangebyscore(key, '-inf', `(${h}`)
        .zrevrangebyscore(key, '+inf', h, 'WITHSCORES', 'LIMIT', 0, max)
        .exec();
      const err = res?.find(([e]) => e)?.[0];
      if (err) throw err;
      const flat = (res?.[1]?.[1] ?? []) as string[];
      const ids: string[] = [];
      const times: number[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        ids.push(flat[i]!);
        times.push(Number(flat[i + 1]));
      }
      const [recs, cls] = await Promise.all([records(ids), claims(ids, now)]);
      return ids.map((storyId, i) => ({ storyId, time: times[i]!, record: recs[i]!, claim: cls[i]! }));
    },

    async claim(storyId, holder, now) {
      const [status, who, pttl, previous] = (await claimScript(
        2 + topics.length,
        ...storyKeys(storyId),
        storyId,
        holder,
        leaseMs,
        horizon(now),
      )) as [string, string, number, number?];
      if (status === 'decided') return { status, decision: JSON.parse(who) as Decision };
      if (status === 'absent') return { status };
      if (status === 'held') return { status, claim: claimAt(who, pttl, now) };
      const claim = claimAt(holder, pttl, now);
      return status === 'renewed'
        ? { status, claim, before: claimAt(holder, previous ?? 0, now) }
        : { status: 'claimed', claim, before: null };
    },

    async release(storyId, holder, now) {
      const [status, who, pttl] = (await releaseScript(2 + topics.length, ...storyKeys(storyId), holder)) as [
        string,
        string,
        number,
      ];
      if (status === 'released') return { status, before: claimAt(who, pttl, now) };
      if (status === 'held') return { status, claim: claimAt(who, pttl, now) };
      return { status: 'unclaimed' };
    },

    async decide(storyId, holder, decision, now) {
      const json = JSON.stringify(decision);
      const res = (await decideScript(
        2 + topics.length,
        ...storyKeys(storyId),
        storyId,
        holder,
        horizon(now),
        json,
        decisionTtl,
      )) as [string, string, number, ...string[]];
      const [status, who, pttl, ...left] = res;
      if (status === 'held') return { status, claim: claimAt(who, pttl, now) };
      if (status === 'already') return { status, decision: JSON.parse(who) as Decision };
      if (status === 'absent') return { status };
      const before = who ? claimAt(who, pttl, now) : null;
      return {
        status: 'decided',
        before,
        topics: left.map((p) => topics[Number(p.slice(0, p.indexOf(':'))) - 1]!),
        undo: async () =>
          (await undecideScript(
            2 + topics.length,
            ...storyKeys(storyId),
            storyId,
            json,
            before?.by ?? '',
            before ? Math.max(0, before.expiresAt - now) : 0,
            ...left,
          )) === 1,
      };
    },

    async claimOf(storyId, now) {
      return (await claims([storyId], now))[0] ?? null;
    },

    async decisionOf(storyId) {
      const s = await redis.get(keys.candidateDecision(storyId));
      return s ? (JSON.parse(s) as Decision) : null;
    },

    async topicsOf(storyId, now) {
      const p = redis.pipeline();
      for (const t of topics) p.zscore(keys.candidates(t), storyId);
      const res = (await p.exec()) ?? [];
      const h = horizon(now);
      return topics.filter((_, i) => {
        const [err, score] = res[i]!;
        if (err) throw err;
        return score !== null && Number(score) >= h;
      });
    },

    async offer(storyId, topic, time, now) {
      return (
        (await offerScript(
          2,
          keys.candidateDecision(storyId),
          keys.candidates(topic),
          storyId,
          time,
          horizon(now),
        )) === 1
      );
    },
  };
}
