import type { AppConfig } from '../config/app-schema.js';
import type { Logger } from '../log.js';
import { PRIVATE_PRESET, parseCidrs } from './address-policy.js';
import { createFetcher } from './fetcher.js';
import { createMemoryHostLimiter, type HostLimiter, type HostLimiterOptions } from './host-limiter.js';
import type { Fetcher, FetcherOptions } from './types.js';

// A pure helper of the pipeline (src/pipeline/parse/content-type.ts), re-exported for compatibility.
export { contentTypeOf } from '../pipeline/parse/content-type.js';
export {
  type AddressPolicy,
  type AddressVerdict,
  createAddressPolicy,
  isLocalhostName,
  isLoopback,
  normaliseAddress,
  PRIVATE_PRESET,
  parseCidrs,
} from './address-policy.js';
export { collectBody, MAX_ENCODINGS, parseContentEncoding } from './decode-body.js';
export { createFetcher } from './fetcher.js';
export {
  createMemoryHostLimiter,
  type HostLimiter,
  type HostLimiterOptions,
  type ReleaseFn,
} from './host-limiter.js';
export {
  type PinnedTarget,
  pinnedLookup,
  type ResolvedAddress,
  type Resolver,
  systemResolver,
} from './resolve.js';
export { MAX_RETRY_AFTER_MS, parseRetryAfter } from './retry-after.js';
export { ALLOW_ALL, parseRobots, type RobotsRules } from './robots.js';
export { createRobotsCache, type RobotsCache, type RobotsCacheOptions } from './robots-cache.js';
export type * from './types.js';
export { checkUrl } from './url-check.js';

/**
 * Normalises the `--allow-private` flag: `true` (bare flag) means {@link PRIVATE_PRESET}; a string is a
 * comma/space separated CIDR list; `false`/undefined adds nothing. Throws `CONFIG_INVALID` for bad CIDRs.
 */
export function allowPrivateFromFlag(flag: boolean | string | readonly string[] | undefined): string[] {
  if (flag === undefined || flag === false) return [];
  if (flag === true) return [...PRIVATE_PRESET];
  const list = (typeof flag === 'string' ? [flag] : flag).flatMap((s) => s.split(/[,\s]+/)).filter(Boolean);
  if (list.length === 0) return [...PRIVATE_PRESET];
  parseCidrs(list);
  return list;
}

/**
 * Builds the fetcher from the `fetch` section of the app config plus the `--allow-private` flag (added to
 * `fetch.allowPrivate`). The host limiter is `limiter` when given (e.g. the Redis one of
 * `src/store/redis-host-limiter.ts`, shared by every worker process, built by the caller), else an in-process
 * one with `perHostConcurrency` and `perHostDelayMs`.
 * @example
 * const fetcher = createFetcherFromConfig(config.fetch, { allowPrivate: flags['allow-private'], log });
 * const res = await fetcher.fetch(source.url, { etag, lastModified });
 */
export function createFetcherFromConfig(
  cfg: AppConfig['fetch'],
  extra: {
    allowPrivate?: boolean | string | readonly string[];
    log?: Logger;
    /** A ready host limiter. @defaultValue an in-process one with the config's per-host limits */
    limiter?: HostLimiter;
  } & Pick<FetcherOptions, 'resolver' | 'policy' | 'onConnect' | 'userAgent'> = {},
): Fetcher {
  const allowPrivate = [...parseCidrsChecked(cfg.allowPrivate), ...allowPrivateFromFlag(extra.allowPrivate)];
  return createFetcher({
    contact: cfg.contact,
    connectTimeoutMs: cfg.connectTimeoutMs,
    headersTimeoutMs: cfg.headersTimeoutMs,
    idleTimeoutMs: cfg.idleTimeoutMs,
    totalTimeoutMs: cfg.totalTimeoutMs,
    maxBodyBytes: cfg.maxBodyBytes,
    maxRedirects: cfg.maxRedirects,
    robots: cfg.robots,
    allowPrivate,
    limiter: extra.limiter ?? createMemoryHostLimiter(hostLimitsOf(cfg)),
    log: extra.log,
    resolver: extra.resolver,
    policy: extra.policy,
    onConnect: extra.onConnect,
    userAgent: extra.userAgent,
  });
}

/** The per-host limits of the `fetch` config section, as limiter options (for any limiter implementation). */
export function hostLimitsOf(cfg: AppConfig['fetch']): HostLimiterOptions {
  return { concurrency: cfg.perHostConcurrency, minDelayMs: cfg.perHostDelayMs };
}

function parseCidrsChecked(list: readonly string[]): string[] {
  parseCidrs(list);
  return [...list];
}
