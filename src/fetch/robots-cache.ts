import { isGeoError } from '../errors.js';
import type { Logger } from '../log.js';
import { ALLOW_ALL, parseRobots, type RobotsRules } from './robots.js';
import type { FetchResult } from './types.js';

/** Fetches one robots.txt URL; the fetcher passes itself with robots checks off and a small body cap. */
export type RobotsFetch = (url: string) => Promise<FetchResult>;

/** Options of {@link createRobotsCache}. */
export interface RobotsCacheOptions {
  fetch: RobotsFetch;
  /** Product token matched against `User-agent` lines. @defaultValue 'geointel' */
  agent?: string;
  /** How long a fetched (or 4xx) robots.txt is trusted, ms. @defaultValue 24 h (RFC 9309 §2.4) */
  ttlMs?: number;
  /** How long "unavailable" (5xx, 429, network, timeout) counts as allow-all before retrying, ms. @defaultValue 10 min */
  errorTtlMs?: number;
  /** Origins kept (oldest dropped first). @defaultValue 10000 */
  maxEntries?: number;
  log?: Logger;
  now?: () => number;
}

/** Per-origin robots.txt answers. */
export interface RobotsCache {
  /** Whether `url` may be fetched; never rejects (robots failures do not block a feed). */
  isAllowed(url: URL): Promise<boolean>;
}

interface Entry {
  rules: Promise<RobotsRules>;
  expiresAt: number;
}

/**
 * Caches robots.txt per origin (scheme, host, port), sharing one in-flight fetch between concurrent callers.
 * Policy, deliberately lenient so that a broken robots.txt never silences a feed:
 * - 2xx: parsed; cached for `ttlMs`.
 * - 4xx except 429 (including 401/403): allow everything (RFC 9309 §2.3.1.3); cached for `ttlMs`.
 * - 5xx, 429, timeouts, network, TLS or SSRF errors, oversize: allow everything and ask again after
 *   `errorTtlMs`. This departs from RFC 9309 §2.3.1.4 (which says assume complete disallow) on purpose: a
 *   feed must not go dark because its robots.txt is flaky; the policy is revisited every `errorTtlMs`.
 */
export function createRobotsCache(opts: RobotsCacheOptions): RobotsCache {
  const ttl = opts.ttlMs ?? 24 * 3600_000;
  const errorTtl = opts.errorTtlMs ?? 10 * 60_000;
  const max = opts.maxEntries ?? 10_000;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry>();

  const load = (origin: string): Entry => {
    const entry: Entry = { expiresAt: Number.POSITIVE_INFINITY, rules: Promise.resolve(ALLOW_ALL) };
    entry.rules = opts.fetch(`${origin}/robots.txt`).then(
      (res) => {
        entry.expiresAt = now() + ttl;
        if (res.status !== 200) return ALLOW_ALL;
        return parseRobots(Buffer.from(res.body).toString('utf8'), opts.agent);
      },
      (err: unknown) => {
        const code = isGeoError(err) ? err.code : 'INTERNAL';
        const status = /^HTTP_(\d{3})$/.exec(code)?.[1];
        const definitive = status !== undefined && Number(status) < 500 && Number(status) !== 429;
        entry.expiresAt = now() + (definitive ? ttl : errorTtl);
        if (!definitive) opts.log?.warn({ origin, code }, 'robots.txt unavailable; allowing for now');
        return ALLOW_ALL;
      },
    );
    return entry;
  };

  return {
    async isAllowed(url) {
      if (url.pathname === '/robots.txt') return true;
      const origin = url.origin;
      let entry = entries.get(origin);
      if (!entry || entry.expiresAt <= now()) {
        entry = load(origin);
        entries.delete(origin);
        entries.set(origin, entry);
        if (entries.size > max) entries.delete(entries.keys().next().value as string);
      }
      const rules = await entry.rules;
      return rules.isAllowed(url.pathname + url.search);
    },
  };
}
