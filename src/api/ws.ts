/**
 * The live streams over WebSocket (`ws` ≥ 8.17.1: CVE-2024-37890), on the relay of src/api/stream-relay.ts:
 * `GET /v1/ws?topic=<topic>[&lastEventId=<id>]`, one JSON text message per event:
 * `{"event":"record","id":"<stream id>","data":<record>}` and `{"event":"resync","id":null,"data":{"requested",
 * "oldest"}}` — the SSE events, same resume and resync rules (docs/streams.md).
 *
 * Everything is decided before the handshake: `authorize(req)` (401), the topic and id (400), and for a live
 * start the stream's last id (503 while Redis is away) — so a client that sees `open` misses nothing published
 * after it. Clients send nothing (messages are ignored; `maxPayload` is small), a client whose unsent bytes
 * (`bufferedAmount`) pass the cap is terminated, and a ping every `heartbeatMs` ends clients that stop
 * answering. No permessage-deflate (memory per connection, compression bombs). An `authorize` that answers with a
 * {@link WebSocketGrant} can end the open socket later (the API: 4401 when its token or session ends).
 */
import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { GeoError, httpStatusFor } from '../errors.js';
import type { Logger } from '../log.js';
import { errorJson, isValidTopic, parseStreamId, wsRecordMessage, wsResyncMessage } from './sse-format.js';
import type { RelayEvent, StreamRelay } from './stream-relay.js';

/** What `authorize` may answer instead of `true`: a hook on the open socket, to close it later. */
export interface WebSocketGrant {
  /**
   * The socket is open; `close(code, reason)` ends it (the socket is cut if the client does not answer the
   * close within {@link CLOSE_GRACE_MS}). Returns what to call once the socket has closed.
   */
  opened(close: (code: number, reason: string) => void): () => void;
}

/** How long a client may take to answer a server-initiated close before its socket is cut. */
export const CLOSE_GRACE_MS = 2_000;

export interface WebSocketOptions {
  /** The one path served (`/v1/ws`). */
  path: string;
  /**
   * Whether the upgrade request may subscribe (token, session cookie — and its Origin for a cookie): false,
   * true, or a grant that can close the socket later.
   */
  authorize(req: IncomingMessage): Promise<boolean | WebSocketGrant> | boolean | WebSocketGrant;
  log?: Logger;
  /** Unsent bytes a client may have before it is terminated. @defaultValue 1 MiB */
  maxBufferBytes?: number;
  /** Ping interval; a client that has not answered the previous ping is terminated. @defaultValue 15000 */
  heartbeatMs?: number;
  /** Largest message accepted from a client. @defaultValue 4096 */
  maxPayload?: number;
  /** Time a client may take to drain between catch-up pages. @defaultValue 30000 */
  drainTimeoutMs?: number;
}

export interface WebSocketHandle {
  wss: WebSocketServer;
  stats(): { clients: number; slowDisconnects: number };
  /** Closes every client (1001) and stops serving upgrades on the path. */
  close(): Promise<void>;
}

/** Messages of one event, built once however many clients get it (live events are shared objects). */
const messages = new WeakMap<RelayEvent, string>();

function messageOf(e: RelayEvent): string {
  let m = messages.get(e);
  if (m === undefined) {
    m = e.kind === 'record' ? wsRecordMessage(e.id, e.json) : wsResyncMessage(e.requested, e.oldest);
    messages.set(e, m);
  }
  return m;
}

function refuse(socket: Duplex, status: number, err?: GeoError): void {
  if (socket.destroyed) return;
  const body = err ? errorJson(err.code, err.message) : '';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nCache-Control: no-store\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}

