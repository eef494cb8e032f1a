/**
 * The live stream relay: Redis streams (`<prefix>:stream:<topic>`, field `record`) to SSE and WebSocket
 * clients, framework-free (plain node:http `req`/`res`), so the HTTP API mounts it on any route.
 *
 * - One reader per topic: a single `XREAD BLOCK` loop on its own connection, shared by every client of the
 *   topic (fan-out in process). A topic without clients stops its loop and closes its connection.
 * - A watchdog abandons a read that has not returned within `blockMs` + margin and throws its connection away
 *   (BullMQ #4479: after a reconnect an interrupted blocking read may never settle; #4585: `disconnect()` on a
 *   reconnecting ioredis client can park it for good — so the relay never reuses such a connection, it makes a
 *   new one). A read interrupted by a connection close is abandoned at once, and reissued from the same
 *   cursor once a connection is ready again: clients stay connected through a Redis restart and miss nothing
 *   the restarted Redis still has.
 * - Resume: a client with `Last-Event-ID` catches up with `XRANGE (id +` in pages (paced by its own drain), then
 *   joins the live fan-out exactly at the reader's cursor: no gap and no duplicate at the seam. An id older
 *   than the stream's oldest entry (trimmed by MAXLEN) first gets a `resync` event, then the stream from the
 *   oldest entry (never a silent gap). No `Last-Event-ID`: live from now, where "now" is the stream's last id
 *   read before the response opens (`$` without its race: nothing published after the client saw the headers is
 *   missed).
 * - Back-pressure: a client whose unsent bytes pass `maxBufferBytes` is disconnected and counted; the others are
 *   unaffected, and the relay's memory stays bounded (cap + one batch per client).
 *
 * docs/streams.md has the semantics and the measured numbers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import { GeoError, httpStatusFor } from '../errors.js';
import type { Logger } from '../log.js';
import { connect, type RedisTarget, redisOptions } from '../runtime/redis.js';
import { redisKeys } from '../store/keys.js';
import { recordField } from '../store/redis-records.js';
import {
  cmpStreamId,
  errorJson,
  isValidTopic,
  PING_FRAME,
  parseStreamId,
  type RevokedReason,
  resyncFrame,
  revokedFrame,
  sseRecordsBuffer,
} from './sse-format.js';

export type RecordEvent = { kind: 'record'; id: string; json: string };
export type ResyncEvent = { kind: 'resync'; requested: string; oldest: string };
export type RelayEvent = RecordEvent | ResyncEvent;

/** Optional hooks of `subscribe` (the WebSocket adapter uses them; plain callers can ignore them). */
export interface SubscribeOptions {
  /** The start point was read from Redis: from here on nothing published is missed. */
  onOpen?: () => void;
  /**
   * With `failFast`, a subscription whose first Redis read fails ends with this error (a 503 for a client);
   * without it the relay retries until Redis answers.
   */
  failFast?: boolean;
  onError?: (err: GeoError) => void;
  /**
   * Paces the catch-up (backlog) pages: awaited between pages; `false` ends the subscription (the client does
   * not drain). Live events are never paced: a slow live client is cut by its own adapter.
   */
  ready?: () => Promise<boolean> | boolean;
  /** The relay is closing (shutdown): the subscription is over. */
  onClose?: () => void;
}

/**
 * The resume point of an SSE request: the `Last-Event-ID` header (what EventSource sends when it reconnects),
 * else `?lastEventId=` (a first connection resuming from a stored id: browsers cannot set the header). Not
 * validated here: `serveSse` answers 400 for a malformed one.
 */
export function lastEventIdOf(req: IncomingMessage): string | null {
  const h = req.headers['last-event-id'];
  if (typeof h === 'string' && h !== '') return h;
  const q = req.url?.indexOf('?') ?? -1;
  if (q < 0) return null;
  return new URLSearchParams(req.url!.slice(q + 1)).get('lastEventId');
}

