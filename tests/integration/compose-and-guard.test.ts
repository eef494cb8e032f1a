/**
 * docker-compose.yml stays true (every service command starts in the production profile against an AOF,
 * noeviction redis-server and becomes ready), and T-Q6: the production profile refuses an unsafe Redis,
 * naming the setting; the development profile starts with a warning.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../helpers/cli.js';
import { freePort, spawnGeointel, waitForStatus } from '../helpers/processes.js';
import { type RedisChild, startRedis } from '../helpers/redis-server.js';

interface Service {
  command?: string[];
  environment?: Record<string, string>;
}
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
};

let redis: RedisChild;
beforeAll(async () => {
  redis = await startRedis({ aof: true, policy: 'noeviction' });
});
afterAll(async () => {
  await redis.stop();
});

describe('docker-compose.yml', () => {
  const services = Object.entries(compose.services).filter(([, s]) => s.command?.[0] === 'node');
  it('has a worker and an api service running bin/geointel.js', () => {
    expect(services.map(([n]) => n).sort()).toEqual(['api', 'worker']);
  });

  for (const [name, svc] of services) {
    it(`service ${name}: its command starts in the production profile and becomes ready`, async () => {
      const port = await freePort();
      const env = {
        ...svc.environment,
        GEOINTEL_PROFILE: 'production',
        REDIS_URL: redis.url,
        PORT: String(port),
        METRICS_PORT: String(port),
        GEOINTEL_PREFIX: `compose-${name}`,
      };
      const [, script, ...args] = svc.command!;
      expect(script).toBe('bin/geointel.js');
      const proc = spawnGeointel(args, env);
      try {
        expect(await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, 30_000)).toBe(200);
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        expect(metrics).toContain('geointel_');
      } finally {
        proc.child.kill('SIGTERM');
        expect((await proc.exited).code).toBe(0);
      }
    });
  }
});

describe('T-Q6 the production profile refuses an unsafe Redis', () => {
  const cases = [
    { name: 'allkeys-lru', opts: { aof: true, policy: 'allkeys-lru' }, setting: 'maxmemory-policy' },
    { name: 'no AOF', opts: { aof: false, policy: 'noeviction' }, setting: 'appendonly' },
  ];
  for (const c of cases) {
    it(`${c.name}: production exits 2 naming ${c.setting}; development starts with a warning`, async () => {
      const bad = await startRedis(c.opts);
      try {
        const env = { REDIS_URL: bad.url, METRICS_PORT: '0', GEOINTEL_PREFIX: 'guard' };
        const prod = spawnGeointel(['worker', '--role', 'fetch'], { ...env, GEOINTEL_PROFILE: 'production' });
        const exit = await prod.exited;
        expect(exit.code).toBe(2);
        expect(prod.logs.map((l) => JSON.stringify(l)).join('\n')).toContain(c.setting);
        const dev = spawnGeointel(['worker', '--role', 'fetch'], { ...env, GEOINTEL_PROFILE: 'development' });
        try {
          const warn = await dev.waitForLog((l) => String(l.setting ?? '').includes(c.setting));
          expect(warn.level).toBe('warn');
          await dev.waitForLog((l) => l.msg === 'worker started');
        } finally {
          dev.child.kill('SIGTERM');
        }
        expect((await dev.exited).code).toBe(0);
      } finally {
        await bad.stop();
      }
    });
  }
});
