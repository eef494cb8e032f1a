/**
 * Named API tokens with a role (viewer < editor < admin), stored hashed in Redis. A token is shown once, when
 * created (`geointel token create`); Redis only ever holds its SHA-256.
 *
 * Why a plain SHA-256 and not bcrypt/scrypt/argon2: a token is 32 bytes from the CSPRNG (256 bits), not a
 * human password. Slow, salted KDFs exist to stop guessing of low-entropy secrets and precomputed tables; with
 * 2^256 possible tokens neither attack is possible whatever the hash's speed, so a fast hash loses nothing and
 * lets every request be checked in microseconds, by a direct key lookup (no per-token salt to try in turn).
 * The lookup is by the hash, so a timing side channel could reveal at most a hash prefix, never the token.
 *
 * Keys (src/store/keys.ts, docs/redis.md):
 * - `<prefix>:token:<sha256 hex>` hash: `name`, `role`, `createdAt`, `revoked` (`0`/`1`), `revokedAt`
 * - `<prefix>:tokens` hash: name → sha256 hex (names are unique for good, so an audit line names one holder)
 * - revoking publishes `token:<sha256 hex>` on the channel `<prefix>:revoked` in the same MULTI
 *   (src/store/revocations.ts): the API processes end the token's open streams at once.
 */

import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { GeoError } from '../errors.js';
import { redisKeys } from './keys.js';
import { revocationMessage } from './revocations.js';

export const TOKEN_ROLES = ['viewer', 'editor', 'admin'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

/** What the API knows of a token's holder (on `request.auth`; the audit trail names `name`). */
export interface TokenInfo {
  name: string;
  role: TokenRole;
  createdAt: string;
  revoked: boolean;
  revokedAt?: string;
}

export interface TokenStore {
  /** Creates a token; the plain token is returned once and never stored. INPUT_INVALID for a used name. */
  create(name: string, role: TokenRole): Promise<{ token: string; info: TokenInfo }>;
  /** Every token ever created (revoked ones too), by name. */
  list(): Promise<TokenInfo[]>;
  /**
   * Revokes a token by name: false when no token has that name. Takes effect on the next request, and the
   * notice it publishes ends the token's open streams (SSE, WebSocket).
   */
  revoke(name: string): Promise<boolean>;
  /** The holder of a presented token; null for an unknown or revoked one. */
  verify(token: string): Promise<TokenInfo | null>;
  /** The holder of a token by its SHA-256 (what a browser session holds); null for an unknown or revoked one. */
  byHash(sha256Hex: string): Promise<TokenInfo | null>;
}

/** Token names: what an audit line and `token revoke NAME` show; no spaces or control characters. */
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const TOKEN_SHAPE = /^gi_[A-Za-z0-9_-]{43}$/;

export function isTokenRole(s: string): s is TokenRole {
  return (TOKEN_ROLES as readonly string[]).includes(s);
}

/** SHA-256 hex of a token (see the file's comment for why this suffices). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new token: `gi_` and 32 random bytes as base64url (43 characters). */
export function newToken(): string {
  return `gi_${randomBytes(32).toString('base64url')}`;
}

/** KEYS: names hash, token hash key. ARGV: name, hash, role, createdAt. 1 created, 0 name taken. */
const CREATE_LUA = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('HSET', KEYS[2], 'name', ARGV[1], 'role', ARGV[3], 'createdAt', ARGV[4], 'revoked', '0')
return 1
`;

export interface RedisTokenStoreOptions {
  redis: Redis;
  prefix: string;
  now?: () => number;
}

function infoOf(h: Record<string, string>): TokenInfo | null {
  if (!h.name || !h.role || !isTokenRole(h.role)) return null;
  return {
    name: h.name,
    role: h.role,
    createdAt: h.createdAt ?? '',
    revoked: h.revoked === '1',
    ...(h.revokedAt ? { revokedAt: h.revokedAt } : {}),
  };
}

export function createRedisTokenStore(opts: RedisTokenStoreOptions): TokenStore {
  const { redis, prefix } = opts;
  const now = opts.now ?? Date.now;
  const keys = redisKeys(prefix);
  const namesKey = keys.tokenNames();
  const tokenKey = keys.token;

  return {
    async create(name, role) {
      if (!TOKEN_NAME.test(name))
        throw new GeoError(
          'INPUT_INVALID',
          `token name "${name}" must be 1–64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit`,
        );
      if (!isTokenRole(role))
        throw new GeoError('INPUT_INVALID', `role "${role}" must be one of ${TOKEN_ROLES.join(', ')}`);
      const token = newToken();
      const hash = hashToken(token);
      const createdAt = new Date(now()).toISOString();
      const created = await redis.eval(CREATE_LUA, 2, namesKey, tokenKey(hash), name, hash, role, createdAt);
      if (created !== 1)
        throw new GeoError('INPUT_INVALID', `a token named "${name}" exists (names are never reused)`);
      return { token, info: { name, role, createdAt, revoked: false } };
    },
    async list() {
      const names = await redis.hgetall(namesKey);
      const entries = Object.entries(names).sort(([a], [b]) => (a < b ? -1 : 1));
      if (entries.length === 0) return [];
      const p = redis.pipeline();
      for (const [, hash] of entries) p.hgetall(tokenKey(hash));
      const res = (await p.exec()) ?? [];
      return res
        .map(([err, h]) => {
          if (err) throw err;
          return infoOf(h as Record<string, string>);
        })
        .filter((i): i is TokenInfo => i !== null);
    },
    async revoke(name) {
      const hash = await redis.hget(namesKey, name);
      if (!hash) return false;
      const key = tokenKey(hash);
      const res = await redis
        .multi()
        .hset(key, 'revoked', '1')
        .hsetnx(key, 'revokedAt', new Date(now()).toISOString())
        .publish(keys.revocations(), revocationMessage({ kind: 'token', hash }))
        .exec();
      const err = res?.find(([e]) => e)?.[0];
      if (err) throw err;
      return true;
    },
    async verify(token) {
      // A malformed value never reaches Redis (nor a log line through an error message).
      if (!TOKEN_SHAPE.test(token)) return null;
      const info = infoOf(await redis.hgetall(tokenKey(hashToken(token))));
      return info && !info.revoked ? info : null;
    },
    async byHash(sha256Hex) {
      if (!/^[0-9a-f]{64}$/.test(sha256Hex)) return null;
      const info = infoOf(await redis.hgetall(tokenKey(sha256Hex)));
      return info && !info.revoked ? info : null;
    },
  };
}
