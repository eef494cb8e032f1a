/**
 * `geointel token create/list/revoke` through the built CLI (`npm run build` first), against real Redis with
 * its own prefix: the token is printed once, only its SHA-256 is stored, revocation takes effect at once.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisTokenStore, hashToken } from '../../src/store/tokens.js';
import { runCliAsync } from '../helpers/cli.js';
import { REDIS_URL } from '../helpers/runtime.js';

const prefix = `t-tok-${randomUUID().slice(0, 8)}`;
const env = { REDIS_URL, GEOINTEL_PREFIX: prefix, LOG_LEVEL: 'warn' };
const redis = new Redis(REDIS_URL);

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('geointel token', () => {
  it('create prints the token once and stores only its hash; list shows it; revoke ends it', async () => {
    const created = await runCliAsync(['token', 'create', '--name', 'alice', '--role', 'editor'], { env });
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^gi_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain('shown this once');

    // Redis holds the hash, never the token.
    const dump = JSON.stringify(
      await Promise.all((await redis.keys(`${prefix}:*`)).map(async (k) => [k, await redis.hgetall(k)])),
    );
    expect(dump).not.toContain(token);
    expect(dump).toContain(hashToken(token));

    const store = createRedisTokenStore({ redis, prefix });
    expect(await store.verify(token)).toMatchObject({ name: 'alice', role: 'editor', revoked: false });

    const list = await runCliAsync(['token', 'list'], { env });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+ROLE\s+CREATED\s+STATUS$/m);
    expect(list.stdout).toMatch(/^alice\s+editor\s+\S+\s+active$/m);
    expect(list.stdout).not.toContain(token);

    const dup = await runCliAsync(['token', 'create', '--name', 'alice', '--role', 'viewer'], { env });
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('exists');

    const revoked = await runCliAsync(['token', 'revoke', 'alice'], { env });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(await store.verify(token)).toBeNull();
    const json = await runCliAsync(['token', 'list', '--json'], { env });
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({
        name: 'alice',
        role: 'editor',
        revoked: true,
        revokedAt: expect.any(String),
      }),
    ]);

    expect((await runCliAsync(['token', 'revoke', 'nobody'], { env })).code).toBe(1);
  });

  it('refuses a bad role or name with exit 2', async () => {
    const role = await runCliAsync(['token', 'create', '--name', 'bob', '--role', 'root'], { env });
    expect(role.code).toBe(2);
    expect(role.stderr).toContain('--role must be one of viewer, editor, admin');
    const name = await runCliAsync(['token', 'create', '--name', 'bob smith', '--role', 'viewer'], { env });
    expect(name.code).toBe(2);
    expect((await runCliAsync(['token'], { env })).code).toBe(2);
  });
});
