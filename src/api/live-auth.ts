/**
 * Live connections end with their credential. Every open SSE stream and WebSocket of this API process is
 * registered here by the token it was opened with (its SHA-256) and, for a browser, its session; when the
 * token is revoked or the session ends, the connection ends promptly — an SSE stream with a last
 * `event: revoked` (data `{"reason"}`), a WebSocket with close code {@link WS_CLOSE_REVOKED} (4401).
 *
 * Two paths, for several API processes on one Redis (docs/api.md §Live connections and revocation):
 * - **Notice**: the token and session stores PUBLISH `token:<sha256>` / `session:<sha256>` on
 *   `<prefix>:revoked` (src/store/revocations.ts) in the MULTI that revokes; each process holds one subscriber
 *   connection and ends the matching connections it holds, whichever process revoked.
 * - **Re-check**: pub/sub is at-most-once (a subscriber that is reconnecting misses what was published
 *   meanwhile), so every `http.streamRecheckMs` (default {@link DEFAULT_STREAM_RECHECK_MS}) the credentials of
 *   all live connections are looked up again, once per distinct credential — a missed notice still ends a
 *   stream within that interval plus one lookup. A re-check also runs as soon as the subscriber is back after
 *   a reconnect. A lookup that fails (Redis away) ends nothing: the next one decides.
 *
 * Metrics (given `metrics`, served on the API's `/metrics`): `geointel_live_connections{kind="sse"|"ws"}` follows
 * the registered connections, `geointel_live_ended_total{path="notice"|"recheck"}` counts the ones ended.
 */
