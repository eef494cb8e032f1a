/**
 * Per-source state on Redis: one hash per source (validators and the health counters as JSON) and the last
 * fetched body, gzip-compressed and bounded, for `geointel reprocess`.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import { redisKeys } from './keys.js';
import type { SourceHealth, SourceState, SourceStateStore, StoredBody } from './types.js';

export const EMPTY_HEALTH: SourceHealth = Object.freeze({
  consecutiveFailures: 0,
  fetches: 0,
  notModified: 0,
});

export interface RedisSourceStoreOptions {
  redis: Redis;
  prefix: string;
  /** Largest compressed body kept; a larger one is not kept (reprocess then refetches). @defaultValue 4 MiB */
  maxBodyBytes?: number;
  /** Days a body is kept. @defaultValue 30 */
  bodyDays?: number;
}

export function stateOf(h: Record<string, string>): SourceState {
  return {
    validators: {
      ...(h.etag ? { etag: h.etag } : {}),
      ...(h.lastModified ? { lastModified: h.lastModified } : {}),
    },
    health: h.health ? { ...EMPTY_HEALTH, ...(JSON.parse(h.health) as SourceHealth) } : { ...EMPTY_HEALTH },
  };
}

export function createRedisSourceStore(opts: RedisSourceStoreOptions): SourceStateStore {
  const { redis } = opts;
  const keys = redisKeys(opts.prefix);
  const maxBody = opts.maxBodyBytes ?? 4 * 1024 * 1024;
  const bodyTtl = (opts.bodyDays ?? 30) * 86_400;
  const touch = (id: string) => redis.sadd(keys.sourceIndex(), id);

  return {
    async get(id) {
      return stateOf(await redis.hgetall(keys.source(id)));
    },
    async all() {
      const ids = (await redis.smembers(keys.sourceIndex())).sort();
      const p = redis.pipeline();
      for (const id of ids) p.hgetall(keys.source(id));
      const res = (await p.exec()) ?? [];
      return Object.fromEntries(
        ids.map((id, i) => [id, stateOf((res[i]?.[1] as Record<string, string>) ?? {})]),
      );
    },
    async setValidators(id, v) {
      const p = redis.multi();
      p.hdel(keys.source(id), 'etag', 'lastModified');
      const fields: Record<string, string> = {};
      if (v.etag) fields.etag = v.etag;
      if (v.lastModified) fields.lastModified = v.lastModified;
      if (Object.keys(fields).length) p.hset(keys.source(id), fields);
      await p.exec();
      await touch(id);
    },
    async setHealth(id, health) {
      await redis.hset(keys.source(id), 'health', JSON.stringify(health));
      await touch(id);
    },
    async putBody(id, body) {
      const gz = gzipSync(body.bytes);
      if (gz.length > maxBody) return;
      await redis
        .multi()
        .hset(keys.sourceBody(id), {
          gz,
          url: body.url,
          contentType: body.contentType,
          fetchedAt: body.fetchedAt,
        })
        .expire(keys.sourceBody(id), bodyTtl)
        .exec();
    },
    async getBody(id) {
      const [gz, url, contentType, fetchedAt] = await redis.hmgetBuffer(
        keys.sourceBody(id),
        'gz',
        'url',
        'contentType',
        'fetchedAt',
      );
      if (!gz || !url) return null;
      const body: StoredBody = {
        bytes: new Uint8Array(gunzipSync(gz)),
        url: url.toString(),
        contentType: contentType?.toString() ?? '',
        fetchedAt: fetchedAt?.toString() ?? '',
      };
      return body;
    },
    async addItems(id, n, atMs) {
      if (n <= 0) return;
      await redis
        .multi()
        .sadd(keys.sourceIndex(), id)
        .hincrby(keys.sourceItems(id), utcDay(atMs), n)
        .expire(keys.sourceItems(id), ITEM_DAYS_KEPT * 86_400)
        .exec();
    },
    async itemsPerWeek(nowMs) {
      const ids = (await redis.smembers(keys.sourceIndex())).sort();
      const days = weekDays(nowMs);
      const p = redis.pipeline();
      for (const id of ids) p.hmget(keys.sourceItems(id), ...days);
      const res = (await p.exec()) ?? [];
      const out: Record<string, number> = {};
      ids.forEach((id, i) => {
        const counts = (res[i]?.[1] as Array<string | null> | undefined) ?? [];
        const sum = counts.reduce((acc, c) => acc + (c ? Number(c) : 0), 0);
        if (sum > 0) out[id] = sum;
      });
      return out;
    },
  };
}

/** Days of new-item counts kept per source (two weeks and a margin). */
const ITEM_DAYS_KEPT = 15;

/** The UTC day of an instant, `YYYY-MM-DD`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The 7 UTC days ending with the day of `nowMs`. */
export function weekDays(nowMs: number): string[] {
  return Array.from({ length: 7 }, (_, i) => utcDay(nowMs - i * 86_400_000));
}
