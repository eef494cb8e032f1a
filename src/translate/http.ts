/**
 * The one HTTP call of the translation backends: a JSON POST to the configured endpoint with a deadline, a cap
 * on the answer and every failure mapped to a GeoError code. Not the hardened feed fetcher (src/fetch/): that one
 * guards against addresses taken from feeds, while a translation backend is an endpoint the operator configured
 * and trusts, often on a private network (a self-hosted LibreTranslate); docs/translation.md says so. Redirects
 * are refused rather than followed, so a request with a key never goes anywhere but the configured address.
 */
import { GeoError, isGeoError } from '../errors.js';

export interface PostOptions {
  /** Names the backend in messages, e.g. `LibreTranslate`. */
  what: string;
  headers?: Record<string, string>;
  /** The whole call: connect, send, answer. */
  timeoutMs: number;
  /** Largest answer read, in bytes. */
  maxResponseBytes: number;
  signal?: AbortSignal;
}

/** Bytes of an error answer kept for the message. */
const ERROR_BODY_BYTES = 4096;

/** POSTs `body` as JSON to `url` and returns the parsed JSON answer of a 2xx response. */
export async function postJson(url: string, body: unknown, o: PostOptions): Promise<unknown> {
  const timeout = AbortSignal.timeout(o.timeoutMs);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  let status: number;
  let text: string;
  let location: string | null = null;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...o.headers },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal,
    });
    status = res.status;
    location = res.headers.get('location');
    const ok = status >= 200 && status < 300;
    text = await readCapped(res, ok ? o.maxResponseBytes : ERROR_BODY_BYTES, ok, o.what);
  } catch (err) {
    if (isGeoError(err)) throw err;
    if (timeout.aborted || o.signal?.aborted)
      throw new GeoError('TIMEOUT', `${o.what} did not answer within ${o.timeoutMs} ms`, {
        details: { aborted: !timeout.aborted },
      });
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new GeoError(
      'NETWORK_ERROR',
      `${o.what} unreachable: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
      { cause: err },
    );
  }
  if (status >= 300 && status < 400)
    throw new GeoError(
      'TRANSLATION_REFUSED',
      `${o.what} answered HTTP ${status}${location ? ` (to ${location.slice(0, 200)})` : ''}: redirects are not followed; set translation.url to the final address`,
    );
  if (status < 200 || status >= 300) {
    const retryable = status === 408 || status === 429 || status >= 500;
    throw new GeoError(
      retryable ? 'TRANSLATION_FAILED' : 'TRANSLATION_REFUSED',
      `${o.what} answered HTTP ${status}${errorText(text)}`,
      { details: { status } },
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new GeoError(
      'TRANSLATION_FAILED',
      `${o.what} answered HTTP ${status} with a body that is not JSON`,
    );
  }
}

/** Reads the body up to `max` bytes: past it, an answer is RESPONSE_TOO_LARGE and an error body is cut. */
async function readCapped(res: Response, max: number, strict: boolean, what: string): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      if (strict) throw new GeoError('RESPONSE_TOO_LARGE', `${what} answered more than ${max} bytes`);
      chunks.push(value.subarray(0, value.byteLength - (size - max)));
      break;
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}

/** `: <the backend's own message>` from an error body (`{"error": …}` or text), short and on one line. */
function errorText(body: string): string {
  let msg = body;
  try {
    const j = JSON.parse(body) as { error?: unknown; message?: unknown };
    const e = j.error ?? j.message;
    msg =
      typeof e === 'string'
        ? e
        : typeof (e as { message?: unknown })?.message === 'string'
          ? String((e as { message: string }).message)
          : body;
  } catch {
    // not JSON: the text itself
  }
  const line = msg
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim()
    .slice(0, 200);
  return line ? `: ${line}` : '';
}

/** `<base>/<path>`, keeping a path the base URL already has (`http://host/lt` → `http://host/lt/translate`). */
export function endpoint(base: string, path: string): string {
  return new URL(path, base.endsWith('/') ? base : `${base}/`).href;
}
