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
};

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