export function attachWebSocket(server: Server, relay: StreamRelay, opts: WebSocketOptions): WebSocketHandle {
  const cap = opts.maxBufferBytes ?? 1024 * 1024;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const drainTimeoutMs = opts.drainTimeoutMs ?? 30_000;
  const log = opts.log?.child({ component: 'ws' });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxPayload ?? 4096,
    perMessageDeflate: false,
    clientTracking: true,
  });
  const alive = new WeakMap<WebSocket, boolean>();
  let slowDisconnects = 0;
  let closing = false;

  function serve(ws: WebSocket, topic: string, from: string, grant: WebSocketGrant | null): void {
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    ws.on('error', () => undefined);
    ws.on('message', () => undefined);
    const send = (e: RelayEvent): boolean => {
      if (ws.readyState !== ws.OPEN) return false;
      ws.send(messageOf(e));
      if (ws.bufferedAmount > cap) {
        slowDisconnects++;
        log?.warn({ topic, buffered: ws.bufferedAmount, cap }, 'slow WebSocket client terminated');
        ws.terminate();
        return false;
      }
      return true;
    };
    let unsubscribe: () => void;
    try {
      unsubscribe = relay.subscribe(topic, from, send, {
        failFast: true,
        onError: () => ws.close(1013, 'stream store unavailable, retry later'),
        onClose: () => ws.close(1001, 'server shutting down'),
        ready: () => {
          if (ws.bufferedAmount <= cap / 4) return ws.readyState === ws.OPEN;
          return new Promise<boolean>((resolve) => {
            const until = Date.now() + drainTimeoutMs;
            const poll = setInterval(() => {
              let v = ws.readyState !== ws.OPEN ? false : ws.bufferedAmount <= cap / 4 ? true : undefined;
              if (v === undefined && Date.now() > until) {
                slowDisconnects++;
                log?.warn(
                  { topic, buffered: ws.bufferedAmount },
                  'WebSocket client did not drain its catch-up',
                );
                ws.terminate();
                v = false;
              }
              if (v !== undefined) {
                clearInterval(poll);
                resolve(v);
              }
            }, 20);
          });
        },
      });
    } catch {
      ws.close(1011, 'subscription refused');
      return;
    }
    let cut: NodeJS.Timeout | undefined;
    const release = grant?.opened((code, reason) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.close(code, reason);
      cut = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
      cut.unref();
    });
    ws.on('close', () => {
      clearTimeout(cut);
      unsubscribe();
      release?.();
    });
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return refuse(socket, 400);
    }
    if (url.pathname !== opts.path) {
      // Another upgrade handler may own that path; alone, answer it rather than leave the socket hanging.
      if (server.listenerCount('upgrade') === 1) refuse(socket, 404);
      return;
    }
    socket.on('error', () => undefined);
    if (closing) return refuse(socket, 503);
    let allowed: boolean | WebSocketGrant = false;
    try {
      allowed = await opts.authorize(req);
    } catch (err) {
      log?.warn({ err: (err as Error).message }, 'WebSocket authorisation failed');
      return refuse(socket, 500);
    }
    if (!allowed) return refuse(socket, 401, new GeoError('UNAUTHORISED', 'a valid token is required'));
    const topic = url.searchParams.get('topic') ?? '';
    if (!isValidTopic(topic))
      return refuse(socket, 400, new GeoError('INPUT_INVALID', 'invalid stream topic'));
    const raw = url.searchParams.get('lastEventId');
    let from: string;
    if (raw !== null && raw !== '') {
      const id = parseStreamId(raw);
      if (!id)
        return refuse(
          socket,
          400,
          new GeoError('INPUT_INVALID', 'lastEventId is not a stream id (<ms>-<seq>)'),
        );
      from = id;
    } else {
      // Live from now: the stream's last id, read before the handshake completes.
      try {
        from = await relay.head(topic);
      } catch (err) {
        const e =
          err instanceof GeoError ? err : new GeoError('REDIS_UNAVAILABLE', 'stream store unavailable');
        return refuse(socket, httpStatusFor(e.code), e);
      }
    }
    if (socket.destroyed) return;
    const grant = typeof allowed === 'object' ? allowed : null;
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws, topic, from, grant));
  }

  const listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    onUpgrade(req, socket, head).catch((err: unknown) => {
      log?.error({ err: (err as Error).message }, 'WebSocket upgrade failed');
      refuse(socket, 500);
    });
  };
  server.on('upgrade', listener);

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.get(ws)) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, heartbeatMs);
  heartbeat.unref();

  return {
    wss,
    stats: () => ({ clients: wss.clients.size, slowDisconnects }),
    async close() {
      closing = true;
      clearInterval(heartbeat);
      server.off('upgrade', listener);
      for (const ws of wss.clients) ws.close(1001, 'server shutting down');
      const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
      // A client that does not answer the close handshake is cut after a second, not ws's 30 s.
      const grace = setTimeout(() => {
        for (const ws of wss.clients) ws.terminate();
      }, 1_000);
      await closed;
      clearTimeout(grace);
    },
  };
}
