/**
 * The webhook POST, under the fetcher's policy: the receiver's URL is vetted like any fetched URL (scheme,
 * credentials, bad ports, IP literals), its host resolved and every address classified, the approved address
 * pinned into the socket and checked again once connected (src/fetch/url-check.ts, resolve.ts,
 * request-once.ts). Private and loopback receivers need `fetch.allowPrivate` (GEOINTEL_FETCH_ALLOW_PRIVATE),
 * like feeds. Redirects are not followed: a 3xx is an answer (`HTTP_3xx`, permanent), so a receiver cannot
 * bounce a signed record to an internal address. One deadline bounds the whole attempt; the response body is
 * never read (only the status counts).
 */
import { GeoError, isGeoError } from '../errors.js';
import { VERSION } from '../version.js';
import { type AddressPolicy, createAddressPolicy } from './address-policy.js';
import { requestOnce } from './request-once.js';
import { type Resolver, resolveTarget, systemResolver } from './resolve.js';
import { parseRetryAfter } from './retry-after.js';
import { checkUrl } from './url-check.js';

export interface WebhookPostOptions {
  /** CIDRs that may be reached although private or loopback. */
  allowPrivate?: readonly string[];
  /** Whole attempt: DNS, connect, sending, the response headers. */
  timeoutMs: number;
  /** TCP connect (after DNS), at most `timeoutMs`. @defaultValue 10000 */
  connectTimeoutMs?: number;
  /** Operator contact for the User-Agent (config `fetch.contact`). */
  contact: string;
  resolver?: Resolver;
  policy?: AddressPolicy;
}

export interface WebhookAnswer {
  /** The receiver's 2xx status. */
  status: number;
  ms: number;
}

/**
 * POSTs `body` to `url` with `headers`; resolves with a 2xx answer, rejects with a `GeoError` otherwise:
 * `HTTP_<status>` (details.status; 429/503 carry Retry-After as retryAfterMs), `TIMEOUT`, `NETWORK_ERROR`,
 * `EMPTY_RESPONSE`, `TLS_ERROR`, `SSRF_BLOCKED`, `UNSUPPORTED_SCHEME`, `PORT_REFUSED`, `INPUT_INVALID`.
 */
export type WebhookPoster = (
  url: string,
  body: string,
  headers: Record<string, string>,
) => Promise<WebhookAnswer>;

export function createWebhookPoster(opts: WebhookPostOptions): WebhookPoster {
  const policy = opts.policy ?? createAddressPolicy({ allowPrivate: opts.allowPrivate ?? [] });
  const resolver = opts.resolver ?? systemResolver;
  const userAgent = `geointel/${VERSION} (+${opts.contact})`;
  const connectTimeoutMs = Math.min(opts.connectTimeoutMs ?? 10_000, opts.timeoutMs);

  return async (input, body, headers) => {
    const started = performance.now();
    const guard = new AbortController();
    const deadline = setTimeout(
      () =>
        guard.abort(
          new GeoError('TIMEOUT', `webhook receiver did not answer within ${opts.timeoutMs} ms`, {
            details: { phase: 'total', ms: opts.timeoutMs },
          }),
        ),
      opts.timeoutMs,
    );
    try {
      const url = checkUrl(input, policy);
      const target = await Promise.race([
        resolveTarget(url, resolver, policy),
        new Promise<never>((_, reject) =>
          guard.signal.addEventListener('abort', () => reject(guard.signal.reason), { once: true }),
        ),
      ]);
      const payload = Buffer.from(body, 'utf8');
      const hop = await requestOnce(url, target, {
        method: 'POST',
        body: payload,
        readBody: false,
        headers: {
          'User-Agent': userAgent,
          ...headers,
          'Content-Length': String(payload.length),
        },
        connectTimeoutMs,
        headersTimeoutMs: opts.timeoutMs,
        idleTimeoutMs: opts.timeoutMs,
        maxBodyBytes: 0,
        policy,
        signal: guard.signal,
      });
      const ms = Math.round(performance.now() - started);
      if (hop.status >= 200 && hop.status < 300) return { status: hop.status, ms };
      const retryAfterMs =
        hop.status === 429 || hop.status === 503 ? parseRetryAfter(hop.headers['retry-after']) : undefined;
      throw new GeoError(`HTTP_${hop.status}`, `webhook receiver ${url.host} answered HTTP ${hop.status}`, {
        retryAfterMs,
        details: { status: hop.status, ms },
      });
    } catch (err) {
      if (isGeoError(err)) throw err;
      throw new GeoError('NETWORK_ERROR', `webhook POST failed: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(deadline);
    }
  };
}

/**
 * The check a subscription's URL passes at creation (and on change): the same URL rules and address policy as
 * every delivery, with DNS. Rejects with `INPUT_INVALID`, `UNSUPPORTED_SCHEME`, `PORT_REFUSED` or
 * `SSRF_BLOCKED`; a name that does not resolve (yet) within `dnsTimeoutMs` is accepted — every delivery checks
 * the address it dials again.
 */
export async function checkWebhookUrl(
  input: string,
  opts: { allowPrivate?: readonly string[]; resolver?: Resolver; dnsTimeoutMs?: number },
): Promise<URL> {
  const policy = createAddressPolicy({ allowPrivate: opts.allowPrivate ?? [] });
  const url = checkUrl(input, policy);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), opts.dnsTimeoutMs ?? 3_000);
  });
  try {
    await Promise.race([resolveTarget(url, opts.resolver ?? systemResolver, policy), timeout]);
  } catch (err) {
    if (!(isGeoError(err) && err.code === 'NETWORK_ERROR')) throw err;
  } finally {
    clearTimeout(timer);
  }
  return url;
}
