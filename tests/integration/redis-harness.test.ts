// The private-Redis harness itself: AOF survives kill -9 and a restart; without AOF (and with --save '') the
// same write is lost, which shows the first result is the AOF's doing and not a leftover process.
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisChild, startRedis } from '../helpers/redis-server.js';

let redis: RedisChild | undefined;
afterEach(async () => {
  await redis?.stop();
  redis = undefined;
});

async function writeKillRestart(aof: boolean): Promise<string | null> {
  redis = await startRedis({ aof });
  const c = redis.client();
  await c.set('harness:k', 'v');
  const before = redis.pid;
  await redis.kill();
  expect(() => process.kill(before, 0)).toThrow(); // really gone
  await redis.restart();
  expect(redis.pid).not.toBe(before);
  return c.get('harness:k'); // the same client reconnects to the same port
}

describe('tests/helpers/redis-server', () => {
  it('starts on a free loopback port with the requested settings', async () => {
    redis = await startRedis({ maxmemory: '8mb', policy: 'allkeys-lru' });
    const c = redis.client();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await c.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'allkeys-lru']);
    expect(await c.config('GET', 'maxmemory')).toEqual(['maxmemory', String(8 * 1024 * 1024)]);
    expect(await c.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await c.config('GET', 'dir')).toEqual(['dir', redis.dir]);
  });

  it('AOF: a write survives kill -9 and restart', async () => {
    expect(await writeKillRestart(true)).toBe('v');
  });

  it('no AOF: the same write is lost', async () => {
    expect(await writeKillRestart(false)).toBeNull();
  });

  it('a bad argument fails with the server output in the message', async () => {
    await expect(startRedis({ extraArgs: ['--no-such-directive', 'x'] })).rejects.toThrow(
      /exited[\s\S]*Bad directive/,
    );
  });
});