import type { ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import {
  LIVE_END_PATHS,
  LIVE_KINDS,
  type LiveEndPath,
  type LiveKind,
  type Metrics,
  zeroSeries,
} from '../runtime/metrics.js';
import { type RedisTarget, redisOptions } from '../runtime/redis.js';
import { redisKeys } from '../store/keys.js';
import { parseRevocation, type RevocationNotice } from '../store/revocations.js';
import { hashSessionId } from '../store/sessions.js';
import type { AuthStores, Credential } from './auth.js';
import type { RevokedReason } from './sse-format.js';
import type { SseHandle } from './stream-relay.js';

/** Default re-check interval of live connections' credentials: the SSE heartbeat's. */
export const DEFAULT_STREAM_RECHECK_MS = 15_000;

/** WebSocket close code of a connection whose credential was revoked or whose session ended (HTTP 401's). */
export const WS_CLOSE_REVOKED = 4401;

export type { LiveKind } from '../runtime/metrics.js';

export interface LiveStats {
  /** Connections registered now. */
  connections: number;
  /** Of them, SSE streams and WebSockets. */
  byKind: Record<LiveKind, number>;
  /** Connections ended by a notice. */
  endedByNotice: number;
  /** Connections ended by a re-check. */
  endedByRecheck: number;
  /** Notices received. */
  notices: number;
  /** Re-checks run. */
  rechecks: number;
}

export interface LiveConnections {
  /**
   * Registers an open connection: `end` is called once, when its credential ends. Returns the function that
   * unregisters it (call it when the connection closes by itself). `kind` labels it in the metrics: SSE streams
   * come through {@link trackSse}; the WebSocket grant (src/api/routes/streams.ts) calls this directly.
   * @defaultValue kind 'ws'
   */
  track(credential: Credential, end: (reason: RevokedReason) => void, kind?: LiveKind): () => void;
  /** Ends the connections a notice names; the number ended (the subscriber calls it). */
  apply(notice: RevocationNotice): number;
  /** Looks every live connection's credential up now and ends those that ended; the number ended. */
  recheck(): Promise<number>;
  stats(): LiveStats;
  close(): Promise<void>;
}

export interface LiveConnectionsOptions {
  stores: AuthStores;
  /** Where the notices are subscribed; absent: no subscriber (the re-check alone). */
  redis?: RedisTarget;
  prefix: string;
  log: Logger;
  /** @defaultValue {@link DEFAULT_STREAM_RECHECK_MS} */
  recheckMs?: number;
  /** The API process's registry (several instances on one runtime add up); absent: `stats()` alone. */
  metrics?: Pick<Metrics, 'liveConnections' | 'liveEnded'>;
}

interface Entry {
  credential: Credential;
  tokenKey: string;
  sessionKey: string | null;
  kind: LiveKind;
  end: (reason: RevokedReason) => void;
  ended: boolean;
}

export function createLiveConnections(opts: LiveConnectionsOptions): LiveConnections {
  const log = opts.log.child({ component: 'live-auth' });
  const recheckMs = opts.recheckMs ?? DEFAULT_STREAM_RECHECK_MS;
  const channel = redisKeys(opts.prefix).revocations();
  /** `token:<sha256>` and `session:<sha256>` → the connections opened with it. */
  const index = new Map<string, Set<Entry>>();
  const entries = new Set<Entry>();
  const counters = { endedByNotice: 0, endedByRecheck: 0, notices: 0, rechecks: 0 };
  const byKind: Record<LiveKind, number> = { sse: 0, ws: 0 };
  const metrics = opts.metrics;
  if (metrics) {
    zeroSeries(metrics.liveConnections, 'kind', LIVE_KINDS);
    zeroSeries(metrics.liveEnded, 'path', LIVE_END_PATHS);
  }
  const countEnded = (path: LiveEndPath, n: number) => {
    if (n > 0) metrics?.liveEnded.inc({ path }, n);
  };
  let closed = false;
  let checking: Promise<number> | null = null;

  const link = (key: string, e: Entry) => {
    const set = index.get(key);
    if (set) set.add(e);
    else index.set(key, new Set([e]));
  };
  const unlink = (key: string | null, e: Entry) => {
    if (key === null) return;
    const set = index.get(key);
    if (!set) return;
    set.delete(e);
    if (set.size === 0) index.delete(key);
  };
  const add = (e: Entry) => {
    entries.add(e);
    byKind[e.kind]++;
    metrics?.liveConnections.inc({ kind: e.kind });
    link(e.tokenKey, e);
    if (e.sessionKey) link(e.sessionKey, e);
  };
  const remove = (e: Entry) => {
    if (!entries.delete(e)) return;
    byKind[e.kind]--;
    metrics?.liveConnections.dec({ kind: e.kind });
    unlink(e.tokenKey, e);
    unlink(e.sessionKey, e);
  };

  function endEntry(e: Entry, reason: RevokedReason): boolean {
    if (e.ended) return false;
    e.ended = true;
    remove(e);
    try {
      e.end(reason);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'ending a live connection failed');
    }
    return true;
  }

  function apply(n: RevocationNotice): number {
    const set = index.get(`${n.kind}:${n.hash}`);
    if (!set) return 0;
    const reason: RevokedReason = n.kind === 'token' ? 'token_revoked' : 'session_ended';
    let count = 0;
    for (const e of [...set]) if (endEntry(e, reason)) count++;
    counters.endedByNotice += count;
    countEnded('notice', count);
    if (count > 0) log.info({ kind: n.kind, ended: count }, 'live connections ended: credential revoked');
    return count;
  }

  /** What ended a credential, or null while it holds. Throws when Redis does not answer. */
  async function verdict(c: Credential): Promise<RevokedReason | null> {
    if (c.sessionId !== null) {
      const session = await opts.stores.sessions.get(c.sessionId);
      if (!session) return 'session_ended';
      if (await opts.stores.tokens.byHash(session.tokenHash)) return null;
      // As at a request: the token was revoked, the session ends with it (its notice reaches the others).
      await opts.stores.sessions.destroy(c.sessionId);
      return 'token_revoked';
    }
    return (await opts.stores.tokens.byHash(c.tokenHash)) ? null : 'token_revoked';
  }

  async function runRecheck(): Promise<number> {
    counters.rechecks++;
    const groups = new Map<string, Entry[]>();
    for (const e of entries) {
      const k = e.sessionKey ?? e.tokenKey;
      const g = groups.get(k);
      if (g) g.push(e);
      else groups.set(k, [e]);
    }
    let ended = 0;
    let failed = 0;
    await Promise.all(
      [...groups.values()].map(async (group) => {
        let reason: RevokedReason | null;
        try {
          reason = await verdict(group[0]!.credential);
        } catch {
          failed++;
          return;
        }
        if (reason) for (const e of group) if (endEntry(e, reason)) ended++;
      }),
    );
    counters.endedByRecheck += ended;
    countEnded('recheck', ended);
    if (ended > 0) log.info({ ended }, 'live connections ended: credential found revoked on re-check');
    if (failed > 0) log.debug({ failed }, 'credential re-check failed (Redis away); next interval decides');
    return ended;
  }

  function recheck(): Promise<number> {
    // One re-check at a time: a slow Redis must not pile them up.
    checking ??= runRecheck().finally(() => {
      checking = null;
    });
    return checking;
  }

  const timer = setInterval(() => {
    if (entries.size > 0) void recheck();
  }, recheckMs);
  timer.unref();

  // The subscriber: its own connection (a subscribed client can run nothing else), named
  // `<prefix>:revocations` in CLIENT LIST, queueing SUBSCRIBE until it is connected and subscribing again by
  // itself after a reconnect.
  const sub = opts.redis ? subscriber(opts.redis, `${opts.prefix}:revocations`, log) : null;
  if (sub) {
    let readyOnce = false;
    sub.on('ready', () => {
      // Back after a reconnect: notices published meanwhile are lost; look everything up now.
      if (readyOnce && entries.size > 0) void recheck();
      readyOnce = true;
    });
    sub.on('message', (ch: string, message: string) => {
      if (ch !== channel) return;
      const n = parseRevocation(message);
      if (!n) return;
      counters.notices++;
      apply(n);
    });
    sub.subscribe(channel).catch((err: Error) => {
      if (!closed) log.warn({ err: err.message }, 'cannot subscribe to revocation notices; re-checks only');
    });
  }

  return {
    track(credential, end, kind = 'ws') {
      const e: Entry = {
        credential,
        tokenKey: `token:${credential.tokenHash}`,
        sessionKey: credential.sessionId === null ? null : `session:${hashSessionId(credential.sessionId)}`,
        kind,
        end,
        ended: false,
      };
      if (closed) return () => undefined;
      add(e);
      return () => {
        if (!e.ended) remove(e);
        e.ended = true;
      };
    },
    apply,
    recheck,
    stats: () => ({ connections: entries.size, byKind: { ...byKind }, ...counters }),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      for (const e of [...entries]) remove(e);
      index.clear();
      await checking?.catch(() => undefined);
      // Nothing to flush on a subscriber: drop it at once (a quit would wait for a Redis that may be away).
      sub?.disconnect();
    },
  };
}

function subscriber(target: RedisTarget, name: string, log: Logger): Redis {
  const o = { ...redisOptions(target, 'worker'), connectionName: name };
  const c = 'url' in target ? new Redis(target.url, o) : new Redis(o);
  let last = '';
  c.on('error', (err: Error) => {
    if (err.message !== last) log.warn({ err: err.message }, 'revocation subscriber connection error');
    last = err.message;
  });
  c.on('ready', () => {
    last = '';
  });
  return c;
}

/**
 * Tracks an SSE response served by the relay: the credential's end ends the stream (`event: revoked`); the
 * entry goes when the response closes. A response already answered (400, 503) is not tracked.
 */
export function trackSse(
  live: LiveConnections,
  credential: Credential | null,
  res: ServerResponse,
  stream: SseHandle,
): void {
  if (!credential || res.writableEnded || res.destroyed) return;
  const untrack = live.track(credential, (reason) => stream.revoke(reason), 'sse');
  res.once('close', untrack);
}
