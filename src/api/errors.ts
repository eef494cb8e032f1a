/**
 * The API's one error shape, `{ "error": { "code", "message" } }`, with the status of the code
 * (`httpStatusFor` in src/errors.ts). Messages never echo a request's body; JSON bodies escape `<`, `>` and
 * `&` so that an error about a URL or title holding markup is inert wherever it is shown (T-O2).
 */
import { GeoError, httpStatusFor, isGeoError } from '../errors.js';

export interface ApiError {
  status: number;
  code: string;
  message: string;
}

/** Whether an ioredis error means Redis is away (connection down, offline queue refused, retries spent). */
export function isRedisDown(err: Error): boolean {
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EPIPE|enableOfflineQueue|max retries per request|Reached the max retries|LOADING|READONLY|MASTERDOWN/i.test(
      err.message,
    )
  );
}

/** Maps anything thrown in a request to its API error. */
export function toApiError(err: unknown): ApiError {
  if (isGeoError(err)) {
    const status = httpStatusFor(err.code);
    return {
      status,
      code: err.code,
      message: status >= 500 && err.code === 'INTERNAL' ? 'internal error' : err.message,
    };
  }
  if (!(err instanceof Error)) return { status: 500, code: 'INTERNAL', message: 'internal error' };
  const e = err as Error & { statusCode?: number; validation?: unknown; code?: string };
  if (e.validation) return { status: 400, code: 'INPUT_INVALID', message: e.message };
  if (e.statusCode === 413 || e.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return { status: 413, code: 'BODY_TOO_LARGE', message: 'request body too large' };
  if (e.statusCode === 415)
    return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported content type' };
  if (e.statusCode === 404) return { status: 404, code: 'NOT_FOUND', message: 'not found' };
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
    // JSON.parse's message quotes the body: say what is wrong without it.
    const message = e instanceof SyntaxError ? 'request body is not valid JSON' : e.message;
    return { status: 400, code: 'INPUT_INVALID', message };
  }
  if (/\bOOM command not allowed/.test(e.message))
    return { status: 503, code: 'REDIS_OOM', message: 'Redis is out of memory; retry later' };
  if (isRedisDown(e))
    return { status: 503, code: 'REDIS_UNAVAILABLE', message: 'Redis is unavailable; retry later' };
  return { status: 500, code: 'INTERNAL', message: 'internal error' };
}

/** The error body as JSON text, with `<`, `>`, `&`, U+2028 and U+2029 as \u escapes. */
export function errorBody(e: Pick<ApiError, 'code' | 'message'>): string {
  return JSON.stringify({ error: { code: e.code, message: e.message } }).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Runs Redis work with a deadline: the API's client fails fast while Redis is away, and this bounds the one
 * case it cannot (a connection that hangs without closing), so a request never hangs: REDIS_UNAVAILABLE.
 */
export async function withRedis<T>(work: () => Promise<T>, timeoutMs = 1_500): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new GeoError('REDIS_UNAVAILABLE', 'Redis did not answer in time; retry later')),
      timeoutMs,
    );
    timer.unref();
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
