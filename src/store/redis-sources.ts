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
  };
}
