// `geointel run` without REDIS_URL: its own redis-server on a unix socket, reused by a second run, restarted
// after kill -9 with its AOF data, gone after stop(); a missing binary is REDIS_NOT_FOUND.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isGeoError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import {
  type EmbeddedRedis,
  findLocalRedis,
  pingRedis,
  startEmbeddedRedis,
} from '../../src/runtime/embedded-redis.js';

const lines: string[] = [];
const log = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
let dir = '';
const started: EmbeddedRedis[] = [];
const clients: Redis[] = [];

async function start(opts: { redisServer?: string } = {}): Promise<EmbeddedRedis> {
  const r = await startEmbeddedRedis({ dataDir: join(dir, 'redis'), log, ...opts });
  started.push(r);
  return r;
}

function client(r: EmbeddedRedis): Redis {
  const c = new Redis({ ...r.connection, maxRetriesPerRequest: 5 });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}

const gone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

beforeAll(() => {
  dir = mkdtempSync(join(os.tmpdir(), 'geointel-embedded-'));
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const r of started.splice(0).reverse()) await r.stop();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startEmbeddedRedis', () => {
  it('serves on <dataDir>/redis.sock, writes the address file, and a second start reuses it', async () => {
    const first = await start();
    const sock = join(dir, 'redis', 'redis.sock');
    expect(first).toMatchObject({
      owned: true,
      url: sock,
      connection: { path: sock },
      display: `unix://${sock}`,
    });
    expect(await pingRedis({ path: sock })).toBe('pong');
    expect(readFileSync(join(dir, 'redis', 'address'), 'utf8').trim()).toBe(sock);
    expect(await findLocalRedis(join(dir, 'redis'))).toBe(sock);
    expect(await client(first).config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    expect(await client(first).config('GET', 'port')).toEqual(['port', '0']); // no TCP listener

    const second = await start();
    expect(second.owned).toBe(false);
    expect(second.pid).toBeUndefined();
    await second.stop(); // stopping a reuser leaves the owner's server alone
    expect(await pingRedis({ path: sock })).toBe('pong');
  });

  it('kill -9: the supervisor restarts redis-server and the AOF data is back', async () => {
    const r = await start();
    const c = client(r);
    await c.set('embedded:k', 'v');
    const before = r.pid!;
    process.kill(before, 'SIGKILL');
    await vi.waitFor(
      async () => {
        expect(r.pid).toBeDefined();
        expect(r.pid).not.toBe(before);
        expect(await pingRedis({ path: r.connection.path })).toBe('pong');
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(await c.get('embedded:k')).toBe('v');
    const warn = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'redis-server died; restarting');
    expect(warn).toMatchObject({
      level: 'warn',
      role: 'redis',
      pid: before,
      signal: 'SIGKILL',
      restartInMs: 250,
    });
  });

  it('stop() leaves no process and no socket', async () => {
    const r = await start();
    const pid = r.pid!;
    await r.stop();
    expect(gone(pid)).toBe(true);
    expect(existsSync(r.connection.path)).toBe(false);
    expect(await findLocalRedis(join(dir, 'redis'))).toBeNull();
    // The lock is released: the next run owns a fresh server.
    const again = await start();
    expect(again.owned).toBe(true);
  });

  it('a missing binary is REDIS_NOT_FOUND, naming the ways to get one', async () => {
    const err = await start({ redisServer: '/nonexistent/redis-server' }).catch((e: unknown) => e);
    expect(isGeoError(err) && err.code).toBe('REDIS_NOT_FOUND');
    expect(isGeoError(err) && err.retry).toBe('permanent');
    const msg = (err as Error).message;
    for (const hint of [
      'apt-get install redis-server',
      'brew install redis',
      'docker compose up redis',
      'REDIS_URL=',
    ])
      expect(msg).toContain(hint);
    // Nothing was left behind that would make the next start think someone else owns the folder.
    expect(existsSync(join(dir, 'redis', 'supervisor.pid'))).toBe(false);
  });
});
