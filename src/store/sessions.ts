/**
 * Browser sessions: a session is made from an API token (`POST /v1/session`, src/api/routes/session.ts) and
 * carried by the `gi_session` cookie. The cookie holds a random session id (32 bytes from the CSPRNG,
 * base64url); Redis holds only its SHA-256, like tokens (src/store/tokens.ts: with 256 random bits a fast hash
 * loses nothing). A session keeps the SHA-256 of the token it was made from, not the holder: the API looks the
 * token up at every request, so revoking the token ends its sessions at their next request.
 *
 * Keys (src/store/keys.ts, docs/redis.md):
 * - `<prefix>:session:<sha256 hex of the session id>` hash: `tokenHash`, `csrf` (the session's CSRF token),
 *   `createdAt`, `expiresAt` (ISO); the key expires with the session (PEXPIRE in the same MULTI as the HSET,
 *   so no session outlives its time even if the process dies between the two).
 *
 * Ending a session (`destroy`) publishes `session:<sha256 hex>` on the channel `<prefix>:revoked` in the same
 * MULTI as the DEL (src/store/revocations.ts): the API processes end the session's open streams at once.
 *
 * Expiry is fixed from creation (no sliding renewal): a stolen cookie is good for `http.sessionHours` at most.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisKeys } from './keys.js';
import { revocationMessage } from './revocations.js';

/** What the API knows of a browser session (never the session id's hash: the id is what the cookie holds). */
export interface SessionInfo {
  /** SHA-256 hex of the token the session was made from (the holder is looked up through it). */
  tokenHash: string;
  /** The session's CSRF token: state-changing requests with the cookie must send it as `X-CSRF-Token`. */
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

export interface SessionStore {
  /** A new session for a token (by its hash): the session id (for the cookie, shown once) and the session. */
  create(tokenHash: string): Promise<{ id: string; session: SessionInfo }>;
  /** The session of a cookie's id; null for a malformed, unknown, ended or expired one. */
  get(id: string): Promise<SessionInfo | null>;
  /**
   * Ends a session (logout, or its token was revoked) and publishes the notice that ends its open streams; a
   * no-op for a malformed id.
   */
  destroy(id: string): Promise<void>;
}

/** A session id: 32 random bytes as base64url (43 characters). */
export const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

export interface RedisSessionStoreOptions {
  redis: Redis;
  prefix: string;
  /** How long a session lasts from its creation (`http.sessionHours`). */
  ttlMs: number;
  now?: () => number;
}

export function createRedisSessionStore(opts: RedisSessionStoreOptions): SessionStore {
  const { redis, ttlMs } = opts;
  const now = opts.now ?? Date.now;
  const keys = redisKeys(opts.prefix);
  if (!(ttlMs > 0)) throw new Error(`session ttlMs must be positive, got ${ttlMs}`);

  return {
    async create(tokenHash) {
      const id = randomBytes(32).toString('base64url');
      const at = now();
      const session: SessionInfo = {
        tokenHash,
        csrfToken: randomBytes(32).toString('base64url'),
        createdAt: new Date(at).toISOString(),
        expiresAt: new Date(at + ttlMs).toISOString(),
      };
      const key = keys.session(hashSessionId(id));
      const res = await redis
        .multi()
        .hset(
          key,
          'tokenHash',
          session.tokenHash,
          'csrf',
          session.csrfToken,
          'createdAt',
          session.createdAt,
          'expiresAt',
          session.expiresAt,
        )
        .pexpire(key, Math.ceil(ttlMs))
        .exec();
      const err = res?.find(([e]) => e)?.[0];
      if (err) throw err;
      return { id, session };
    },
    async get(id) {
      // A malformed cookie never reaches Redis.
      if (!SESSION_ID.test(id)) return null;
      const key = keys.session(hashSessionId(id));
      const h = await redis.hgetall(key);
      if (!h.tokenHash || !h.csrf || !h.expiresAt) return null;
      // Redis expires the key; the clock check also covers an injected clock and a key whose PEXPIRE was lost.
      if (!(Date.parse(h.expiresAt) > now())) {
        await redis.del(key);
        return null;
      }
      return {
        tokenHash: h.tokenHash,
        csrfToken: h.csrf,
        createdAt: h.createdAt ?? '',
        expiresAt: h.expiresAt,
      };
    },
    async destroy(id) {
      if (!SESSION_ID.test(id)) return;
      const hash = hashSessionId(id);
      const res = await redis
        .multi()
        .del(keys.session(hash))
        .publish(keys.revocations(), revocationMessage({ kind: 'session', hash }))
        .exec();
      const err = res?.find(([e]) => e)?.[0];
      if (err) throw err;
    },
  };
}
