/**
 * One table of error codes and the retry decision for each: every component throws `GeoError` with a code,
 * and the queue adapter (workers/failure.ts) and the HTTP layer map codes, never messages or classes.
 */

export type RetryDecision =
  /** Never retried: bad input, refused by policy, or permanently gone. */
  | 'permanent'
  /** Retried with exponential backoff and jitter. */
  | 'backoff'
  /** Retried no earlier than `retryAfterMs`. */
  | 'after';

const TABLE: Record<string, RetryDecision> = {
  CONFIG_INVALID: 'permanent',
  USAGE: 'permanent',
  INPUT_INVALID: 'permanent',
  // fetch
  SSRF_BLOCKED: 'permanent',
  UNSUPPORTED_SCHEME: 'permanent',
  PORT_REFUSED: 'permanent',
  TOO_MANY_REDIRECTS: 'permanent',
  RESPONSE_TOO_LARGE: 'permanent',
  UNSUPPORTED_ENCODING: 'permanent',
  DECODE_ERROR: 'backoff',
  TIMEOUT: 'backoff',
  NETWORK_ERROR: 'backoff',
  EMPTY_RESPONSE: 'backoff',
  TLS_ERROR: 'backoff',
  ROBOTS_DISALLOWED: 'permanent',
  /** Our own per-host politeness limit had no slot before the fetch deadline; carries retryAfterMs. */
  HOST_BUSY: 'after',
  // parse
  PARSE_ERROR: 'permanent',
  NOT_A_FEED: 'permanent',
  PARSE_TIMEOUT: 'permanent',
  // runtime
  REDIS_UNAVAILABLE: 'backoff',
  REDIS_NOT_FOUND: 'permanent',
  REDIS_MISCONFIGURED: 'permanent',
  STORY_CONFLICT: 'backoff',
  SOURCE_UNKNOWN: 'permanent',
  INTERNAL: 'backoff',
  /** Redis refused a write: `maxmemory` reached under `noeviction` (it frees up when retention trims). */
  REDIS_OOM: 'backoff',
  // API (src/api/): the caller's request, never retried by a queue
  UNAUTHORISED: 'permanent',
  FORBIDDEN: 'permanent',
  NOT_FOUND: 'permanent',
  BODY_TOO_LARGE: 'permanent',
  UNSUPPORTED_MEDIA_TYPE: 'permanent',
  /** An editor's claim on a candidate held by someone else. */
  CLAIM_CONFLICT: 'permanent',
  /** A plain request to a WebSocket path. */
  UPGRADE_REQUIRED: 'permanent',
  /** A cookie-authenticated state change without the session's X-CSRF-Token, or from a foreign Origin. */
  CSRF_FAILED: 'permanent',
  /** The edition is published (final): it cannot be changed or published again. */
  EDITION_PUBLISHED: 'permanent',
  /** Nothing to publish: the edition has no items. */
  EDITION_EMPTY: 'permanent',
  /** The edition changed since the version the editor saw (publish again after reviewing it). */
  EDITION_CHANGED: 'permanent',
  // E-mail (src/mail/): the SMTP server's answer for one message
  /** 5xx: the server refused the message or recipient for good. */
  MAIL_REJECTED: 'permanent',
  /** 4xx, connection or timeout: try the message again later. */
  MAIL_UNAVAILABLE: 'backoff',
  // Translation backends (src/translate/); a timeout or connection failure is TIMEOUT / NETWORK_ERROR
  /** The backend failed (5xx, 429) or answered something that is not a translation: try again later. */
  TRANSLATION_FAILED: 'backoff',
  /** The backend refused the request (4xx: key, language, size, a redirect): the same request fails again. */
  TRANSLATION_REFUSED: 'permanent',
};

/** Every code of the table (the HTTP status table below must name each one: tests/unit/errors-http.test.ts). */
export const ERROR_CODES: readonly string[] = Object.freeze(Object.keys(TABLE));

/**
 * The HTTP status the API answers for each code. Upstream failures of a fetch the API triggered (add by URL)
 * are the publisher's fault, not the caller's: 502/504; a URL refused by policy is the caller's: 422; Redis
 * away, full or misconfigured: 503 (retry later).
 */
const HTTP_STATUS: Record<string, number> = {
  CONFIG_INVALID: 500,
  USAGE: 400,
  INPUT_INVALID: 400,
  SSRF_BLOCKED: 422,
  UNSUPPORTED_SCHEME: 422,
  PORT_REFUSED: 422,
  TOO_MANY_REDIRECTS: 502,
  RESPONSE_TOO_LARGE: 502,
  UNSUPPORTED_ENCODING: 502,
  DECODE_ERROR: 502,
  TIMEOUT: 504,
  NETWORK_ERROR: 502,
  EMPTY_RESPONSE: 502,
  TLS_ERROR: 502,
  ROBOTS_DISALLOWED: 422,
  HOST_BUSY: 503,
  PARSE_ERROR: 422,
  NOT_A_FEED: 422,
  PARSE_TIMEOUT: 422,
  REDIS_UNAVAILABLE: 503,
  REDIS_NOT_FOUND: 503,
  REDIS_MISCONFIGURED: 503,
  STORY_CONFLICT: 409,
  SOURCE_UNKNOWN: 404,
  INTERNAL: 500,
  REDIS_OOM: 503,
  UNAUTHORISED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CLAIM_CONFLICT: 409,
  UPGRADE_REQUIRED: 426,
  CSRF_FAILED: 403,
  EDITION_PUBLISHED: 409,
  EDITION_EMPTY: 409,
  EDITION_CHANGED: 409,
  MAIL_REJECTED: 502,
  MAIL_UNAVAILABLE: 503,
  TRANSLATION_FAILED: 502,
  TRANSLATION_REFUSED: 502,
};

/**
 * HTTP status of an error code: the table above; `HTTP_<status>` (a publisher's answer to a fetch) → 502;
 * a code outside the table → 500.
 */
export function httpStatusFor(code: string): number {
  if (/^HTTP_\d{3}$/.test(code)) return 502;
  return Object.hasOwn(HTTP_STATUS, code) ? HTTP_STATUS[code]! : 500;
}

/** Whether the status table names the code (the unit test checks every code of the retry table). */
export function hasHttpStatus(code: string): boolean {
  return Object.hasOwn(HTTP_STATUS, code);
}

/** Retry decision for a code; `HTTP_<status>` codes are derived from the status. */
export function retryDecisionFor(code: string, retryAfterMs?: number): RetryDecision {
  const http = /^HTTP_(\d{3})$/.exec(code);
  if (http) {
    const status = Number(http[1]);
    if ((status === 429 || status === 503) && retryAfterMs !== undefined) return 'after';
    if (status === 408 || status === 425 || status === 429 || status >= 500) return 'backoff';
    return 'permanent';
  }
  return TABLE[code] ?? 'backoff';
}

export class GeoError extends Error {
  readonly code: string;
  readonly retry: RetryDecision;
  readonly retryAfterMs?: number;
  readonly details?: Record<string, unknown>;

  constructor(
    code: string,
    message: string,
    opts: { retryAfterMs?: number; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'GeoError';
    this.code = code;
    this.retryAfterMs = opts.retryAfterMs;
    this.retry = retryDecisionFor(code, opts.retryAfterMs);
    this.details = opts.details;
  }

  toJSON(): { code: string; message: string; retry: RetryDecision; retryAfterMs?: number } {
    return { code: this.code, message: this.message, retry: this.retry, retryAfterMs: this.retryAfterMs };
  }
}

export function isGeoError(err: unknown): err is GeoError {
  return err instanceof GeoError;
}
