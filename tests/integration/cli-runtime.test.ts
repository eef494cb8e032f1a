/**
 * The long-running commands as a user starts them: `geointel run` with no REDIS_URL supervises its own
 * redis-server (found by other commands without flags), `geointel demo` works offline against the recorded
 * feeds, and a missing redis-server binary exits 2 naming how to get one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliAsync } from '../helpers/cli.js';
import { freePort, spawnGeointel, waitForStatus } from '../helpers/processes.js';
import { REDIS_URL } from '../helpers/runtime.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'geointel-run-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('geointel run without REDIS_URL', () => {
  it('starts its own redis-server (AOF, noeviction), which a second command finds; SIGTERM stops both', async () => {
    const dataDir = join(tmp(), 'redis');
    const port = await freePort();
    const env = {
      REDIS_URL: '',
      GEOINTEL_REDIS_DATA_DIR: dataDir,
      PORT: String(port),
      GEOINTEL_PREFIX: 'run-test',
    };
    const run = spawnGeointel(['run'], env);
    try {
      expect(await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, 30_000)).toBe(200);
      const started = await run.waitForLog((l) => l.msg === 'geointel running');
      expect(String(started.redis)).toContain(join(dataDir, 'redis.sock'));
      // A second terminal: `sources list` reaches the supervised Redis with no flags and shows health.
      const list = await runCliAsync(['sources', 'list'], { env });
      expect(list.code).toBe(0);
      expect(list.stdout.split('\n')[0]).toContain('HEALTH');
    } finally {
      run.child.kill('SIGTERM');
    }
    const exit = await run.exited;
    expect(exit.code).toBe(0);
    const after = await runCliAsync(['sources', 'list'], { env });
    expect(after.stdout.split('\n')[0]).not.toContain('HEALTH');
  });

  it('exits 2 naming how to get redis-server when the binary is missing', async () => {
    const env = {
      REDIS_URL: '',
      GEOINTEL_REDIS_DATA_DIR: join(tmp(), 'redis'),
      PATH: '/nonexistent',
      PORT: '0',
    };
    const r = await runCliAsync(['run'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('REDIS_NOT_FOUND');
    expect(r.stderr).toMatch(/apt-get install redis-server/);
    expect(r.stderr).toMatch(/docker compose up redis/);
  });
});

describe('geointel demo', () => {
  it('runs offline against the recorded feeds and says what to look at', async () => {
    const port = await freePort();
    const r = await runCliAsync(['demo', '--for', '8', '--poll-every', '2', '--rotate-every', '3'], {
      env: { REDIS_URL, PORT: String(port), GEOINTEL_PREFIX: `demo-${port}`, LOG_LEVEL: 'warn' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('recorded feeds served at http://127.0.0.1:');
    expect(r.stdout).toContain('intake window widened');
    expect(r.stdout).toMatch(/XRANGE demo-\d+-demo:stream:all/);
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`demo-${port}-demo:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    const last = r.stdout.trim().split('\n').at(-1)!;
    const m = /stream:all (\d+)/.exec(last);
    expect(Number(m?.[1])).toBeGreaterThan(20);
  });
});
