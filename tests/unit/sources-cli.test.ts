import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, ROOT, runCli, runCliAsync } from '../helpers/cli.js';

describe('geointel sources list', () => {
  it('prints the registry as a table', () => {
    const r = runCli(['sources', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^ID\s+ENABLED\s+KIND\s+PUBLISHES\s+LANG/);
    expect(r.stdout).toMatch(/^physorg\s+on\s+rss\s+relay\s+en/m);
  });

  it('prints the registry entries with their health as a JSON array', () => {
    const r = runCli(['sources', 'list', '--json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    const usgs = list.find((s) => s.id === 'usgs-news')!;
    expect(usgs).toMatchObject({
      name: 'U.S. Geological Survey',
      nameZh: '美国地质调查局',
      shortName: 'USGS',
      publishes: 'agency',
    });
    expect(usgs).toHaveProperty('health');
  });
});

describe('geointel sources check (through the hardened fetcher)', () => {
  let server: Server;
  let origin: string;
  let dir: string;
  beforeAll(async () => {
    const feed = readFileSync(fixture('feeds/gdacs/rss-2019-12-30.xml'));
    server = createServer((req, res) => {
      if (req.url === '/gdacs.xml') res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(feed);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'geointel-sources-'));
    cpSync(join(ROOT, 'config'), dir, { recursive: true });
    writeFileSync(
      join(dir, 'sources.yaml'),
      `sources:\n  - id: local-gdacs\n    name: GDACS (recorded)\n    url: ${origin}/gdacs.xml\n    kind: rss\n  - id: local-gone\n    name: Gone\n    url: ${origin}/gone.xml\n`,
    );
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reports items found and timings per source, and a coded error for the one that fails (exit 1)', async () => {
    const r = await runCliAsync(['sources', 'check', '--json', '--allow-private'], {
      env: { GEOINTEL_CONFIG_DIR: dir },
    });
    expect(r.code).toBe(1);
    const [ok, gone] = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ok).toMatchObject({ source: 'local-gdacs', ok: true, format: 'rss', items: 16 });
    expect(ok.ms).toEqual(expect.any(Number));
    expect(gone).toMatchObject({ source: 'local-gone', ok: false, error: { code: 'HTTP_404' } });
  });

  it('refuses loopback without --allow-private', async () => {
    const r = await runCliAsync(['sources', 'check', 'local-gdacs', '--json'], {
      env: { GEOINTEL_CONFIG_DIR: dir },
    });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'SSRF_BLOCKED' } });
  });

  it('names an unknown source (exit 2)', async () => {
    const r = await runCliAsync(['sources', 'check', 'nope'], { env: { GEOINTEL_CONFIG_DIR: dir } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no source "nope"/);
  });
});
