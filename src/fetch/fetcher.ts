import { GeoError, isGeoError } from '../errors.js';
import { VERSION } from '../version.js';
import { createAddressPolicy, isLoopback } from './address-policy.js';
import { requestOnce } from './request-once.js';
import { type PinnedTarget, resolveTarget, systemResolver } from './resolve.js';
import { parseRetryAfter } from './retry-after.js';
import { createRobotsCache, type RobotsCache } from './robots-cache.js';
import type { Fetcher, FetcherOptions, FetchRequestOptions, FetchResult, FetchTimings } from './types.js';
import { checkUrl } from './url-check.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const DEFAULT_ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5';
/** robots.txt is read up to this size (RFC 9309 asks for at least 500 KiB). */
const ROBOTS_MAX_BYTES = 512 * 1024;

/** Runs `p`, rejecting with the signal's reason as soon as it aborts. */
function raceSignal<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function parseContentType(v: string | undefined): { contentType: string; charset?: string } {
  if (!v) return { contentType: '' };
  const [type, ...params] = v.split(';');
  const cs = params.map((p) => /^\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(p)?.[1]).find(Boolean);
  return { contentType: (type ?? '').trim().toLowerCase(), charset: cs?.toLowerCase() };
}

/**
 * The one hardened fetcher for feeds, listing pages, article pages and robots.txt. Every hop: URL vetted
 * (scheme, literal host, credentials, port), host resolved and every candidate address classified, the chosen
 * address pinned into the socket's `lookup` and re-checked once connected; robots.txt consulted; a per-host
 * limiter slot held; connect/headers/idle timeouts per hop and one total deadline for the whole call; bodies
 * capped after decompression. Failures reject with `GeoError` (see src/errors.ts for retry decisions).
 */
