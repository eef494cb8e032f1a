import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import { GeoError, isGeoError } from '../errors.js';
import type { AddressPolicy } from './address-policy.js';
import { collectBody, parseContentEncoding } from './decode-body.js';
import { type PinnedTarget, pinnedLookup } from './resolve.js';
import type { ConnectInfo } from './types.js';

/** Inputs of one HTTP exchange (one redirect hop). */
export interface HopOptions {
  headers: Record<string, string>;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  idleTimeoutMs: number;
  maxBodyBytes: number;
  policy: AddressPolicy;
  /** Aborts everything (total deadline or caller); its reason should be a GeoError. */
  signal: AbortSignal;
  onConnect?: (info: ConnectInfo) => void;
  /** @defaultValue 'GET' (webhooks POST: src/fetch/webhook-post.ts) */
  method?: 'GET' | 'POST';
  /** Request body (with `method: 'POST'`; the caller sets Content-Type and Content-Length). */
  body?: Buffer;
  /** false: answer at the response headers for every status, never reading the body. @defaultValue true */
  readBody?: boolean;
}

/** What one hop produced; `body` only for 2xx responses. */
export interface HopResult {
  status: number;
  headers: IncomingHttpHeaders;
  body?: Buffer;
  connectMs: number;
  headersMs: number;
}

type Phase = 'connect' | 'headers' | 'body';

const TLS_CODE =
  /^(ERR_SSL_|ERR_TLS_|ERR_OSSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|EPROTO$)/;

/** Maps a transport error to a stable code; `phase` and `secure` tell what the socket had got to. */
export function classifyTransportError(err: unknown, phase: Phase, tlsPending: boolean): GeoError {
  if (isGeoError(err)) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  const details = { errno: code, phase };
  if (TLS_CODE.test(code) || tlsPending)
    return new GeoError('TLS_ERROR', `TLS failure: ${e?.message ?? code}`, { cause: err, details });
  if (code === 'ETIMEDOUT') return new GeoError('TIMEOUT', `timed out (${phase})`, { cause: err, details });
  if (phase === 'headers' && (code === 'ECONNRESET' || code === 'EPIPE'))
    return new GeoError('EMPTY_RESPONSE', 'connection closed before any response', { cause: err, details });
  const what = phase === 'body' ? 'connection lost while reading the body' : `connection failed (${code})`;
  return new GeoError('NETWORK_ERROR', what, { cause: err, details });
}

/**
 * Sends one request (GET unless `method` says POST) to the pinned address and reads the answer under the
 * connect, headers and idle timeouts.
 * The socket's remote address is checked against the policy again once connected. Redirects, 304 and
 * error statuses are returned without reading their bodies (the socket is closed at once).
 */
export function requestOnce(url: URL, target: PinnedTarget, o: HopOptions): Promise<HopResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let phase: Phase = 'connect';
    let tlsPending = false;
    let connectMs = 0;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let res: IncomingMessage | undefined;
    const secure = url.protocol === 'https:';
    const mod = secure ? https : http;

    const arm = (ms: number, what: string): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(
        () =>
          fail(new GeoError('TIMEOUT', `${what} timeout after ${ms} ms`, { details: { phase: what, ms } })),
        ms,
      );
    };
    const finish = (): void => {
      settled = true;
      if (timer) clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
    };
    const fail = (err: unknown): void => {
      if (settled) return;
      finish();
      const mapped = classifyTransportError(err, phase, tlsPending);
      res?.destroy();
      req.destroy();
      reject(mapped);
    };
    const onAbort = (): void => fail(o.signal.reason);

    let req: http.ClientRequest;
    try {
      req = mod.request({
        protocol: url.protocol,
        hostname: target.hostname,
        port: url.port === '' ? undefined : Number(url.port),
        path: url.pathname + url.search,
        method: o.method ?? 'GET',
        headers: { ...o.headers, Host: url.host },
        lookup: pinnedLookup(target),
        family: target.family,
        agent: false,
        // SNI and certificate checks use the URL's host name; RFC 6066 forbids an IP literal as SNI.
        servername: isIP(target.hostname) ? undefined : target.hostname,
      });
    } catch (err) {
      // Invalid header values (a stored ETag with control characters, a bad Accept) are refused by node.
      settled = true;
      return reject(
        new GeoError('INPUT_INVALID', `cannot build request: ${(err as Error).message}`, { cause: err }),
      );
    }
    if (o.signal.aborted) return onAbort();
    o.signal.addEventListener('abort', onAbort, { once: true });
    arm(o.connectTimeoutMs, 'connect');

    req.on('socket', (socket: Socket) => {
      socket.once('connect', () => {
        const address = socket.remoteAddress ?? '';
        if (address !== target.address || !o.policy.check(address).allowed)
          return fail(new GeoError('SSRF_BLOCKED', `connected to unexpected address ${address}`));
        connectMs = performance.now() - started;
        phase = 'headers';
        tlsPending = secure;
        o.onConnect?.({ host: target.hostname, address, port: socket.remotePort ?? 0 });
        arm(o.headersTimeoutMs, 'headers');
      });
      if (secure) socket.once('secureConnect', () => (tlsPending = false));
    });
    req.on('error', fail);
    req.on('response', (response: IncomingMessage) => {
      res = response;
      const headersMs = performance.now() - started;
      const status = response.statusCode ?? 0;
      const done = (body?: Buffer): void => {
        if (settled) return;
        finish();
        resolve({ status, headers: response.headers, body, connectMs, headersMs });
      };
      if (status < 200 || status >= 300 || o.readBody === false) {
        done();
        response.destroy();
        return;
      }
      phase = 'body';
      try {
        const codings = parseContentEncoding(response.headers['content-encoding']);
        const length = Number(response.headers['content-length']);
        if (Number.isFinite(length) && length > o.maxBodyBytes)
          throw new GeoError(
            'RESPONSE_TOO_LARGE',
            `Content-Length ${length} exceeds ${o.maxBodyBytes} bytes`,
            {
              details: { maxBytes: o.maxBodyBytes, contentLength: length },
            },
          );
        arm(o.idleTimeoutMs, 'idle');
        collectBody(response, codings, o.maxBodyBytes, () => arm(o.idleTimeoutMs, 'idle')).then(done, fail);
      } catch (err) {
        fail(err);
      }
    });
    req.end(o.body);
  });
}
