/**
 * What the e-mailed digest remembers: which (date, list, address) the SMTP server accepted, who unsubscribed,
 * and the secret that signs unsubscribe links.
 *
 * Keys (src/store/keys.ts, docs/redis.md): `<prefix>:mail:sent:<date>` hash `<list>|<address>` → Message-ID
 * (expires after 90 days); `<prefix>:mail:unsub:<list>` set of addresses; `<prefix>:mail:secret` string.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisKeys } from './keys.js';

export interface MailStore {
  /** Message-IDs already accepted for each address of a list on a date (null: not sent). */
  sent(date: string, listId: string, addresses: readonly string[]): Promise<Array<string | null>>;
  markSent(date: string, listId: string, address: string, messageId: string): Promise<void>;
  unsubscribed(listId: string, addresses: readonly string[]): Promise<boolean[]>;
  /** Returns false when the address was already unsubscribed. */
  unsubscribe(listId: string, address: string): Promise<boolean>;
  /** The link-signing secret, created on first use (every process agrees on it). */
  secret(): Promise<string>;
}

const SENT_TTL_S = 90 * 86_400;
const norm = (a: string) => a.trim().toLowerCase();

export function createRedisMailStore(opts: { redis: Redis; prefix: string }): MailStore {
  const { redis } = opts;
  const keys = redisKeys(opts.prefix);
  return {
    async sent(date, listId, addresses) {
      if (addresses.length === 0) return [];
      const ids = await redis.hmget(keys.mailSent(date), ...addresses.map((a) => `${listId}|${norm(a)}`));
      return ids.map((v) => v ?? null);
    },
    async markSent(date, listId, address, messageId) {
      await redis
        .multi()
        .hset(keys.mailSent(date), `${listId}|${norm(address)}`, messageId)
        .expire(keys.mailSent(date), SENT_TTL_S)
        .exec();
    },
    async unsubscribed(listId, addresses) {
      if (addresses.length === 0) return [];
      const r = await redis.smismember(keys.mailUnsubscribed(listId), ...addresses.map(norm));
      return r.map((v) => v === 1);
    },
    async unsubscribe(listId, address) {
      return (await redis.sadd(keys.mailUnsubscribed(listId), norm(address))) === 1;
    },
    async secret() {
      const fresh = randomBytes(32).toString('base64url');
      await redis.set(keys.mailSecret(), fresh, 'NX');
      return (await redis.get(keys.mailSecret())) ?? fresh;
    },
  };
}

/** The in-memory twin (unit tests). */
export function createMemoryMailStore(): MailStore {
  const sent = new Map<string, string>();
  const unsub = new Set<string>();
  const secret = randomBytes(32).toString('base64url');
  return {
    async sent(date, listId, addresses) {
      return addresses.map((a) => sent.get(`${date}|${listId}|${norm(a)}`) ?? null);
    },
    async markSent(date, listId, address, messageId) {
      sent.set(`${date}|${listId}|${norm(address)}`, messageId);
    },
    async unsubscribed(listId, addresses) {
      return addresses.map((a) => unsub.has(`${listId}|${norm(a)}`));
    },
    async unsubscribe(listId, address) {
      const k = `${listId}|${norm(address)}`;
      if (unsub.has(k)) return false;
      unsub.add(k);
      return true;
    },
    async secret() {
      return secret;
    },
  };
}