/** One SSE response served by the relay, for whoever decides that it must end (src/api/live-auth.ts). */
export interface SseHandle {
  /**
   * Ends the stream because its credential ended: an open stream gets `event: revoked` (data `{"reason"}`) and
   * its end (cut after {@link REVOKED_GRACE_MS} if the client does not take it); one not yet open is answered
   * 401 `UNAUTHORISED`. Nothing is sent after it; a no-op once the response has ended.
   */
  revoke(reason: RevokedReason): void;
}

/** How long a revoked SSE client may take to read its last bytes before its socket is cut. */
export const REVOKED_GRACE_MS = 2_000;

export interface StreamRelay {
  /**
   * Serves one SSE client of `topic` on a plain node:http request (fastify: `reply.hijack()` first). 400 for
   * an invalid topic or `lastEventId`, 503 when Redis does not answer before the stream opens; after that
   * the response is the stream until the client goes, is too slow, or the relay closes. With `filter`, only
   * the records it accepts are sent (a saved subscription's stream): the others are skipped as if sent, so
   * resume and resync work as on the whole topic. The handle ends the stream early (a revoked credential).
   */
  serveSse(
    req: IncomingMessage,
    res: ServerResponse,
    topic: string,
    lastEventId: string | null,
    filter?: (e: RecordEvent) => boolean,
  ): SseHandle;
  /**
   * Calls `onEvent` for every event of `topic` after `fromId` (null: live from now) until it returns false
   * or the returned function is called. Throws `INPUT_INVALID` for an invalid topic or id.
   */
  subscribe(
    topic: string,
    fromId: string | null,
    onEvent: (e: RelayEvent) => boolean,
    opts?: SubscribeOptions,
  ): () => void;
  /** The id of the newest entry of the topic's stream, `0-0` when it has none (a live-from-now start point). */
  head(topic: string): Promise<string>;
  close(): Promise<void>;
  stats(): RelayStats;
}

export interface RelayStats {
  /** Subscriptions (SSE, WebSocket and `subscribe` callers), live or catching up. */
  clients: number;
  /** Topics with a running `XREAD` loop. */
  readers: number;
  /** Clients cut because their unsent bytes passed the cap (SSE here; WebSocket: src/api/ws.ts). */
  slowDisconnects: number;
  /** `resync` events sent. */
  resyncs: number;
  /** Reads abandoned by the watchdog (each one replaced its connection). */
  watchdogAborts: number;
}

export interface StreamRelayOptions {
  redis: RedisTarget;
  prefix: string;
  log: Logger;
  /** `XREAD BLOCK` time. @defaultValue 5000 */
  blockMs?: number;
  /** Unsent bytes a client may have before it is cut. @defaultValue 1 MiB */
  maxBufferBytes?: number;
  /** SSE heartbeat (`: ping`) interval. @defaultValue 15000 */
  heartbeatMs?: number;
  /** Extra time past `blockMs` before the watchdog abandons a read. @defaultValue 2000 */
  watchdogMarginMs?: number;
  /** A topic without clients keeps its reader this long (clients that reconnect at once reuse it). @defaultValue 1000 */
  idleMs?: number;
  /** Entries per `XREAD` and per catch-up page. @defaultValue 200 */
  batch?: number;
  /** Time a client may take to drain between catch-up pages before it counts as slow. @defaultValue 30000 */
  drainTimeoutMs?: number;
  /** Deadline of a non-blocking command (start point, catch-up page). @defaultValue 5000 */
  commandTimeoutMs?: number;
  /** How an HTTP error is answered (the API's error shape). @defaultValue `{"error":{"code","message"}}` JSON */
  onHttpError?: (res: ServerResponse, status: number, err: GeoError) => void;
}

/** Internal delivery target: the SSE adapter writes batches as one buffer; `subscribe` calls per event. */
interface Sink {
  open(): void;
  fail(err: GeoError): void;
  records(batch: Batch): boolean;
  resync(e: ResyncEvent): boolean;
  ready(): Promise<boolean> | boolean;
  ping?(): boolean;
  close(): void;
}

