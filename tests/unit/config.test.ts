import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, envVariables, loadConfig } from '../../src/config/load.js';
import { ROOT, runCli } from '../helpers/cli.js';

function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'geointel-config-'));
  cpSync(join(ROOT, 'config'), dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('loadConfig', () => {
  it('loads the shipped configuration into a frozen object', () => {
    const cfg = loadConfig({ dir: join(ROOT, 'config'), env: {} });
    expect(cfg.app.digest.timeZone).toBe('Asia/Shanghai');
    expect(cfg.app.fetch.maxBodyBytes).toBe(15 * 1024 * 1024);
    expect(cfg.sources.length).toBeGreaterThan(25);
    expect(cfg.topics.topics.map((t) => t.id)).toEqual([
      'basic-geology',
      'energy-minerals',
      'hydrogeology',
      'marine',
      'carbon-neutrality',
    ]);
    expect(Object.isFrozen(cfg.app.fetch)).toBe(true);
    expect(() => {
      (cfg.app.fetch as { maxRedirects: number }).maxRedirects = 99;
    }).toThrow(TypeError);
  });

  it.each([
    ['REDIS_URL', 'redis://10.1.2.3:6380', (c: ReturnType<typeof loadConfig>) => c.app.redis.url],
    ['GEOINTEL_PREFIX', 'test-x', (c: ReturnType<typeof loadConfig>) => c.app.redis.prefix],
    ['PORT', '9999', (c: ReturnType<typeof loadConfig>) => c.app.http.port],
    ['GEOINTEL_FETCH_MAX_BODY_BYTES', '1024', (c: ReturnType<typeof loadConfig>) => c.app.fetch.maxBodyBytes],
    ['GEOINTEL_DIGEST_TIME_ZONE', 'UTC', (c: ReturnType<typeof loadConfig>) => c.app.digest.timeZone],
  ])('%s overrides the file', (name, value, read) => {
    const cfg = loadConfig({ dir: join(ROOT, 'config'), env: { [name]: value } });
    expect(String(read(cfg))).toBe(value);
  });

  it('reads GEOINTEL_FETCH_ALLOW_PRIVATE as a list of CIDRs', () => {
    const cfg = loadConfig({
      dir: join(ROOT, 'config'),
      env: { GEOINTEL_FETCH_ALLOW_PRIVATE: '127.0.0.0/8, 10.0.0.0/8' },
    });
    expect(cfg.app.fetch.allowPrivate).toEqual(['127.0.0.0/8', '10.0.0.0/8']);
  });

  it('lists every problem of every file at once, with file, line and field', () => {
    const dir = configDir({
      'geointel.yaml': 'fetch:\n  maxRedirects: -1\n  bogus: 1\ndigest:\n  cutoffHour: 31\n',
      'sources.yaml':
        'sources:\n  - id: ok-one\n    name: One\n    url: https://example.org/feed\n  - id: Bad Id\n    name: Two\n    url: not a url\n  - id: ok-one\n    name: Three\n    url: https://example.org/x\n',
    });
    let error: ConfigError | undefined;
    try {
      loadConfig({ dir, env: { PORT: 'eighty' } });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const where = error!.issues.map((i) => `${i.file.split('/').pop()}:${i.path}`);
    expect(where).toEqual(
      expect.arrayContaining([
        'geointel.yaml:fetch.maxRedirects',
        'geointel.yaml:fetch',
        'geointel.yaml:digest.cutoffHour',
        'geointel.yaml:http.port',
        'sources.yaml:sources[1].id',
        'sources.yaml:sources[1].url',
        'sources.yaml:sources[2].id',
      ]),
    );
    const cutoff = error!.issues.find((i) => i.path === 'digest.cutoffHour');
    expect(cutoff?.line).toBe(5);
    const badUrl = error!.issues.find((i) => i.path === 'sources[1].url');
    expect(badUrl?.line).toBe(7);
  });

  it('reports YAML syntax errors with their line', () => {
    const dir = configDir({ 'topics.yaml': 'topics:\n  - id: a\n    name: [unclosed\n' });
    expect(() => loadConfig({ dir, env: {} })).toThrow(/topics\.yaml:\d+/);
  });

  it('documents every variable in config/env.example', async () => {
    const { readFileSync } = await import('node:fs');
    const example = readFileSync(join(ROOT, 'config/env.example'), 'utf8');
    for (const { name } of envVariables()) expect(example, name).toContain(name);
  });
});

describe('a bad configuration on the command line', () => {
  it('exits 2 naming the file and the field', () => {
    const dir = configDir({ 'sources.yaml': 'sources:\n  - id: x\n    name: X\n    url: ftp//nowhere\n' });
    const r = runCli(['sources', 'list'], { env: { GEOINTEL_CONFIG_DIR: dir } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sources\.yaml:4: sources\[0\]\.url/);
  });
});