export function createFetcher(opts: FetcherOptions): Fetcher {
  const cfg = {
    connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
    headersTimeoutMs: opts.headersTimeoutMs ?? 15_000,
    idleTimeoutMs: opts.idleTimeoutMs ?? 15_000,
    totalTimeoutMs: opts.totalTimeoutMs ?? 30_000,
    maxBodyBytes: opts.maxBodyBytes ?? 15 * 1024 * 1024,
    maxRedirects: opts.maxRedirects ?? 5,
  };
  const policy = opts.policy ?? createAddressPolicy({ allowPrivate: opts.allowPrivate ?? [] });
  const resolver = opts.resolver ?? systemResolver;
  const userAgent = opts.userAgent ?? `geointel/${VERSION} (+${opts.contact})`;
  if (!/^[\x20-\x7e]+$/.test(userAgent))
    throw new GeoError('CONFIG_INVALID', 'fetch.contact / User-Agent must be printable ASCII on one line');
  const exemptLoopback = opts.exemptLoopbackFromLimiter ?? true;

  const robots: RobotsCache | undefined =
    opts.robots === false
      ? undefined
      : createRobotsCache({
          fetch: (u) => run(u, { skipRobots: true }, Math.min(cfg.maxBodyBytes, ROBOTS_MAX_BYTES)),
          log: opts.log,
        });

  const limited = (target: PinnedTarget): boolean =>
    opts.limiter !== undefined && !(exemptLoopback && target.allowListed && isLoopback(target.address));

  /**
   * A limiter slot for `host`. When the total deadline passes while waiting, the host is busy with our own
   * other requests: `HOST_BUSY` (retry after a while, no error budget spent), not a network `TIMEOUT`.
   */
  async function acquireSlot(host: string, signal: AbortSignal) {
    try {
      return await opts.limiter!.acquire(host, signal);
    } catch (err) {
      const reason: unknown = signal.reason;
      if (signal.aborted && isGeoError(reason) && (reason.details as { phase?: string })?.phase === 'total')
        throw new GeoError('HOST_BUSY', `no free ${host} slot within ${cfg.totalTimeoutMs} ms`, {
          retryAfterMs: Math.max(1000, Math.round(cfg.totalTimeoutMs / 2)),
          details: { host },
          cause: err,
        });
      throw err;
    }
  }

  async function run(input: string, req: FetchRequestOptions, maxBodyBytes: number): Promise<FetchResult> {
    const started = performance.now();
    // One controller per call: aborted by the total deadline or the caller, always with a GeoError reason.
    const guard = new AbortController();
    const onDeadline = (): void =>
      guard.abort(
        new GeoError('TIMEOUT', `total timeout after ${cfg.totalTimeoutMs} ms`, {
          details: { phase: 'total', ms: cfg.totalTimeoutMs },
        }),
      );
    const onCaller = (): void =>
      guard.abort(new GeoError('TIMEOUT', 'fetch aborted by caller', { details: { aborted: true } }));
    const deadline = setTimeout(onDeadline, cfg.totalTimeoutMs);
    if (req.signal?.aborted) onCaller();
    req.signal?.addEventListener('abort', onCaller, { once: true });
    try {
      return await follow(input, req, maxBodyBytes, guard.signal, started);
    } finally {
      clearTimeout(deadline);
      req.signal?.removeEventListener('abort', onCaller);
    }
  }

  async function follow(
    input: string,
    req: FetchRequestOptions,
    maxBodyBytes: number,
    signal: AbortSignal,
    started: number,
  ): Promise<FetchResult> {
    const headers: Record<string, string> = {
      'User-Agent': userAgent,
      Accept: req.accept ?? DEFAULT_ACCEPT,
      'Accept-Encoding': 'gzip, deflate, br',
    };
    if (req.etag) headers['If-None-Match'] = req.etag;
    if (req.lastModified) headers['If-Modified-Since'] = req.lastModified;

    let url = checkUrl(input, policy);
    const redirects: string[] = [];
    let allPermanent = true;
    const seen = new Set<string>([url.href]);
    for (;;) {
      const hopStart = performance.now();
      const target = await raceSignal(resolveTarget(url, resolver, policy), signal);
      const resolveMs = performance.now() - hopStart;
      if (robots && !req.skipRobots && !(await raceSignal(robots.isAllowed(url), signal)))
        throw new GeoError('ROBOTS_DISALLOWED', `robots.txt of ${url.host} disallows ${url.pathname}`, {
          details: { url: url.href },
        });
      const release = limited(target) ? await acquireSlot(url.hostname, signal) : undefined;
      let hop: Awaited<ReturnType<typeof requestOnce>>;
      try {
        hop = await requestOnce(url, target, {
          headers,
          connectTimeoutMs: cfg.connectTimeoutMs,
          headersTimeoutMs: cfg.headersTimeoutMs,
          idleTimeoutMs: cfg.idleTimeoutMs,
          maxBodyBytes,
          policy,
          signal: signal,
          onConnect: opts.onConnect,
        });
      } finally {
        release?.();
      }
      const timings = (): FetchTimings => ({
        resolveMs,
        connectMs: hop.connectMs + resolveMs,
        headersMs: hop.headersMs + resolveMs,
        totalMs: performance.now() - started,
      });
      const location = header(hop.headers.location);
      if (REDIRECTS.has(hop.status) && location) {
        if (redirects.length >= cfg.maxRedirects)
          throw new GeoError('TOO_MANY_REDIRECTS', `more than ${cfg.maxRedirects} redirects`, {
            details: { redirects: [...redirects, url.href] },
          });
        const next = checkUrl(location, policy, url);
        if (seen.has(next.href))
          throw new GeoError('TOO_MANY_REDIRECTS', `redirect loop back to ${next.href}`, {
            details: { redirects: [...redirects, url.href], loop: true },
          });
        seen.add(next.href);
        redirects.push(url.href);
        allPermanent &&= hop.status === 301 || hop.status === 308;
        opts.log?.debug({ from: url.href, to: next.href, status: hop.status }, 'Fetch redirected');
        url = next;
        continue;
      }
      const permanentRedirect = redirects.length > 0 && allPermanent ? url.href : undefined;
      opts.log?.debug(
        { url: url.href, status: hop.status, ms: Math.round(performance.now() - started) },
        'Fetched',
      );
      const etag = header(hop.headers.etag);
      const lastModified = header(hop.headers['last-modified']);
      if (hop.status === 304)
        return {
          status: 304,
          finalUrl: url.href,
          etag,
          lastModified,
          redirects,
          permanentRedirect,
          timings: timings(),
        };
      if (hop.status >= 200 && hop.status < 300) {
        if (!hop.body || hop.body.length === 0)
          throw new GeoError('EMPTY_RESPONSE', `empty ${hop.status} response from ${url.host}`);
        const ct = parseContentType(header(hop.headers['content-type']));
        return {
          status: 200,
          httpStatus: hop.status,
          body: new Uint8Array(hop.body.buffer, hop.body.byteOffset, hop.body.length),
          ...ct,
          finalUrl: url.href,
          etag,
          lastModified,
          redirects,
          permanentRedirect,
          timings: timings(),
        };
      }
      const retryAfterMs =
        hop.status === 429 || hop.status === 503 ? parseRetryAfter(hop.headers['retry-after']) : undefined;
      throw new GeoError(`HTTP_${hop.status}`, `HTTP ${hop.status} from ${url.host}`, {
        retryAfterMs,
        details: { status: hop.status, url: url.href },
      });
    }
  }

  return {
    fetch: (url, req = {}) => run(url, req, cfg.maxBodyBytes),
  };
}