/** Events read together; the SSE frames are built once, as one buffer shared by every SSE client of the topic. */
interface Batch {
  events: RecordEvent[];
  sse?: Buffer;
}

interface Reader {
  topic: string;
  key: string;
  subs: Set<Sub>;
  live: Set<Sub>;
  /** The last id the loop has dispatched (or its start point); null until read. */
  cursor: string | null;
  ready: Promise<void>;
  markReady: () => void;
  conn: Redis | null;
  running: boolean;
  idleTimer: NodeJS.Timeout | null;
  /** Check the stream's horizon against the cursor before the next read (after an outage or a full batch). */
  checkHorizon: boolean;
  done: Promise<void>;
}

interface Sub {
  reader: Reader;
  sink: Sink;
  /** The last id delivered (exclusive start); `0-0` = from the oldest retained entry. */
  last: string;
  /** Started from a client's id: a horizon past it is a `resync`. */
  resume: boolean;
  stopped: boolean;
  sse: boolean;
}

type XEntries = Array<[string, string[]]>;

const ABANDONED = Symbol('abandoned');
/** How long a request waits for the command connection to be ready before it counts Redis as away. */
const CMD_READY_MS = 2_000;
const STREAM_ID = /^\d+-\d+$/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class TimeoutError extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new TimeoutError(`${what} timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** Resolves true once `conn` is ready, false after `ms` or when it ends. */
function waitReady(conn: Redis, ms: number): Promise<boolean> {
  if (conn.status === 'ready') return Promise.resolve(true);
  if (conn.status === 'end') return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (v: boolean) => {
      clearTimeout(t);
      conn.off('ready', onReady);
      conn.off('end', onEnd);
      resolve(v);
    };
    const onReady = () => done(true);
    const onEnd = () => done(false);
    const t = setTimeout(() => done(false), ms);
    conn.once('ready', onReady);
    conn.once('end', onEnd);
  });
}

function toEvents(entries: XEntries): RecordEvent[] {
  const out: RecordEvent[] = [];
  for (const [id, fields] of entries)
    if (STREAM_ID.test(id)) out.push({ kind: 'record', id, json: recordField(fields) });
  return out;
}

function sseBuffer(batch: Batch): Buffer {
  batch.sse ??= sseRecordsBuffer(batch.events);
  return batch.sse;
}

function redisAway(err: unknown): GeoError {
  return new GeoError('REDIS_UNAVAILABLE', 'the stream store (Redis) does not answer; retry later', {
    cause: err,
  });
}

function defaultHttpError(res: ServerResponse, status: number, err: GeoError): void {
  const body = errorJson(err.code, err.message);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

export function createStreamRelay(opts: StreamRelayOptions): StreamRelay {
  const log = opts.log.child({ component: 'stream-relay' });
  const keys = redisKeys(opts.prefix);
  const blockMs = opts.blockMs ?? 5_000;
  const cap = opts.maxBufferBytes ?? 1024 * 1024;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const watchdogMs = blockMs + (opts.watchdogMarginMs ?? 2_000);
  const idleMs = opts.idleMs ?? 1_000;
  const batchSize = opts.batch ?? 200;
  const drainTimeoutMs = opts.drainTimeoutMs ?? 30_000;
  const commandTimeoutMs = opts.commandTimeoutMs ?? 5_000;
  const onHttpError = opts.onHttpError ?? defaultHttpError;

  // Non-blocking reads (start points, catch-up pages) share one fail-fast connection.
  let cmd = connect(opts.redis, 'producer', log);
  const readers = new Map<string, Reader>();
  const sseSubs = new Set<Sub>();
  const counters = { slowDisconnects: 0, resyncs: 0, watchdogAborts: 0 };
  let closed = false;
  let lastReadError = '';

  const heartbeat = setInterval(() => {
    for (const sub of sseSubs) if (!sub.sink.ping!()) stopSub(sub);
  }, heartbeatMs);
  heartbeat.unref();

  /** A blocking-read connection of its own: fail-fast, and never replaying an interrupted read by itself. */
  function readerConn(topic: string): Redis {
    const o = {
      ...redisOptions(opts.redis, 'producer'),
      autoResendUnfulfilledCommands: false,
      connectionName: `${opts.prefix}:relay:${topic}`,
    };
    const c = 'url' in opts.redis ? new Redis(opts.redis.url, o) : new Redis(o);
    c.on('error', (err: Error) => {
      if (err.message !== lastReadError)
        log.warn({ topic, err: err.message }, 'stream reader connection error');
      lastReadError = err.message;
    });
    return c;
  }

  function dropConn(r: Reader): void {
    const c = r.conn;
    r.conn = null;
    c?.disconnect();
  }

  /**
   * Runs one command on the shared connection with a deadline. A connection that is up but does not answer in
   * time (a half-open socket) is replaced, like the readers' (the next command gets a fresh one).
   */
  async function command<T>(what: string, f: (c: Redis) => Promise<T>): Promise<T> {
    const c = cmd;
    if (c.status !== 'ready' && !(await waitReady(c, CMD_READY_MS)))
      throw new Error(`Redis connection ${c.status}`);
    try {
      return await withTimeout(f(c), commandTimeoutMs, what);
    } catch (err) {
      if (err instanceof TimeoutError && cmd === c && !closed) {
        log.warn({ what, afterMs: commandTimeoutMs }, 'Redis command did not return; new connection');
        cmd = connect(opts.redis, 'producer', log);
        c.disconnect();
      }
      throw err;
    }
  }

  async function head(topic: string): Promise<string> {
    const last = await command('XREVRANGE', (c) => c.xrevrange(keys.stream(topic), '+', '-', 'COUNT', 1));
    return last[0]?.[0] ?? '0-0';
  }

  function readOnce(r: Reader, conn: Redis): Promise<XEntries | null | typeof ABANDONED> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        conn.off('close', onClose);
        f();
      };
      // A read cut by a connection loss is not trusted to settle (ioredis drops it on reconnect, or would replay
      // it): abandon it now and reissue it from the same cursor once a connection is ready.
      const onClose = () => finish(() => resolve(ABANDONED));
      const timer = setTimeout(
        () =>
          finish(() => {
            counters.watchdogAborts++;
            log.warn({ topic: r.topic, afterMs: watchdogMs }, 'stream read did not return; new connection');
            dropConn(r);
            resolve(ABANDONED);
          }),
        watchdogMs,
      );
      conn.once('close', onClose);
      (
        conn.xread('COUNT', batchSize, 'BLOCK', blockMs, 'STREAMS', r.key, r.cursor!) as Promise<Array<
          [string, XEntries]
        > | null>
      ).then(
        (res) => finish(() => resolve(res?.[0]?.[1] ?? null)),
        (err: unknown) => finish(() => reject(err)),
      );
    });
  }

  /** The reader fell behind the horizon (it was away, or reads full batches): tell the live clients. */
  async function readerHorizon(r: Reader): Promise<void> {
    if (r.cursor === '0-0' || r.live.size === 0) return;
    const first = (await command('XRANGE', (c) => c.xrange(r.key, '-', '+', 'COUNT', 1)))[0]?.[0];
    if (!first || cmpStreamId(first, r.cursor!) <= 0) return;
    log.warn({ topic: r.topic, cursor: r.cursor, oldest: first }, 'stream reader passed by the trim horizon');
    for (const sub of r.live) {
      if (cmpStreamId(first, sub.last) <= 0) continue;
      counters.resyncs++;
      if (!sub.sink.resync({ kind: 'resync', requested: sub.last, oldest: first })) stopSub(sub);
    }
  }

  function dispatch(r: Reader, entries: XEntries): void {
    r.cursor = entries[entries.length - 1]![0];
    const read = toEvents(entries);
    if (read.length === 0) return;
    const batch: Batch = { events: read };
    const firstId = read[0]!.id;
    const lastId = read[read.length - 1]!.id;
    for (const sub of r.live) {
      let b = batch;
      if (cmpStreamId(firstId, sub.last) <= 0) {
        // Joined from a catch-up page that already went past some of these: skip what it has.
        const rest = read.filter((e) => cmpStreamId(e.id, sub.last) > 0);
        if (rest.length === 0) continue;
        b = { events: rest };
      }
      if (!sub.sink.records(b)) stopSub(sub);
      else sub.last = lastId;
    }
  }

  async function runReader(r: Reader): Promise<void> {
    let delay = 0;
    while (r.running) {
      try {
        if (r.cursor === null) {
          r.cursor = await head(r.topic);
          r.markReady();
        }
        if (!r.conn) r.conn = readerConn(r.topic);
        const conn = r.conn;
        if (conn.status !== 'ready') {
          if (!(await waitReady(conn, watchdogMs))) {
            if (conn.status === 'end' && r.conn === conn) dropConn(r);
            continue;
          }
          r.checkHorizon = true;
        }
        if (!r.running) break;
        if (r.checkHorizon) {
          await readerHorizon(r);
          r.checkHorizon = false;
        }
        const res = await readOnce(r, conn);
        if (!r.running) break;
        if (res === ABANDONED) {
          r.checkHorizon = true;
          continue;
        }
        delay = 0;
        if (res && res.length > 0) {
          dispatch(r, res);
          if (res.length >= batchSize) r.checkHorizon = true;
        }
      } catch (err) {
        if (!r.running) break;
        r.checkHorizon = true;
        const msg = (err as Error).message;
        if (msg !== lastReadError) log.warn({ topic: r.topic, err: msg }, 'stream read failed; retrying');
        lastReadError = msg;
        delay = Math.min(delay * 2 || 100, 2_000);
        await sleep(delay);
      }
    }
  }

  function readerFor(topic: string): Reader {
    let r = readers.get(topic);
    if (!r) {
      let markReady!: () => void;
      const ready = new Promise<void>((ok) => {
        markReady = ok;
      });
      const created: Reader = {
        topic,
        key: keys.stream(topic),
        subs: new Set(),
        live: new Set(),
        cursor: null,
        ready,
        markReady,
        conn: null,
        running: true,
        idleTimer: null,
        checkHorizon: false,
        done: Promise.resolve(),
      };
      created.done = runReader(created).catch((err: unknown) => {
        log.error({ topic, err: (err as Error).message }, 'stream reader stopped');
      });
      readers.set(topic, created);
      r = created;
    }
    if (r.idleTimer) {
      clearTimeout(r.idleTimer);
      r.idleTimer = null;
    }
    return r;
  }

  function stopReader(r: Reader): void {
    r.running = false;
    if (r.idleTimer) clearTimeout(r.idleTimer);
    r.idleTimer = null;
    if (readers.get(r.topic) === r) readers.delete(r.topic);
    dropConn(r);
    r.markReady();
  }

  function stopSub(sub: Sub): void {
    if (sub.stopped) return;
    sub.stopped = true;
    const r = sub.reader;
    r.subs.delete(sub);
    r.live.delete(sub);
    sseSubs.delete(sub);
    if (r.subs.size === 0 && r.running && !r.idleTimer) {
      r.idleTimer = setTimeout(() => {
        r.idleTimer = null;
        if (r.subs.size === 0) stopReader(r);
      }, idleMs);
      r.idleTimer.unref();
    }
  }

  /** One catch-up page with the stream's oldest entry, read atomically (MULTI): the horizon and the page agree. */
  async function page(
    key: string,
    after: string,
  ): Promise<{ oldest: string | undefined; entries: XEntries }> {
    const start = after === '0-0' ? '-' : `(${after}`;
    const res = await command('MULTI XRANGE', (c) =>
      c.multi().xrange(key, '-', '+', 'COUNT', 1).xrange(key, start, '+', 'COUNT', batchSize).exec(),
    );
    if (!res) throw new Error('catch-up transaction aborted');
    for (const [err] of res) if (err) throw err;
    const first = res[0]![1] as XEntries;
    return { oldest: first[0]?.[0], entries: res[1]![1] as XEntries };
  }

  async function runSub(sub: Sub, from: string | null, failFast: boolean): Promise<void> {
    const r = sub.reader;
    let opened = false;
    let delay = 0;
    const open = () => {
      opened = true;
      sub.sink.open();
      if (sub.sse && !sub.stopped) sseSubs.add(sub);
    };
    while (!sub.stopped) {
      try {
        if (!opened && from === null) {
          sub.last = await head(r.topic);
          if (sub.stopped) return;
          open();
          continue;
        }
        const { oldest, entries } = await page(r.key, sub.last);
        if (sub.stopped) return;
        if (!opened) open();
        if (sub.resume && oldest && sub.last !== '0-0' && cmpStreamId(oldest, sub.last) > 0) {
          // The entries after the client's id were trimmed (MAXLEN): say so explicitly, then go on from the
          // oldest entry still held (the page, read in the same MULTI, starts there) — never a silent gap.
          counters.resyncs++;
          if (!sub.sink.resync({ kind: 'resync', requested: sub.last, oldest })) return stopSub(sub);
        }
        const read = toEvents(entries);
        if (entries.length > 0) sub.last = entries[entries.length - 1]![0];
        if (read.length > 0 && !sub.sink.records({ events: read })) return stopSub(sub);
        if (entries.length < batchSize) {
          await r.ready;
          if (sub.stopped || !r.running) return;
          // No await between this check and joining: the reader dispatches everything after its cursor, and
          // anything at or before `sub.last` is skipped by dispatch() — no gap, no duplicate at the seam.
          if (cmpStreamId(sub.last, r.cursor!) >= 0) {
            r.live.add(sub);
            return;
          }
        }
        // The adapter cuts a client that does not drain in time (and counts it).
        if (!(await sub.sink.ready())) return stopSub(sub);
        delay = 0;
      } catch (err) {
        if (sub.stopped) return;
        if (!opened && failFast) {
          sub.sink.fail(redisAway(err));
          return stopSub(sub);
        }
        delay = Math.min(delay * 2 || 100, 2_000);
        await sleep(delay);
      }
    }
  }

  function addSub(topic: string, from: string | null, sink: Sink, failFast: boolean, sse: boolean): Sub {
    const reader = readerFor(topic);
    const sub: Sub = { reader, sink, last: from ?? '0-0', resume: from !== null, stopped: false, sse };
    reader.subs.add(sub);
    runSub(sub, from, failFast).catch((err: unknown) => {
      log.error({ topic, err: (err as Error).message }, 'stream subscription failed');
      stopSub(sub);
    });
    return sub;
  }

  function checkArgs(topic: string, fromId: string | null): string | null {
    if (!isValidTopic(topic)) throw new GeoError('INPUT_INVALID', 'invalid stream topic');
    if (fromId === null || fromId === '') return null;
    const id = parseStreamId(fromId);
    if (!id) throw new GeoError('INPUT_INVALID', 'Last-Event-ID is not a stream id (<ms>-<seq>)');
    return id;
  }

  return {
    serveSse(req, res, topic, lastEventId, filter) {
      let from: string | null;
      try {
        from = checkArgs(topic, lastEventId);
        if (closed) throw new GeoError('REDIS_UNAVAILABLE', 'the stream relay is shutting down');
      } catch (err) {
        const e = err as GeoError;
        onHttpError(res, httpStatusFor(e.code), e);
        return { revoke: () => undefined };
      }
      const socket = req.socket;
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      socket.setTimeout(0);
      const write = (data: Buffer | string): boolean => {
        if (res.destroyed || res.writableEnded) return false;
        res.write(data);
        if (res.writableLength > cap) {
          counters.slowDisconnects++;
          log.warn({ topic, buffered: res.writableLength, cap }, 'slow SSE client disconnected');
          res.destroy();
          return false;
        }
        return true;
      };
      const sink: Sink = {
        open() {
          if (res.destroyed || res.writableEnded) return;
          res.writeHead(200, {
            'Content-Type': 'text/event-stream; charset=utf-8',
            'Cache-Control': 'no-store',
            'X-Accel-Buffering': 'no',
            Connection: 'keep-alive',
          });
          res.flushHeaders();
        },
        fail(err) {
          if (!res.headersSent && !res.destroyed) onHttpError(res, httpStatusFor(err.code), err);
        },
        records(batch) {
          if (!filter) return write(sseBuffer(batch));
          const events = batch.events.filter(filter);
          return events.length === 0 || write(sseRecordsBuffer(events));
        },
        resync: (e) => write(resyncFrame(e.requested, e.oldest)),
        ping: () => write(PING_FRAME),
        ready() {
          if (res.writableLength <= cap / 4) return !res.destroyed;
          return new Promise<boolean>((resolve) => {
            const until = Date.now() + drainTimeoutMs;
            const poll = setInterval(() => {
              if (res.destroyed) done(false);
              else if (res.writableLength <= cap / 4) done(true);
              else if (Date.now() > until) {
                counters.slowDisconnects++;
                log.warn(
                  { topic, buffered: res.writableLength },
                  'SSE client did not drain its catch-up; cut',
                );
                res.destroy();
                done(false);
              }
            }, 20);
            const done = (v: boolean) => {
              clearInterval(poll);
              resolve(v);
            };
          });
        },
        close() {
          if (!res.headersSent) res.destroy();
          else res.end();
        },
      };
      const sub = addSub(topic, from, sink, true, true);
      res.on('close', () => stopSub(sub));
      return {
        revoke(reason) {
          stopSub(sub);
          if (res.destroyed || res.writableEnded) return;
          if (!res.headersSent) {
            onHttpError(res, 401, new GeoError('UNAUTHORISED', 'the credential was revoked or ended'));
            return;
          }
          res.end(revokedFrame(reason));
          const cut = setTimeout(() => res.destroy(), REVOKED_GRACE_MS);
          cut.unref();
          res.once('close', () => clearTimeout(cut));
        },
      };
    },

    subscribe(topic, fromId, onEvent, so = {}) {
      const from = checkArgs(topic, fromId);
      if (closed) throw new GeoError('REDIS_UNAVAILABLE', 'the stream relay is shutting down');
      let stopped = false;
      const sink: Sink = {
        open: () => so.onOpen?.(),
        fail: (err) => so.onError?.(err),
        records(batch) {
          for (const e of batch.events) if (stopped || !onEvent(e)) return false;
          return !stopped;
        },
        resync: (e) => !stopped && onEvent(e),
        ready: () => (so.ready ? so.ready() : true),
        close: () => so.onClose?.(),
      };
      const sub = addSub(topic, from, sink, so.failFast ?? false, false);
      return () => {
        stopped = true;
        stopSub(sub);
      };
    },

    head(topic) {
      if (!isValidTopic(topic)) return Promise.reject(new GeoError('INPUT_INVALID', 'invalid stream topic'));
      return head(topic).catch((err: unknown) => {
        throw redisAway(err);
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      const all = [...readers.values()];
      for (const r of all) {
        for (const sub of [...r.subs]) {
          stopSub(sub);
          try {
            sub.sink.close();
          } catch {
            // a client already gone
          }
        }
        stopReader(r);
      }
      await Promise.all(all.map((r) => r.done));
      cmd.disconnect();
    },

    stats() {
      let clients = 0;
      for (const r of readers.values()) clients += r.subs.size;
      return { clients, readers: readers.size, ...counters };
    },
  };
}
