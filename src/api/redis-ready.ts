/** Waiting for a fail-fast Redis client's first connection (the API server, `geointel token`). */
import type { Redis } from 'ioredis';

/**
 * Waits until a fail-fast client is connected (its commands fail rather than queue before that), at most
 * `timeoutMs`; false when Redis did not answer by then (the API still starts and answers 503 meanwhile).
 */
export function whenReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    timer.unref();
    redis.on('ready', onReady);
  });
}
