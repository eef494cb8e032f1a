/**
 * `geointel sources check --all` of the SHIPPED registry (issue 9), offline: every registry host resolves to a
 * loopback fixture server through the fetcher's injected resolver (a test seam of the check function, not a
 * flag), which serves the recorded and synthetic fixtures of tests/fixtures/feeds at the registry's own URL
 * paths. The fetcher cannot be told another port or to skip TLS, so the test seam also rewrites each
 * registry URL from https://host/path to http://host:<port>/path just before it is fetched: host name,
 * path and query stay the registry's, and the address policy is the production one plus `--allow-private`.
 * Four enabled feed sources are served broken instead: 404, an HTML page instead of the feed, an empty
 * feed, and a feed whose items all carry today's date.
 */
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSources } from '../../src/cli/commands/sources.js';
import { checkLine, checkSource, type SourceCheckReport } from '../../src/cli/source-check.js';
import { loadConfig } from '../../src/config/load.js';
import type { SourceEntry } from '../../src/config/sources-schema.js';
import { startCaptureServer } from '../../src/demo/capture-server.js';
import { ROOT } from '../helpers/cli.js';
import { stubResolver } from '../helpers/fixture-server.js';

const FEEDS = join(ROOT, 'tests/fixtures/feeds');
const CONFIG = join(ROOT, 'config');
const cfg = loadConfig({ dir: CONFIG, env: {} });
const NOW = Date.parse('2026-12-03T12:00:00Z');
const TODAY = (h: number) => new Date(Date.parse('2026-12-03T00:00:00Z') + h * 3_600_000).toUTCString();

const CONTENT_TYPES: Record<string, string> = {
  xml: 'application/rss+xml',
  rss: 'application/rss+xml',
  rdf: 'application/rdf+xml',
  atom: 'application/atom+xml',
  feed: 'application/atom+xml',
  json: 'application/json',
  geojson: 'application/geo+json',
  html: 'text/html',
};

/**
 * The fixture of each source: the newest real capture the demo's capture server serves for it, else a file of
 * tests/fixtures/feeds/<source-id>/ (synthetic fixtures, never the `*.redesign.*` pages that must yield
 * nothing).
 */
async function fixtures(): Promise<Map<string, string>> {
  const capture = await startCaptureServer({ root: FEEDS });
  const out = new Map<string, string>();
  for (const f of capture.feeds) if (f.sourceId) out.set(f.sourceId, join(FEEDS, f.captures.at(-1)!));
  await capture.close();
  for (const s of cfg.sources) {
    if (out.has(s.id)) continue;
    let files: string[];
    try {
      files = readdirSync(join(FEEDS, s.id));
    } catch {
      continue;
    }
    const usable = files.filter((f) => !/\.redesign\.|\.md$/.test(f) && f.split('.').pop()! in CONTENT_TYPES);
    if (usable.length) out.set(s.id, join(FEEDS, s.id, usable.sort().at(-1)!));
  }
  return out;
}

const rss = (items: string) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://example.org/</link>${items}</channel></rss>`;
const BROKEN = {
  gone: { status: 404, type: 'text/html', body: '<html><body>Not found</body></html>' },
  html: {
    status: 200,
    type: 'text/html; charset=utf-8',
    // A redesigned site answering the old feed URL with its new home page: plenty of article-like links.
    body: `<!doctype html><html><head><title>Our new website</title></head><body><h1>Welcome to our new website</h1><main>${[
      'new-survey-maps-the-north-sea-floor',
      'groundwater-levels-fall-for-a-third-year',
      'lithium-brines-found-under-old-oil-fields',
    ]
      .map(
        (slug) =>
          `<article><h2><a href="/news/2026/12/${slug}">${slug.replace(/-/g, ' ')}</a></h2></article>`,
      )
      .join('')}</main></body></html>`,
  },
  empty: { status: 200, type: 'application/rss+xml', body: rss('') },
  today: {
    status: 200,
    type: 'application/rss+xml',
    body: rss(
      [1, 2, 3, 4]
        .map(
          (i) =>
            `<item><title>Story ${i}</title><link>https://example.org/news/${i}</link><pubDate>${TODAY(i)}</pubDate></item>`,
        )
        .join(''),
    ),
  },
} as const;
type Broken = keyof typeof BROKEN;

const rewrite = (port: number) => (url: string) => {
  const u = new URL(url);
  u.protocol = 'http:';
  u.port = String(port);
  return u.href;
};
const keyOf = (u: URL) => `${u.hostname}${u.pathname}${u.search}`;

let server: http.Server;
let port: number;
let served: Map<string, string>;
const enabled = cfg.sources.filter((s) => s.enabled);
/** Four enabled feed sources served broken, preferring those without a fixture. */
const broken = new Map<string, Broken>();

beforeAll(async () => {
  served = await fixtures();
  const feeds = enabled.filter((s) => ['rss', 'atom', 'rdf'].includes(s.kind));
  const pick = [...feeds.filter((s) => !served.has(s.id)), ...feeds.filter((s) => served.has(s.id))];
  for (const [i, kind] of (['gone', 'html', 'empty', 'today'] as const).entries())
    broken.set(pick[i]!.id, kind);
  const routes = new Map<string, SourceEntry>();
  server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const source = routes.get(keyOf(u));
    const how = source && broken.get(source.id);
    if (how) {
      const b = BROKEN[how];
      return void res.writeHead(b.status, { 'content-type': b.type }).end(b.body);
    }
    const file = source && served.get(source.id);
    if (!file) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'); // robots.txt too
    res.writeHead(200, { 'content-type': CONTENT_TYPES[file.split('.').pop()!] ?? 'application/xml' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  for (const s of enabled) routes.set(keyOf(new URL(rewrite(port)(s.url))), s);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function check(args: string[]) {
  const hosts = Object.fromEntries(cfg.sources.map((s) => [new URL(s.url).hostname, ['127.0.0.1']]));
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => {
    out += d;
  });
  const code = await runSources(
    ['check', ...args, '--allow-private'],
    { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: { GEOINTEL_CONFIG_DIR: CONFIG } },
    { resolver: stubResolver(hosts), rewriteUrl: rewrite(port), now: () => NOW },
  );
  return { code, out };
}

describe('geointel sources check --all (the shipped registry, served from loopback)', () => {
  it('passes the sources with fixtures and fails 404, HTML, empty and all-today ones with clear messages', async () => {
    const r = await check(['--all', '--json']);
    const reports = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as SourceCheckReport);
    expect(reports.map((x) => x.source)).toEqual(enabled.map((s) => s.id));
    expect(r.code).toBe(1);
    const minChars = (cfg.app.ingest as { summaryMinChars?: number }).summaryMinChars ?? 150;
    const byId = new Map(reports.map((x) => [x.source, x]));

    for (const s of enabled) {
      const rep = byId.get(s.id)!;
      if (broken.has(s.id)) continue;
      if (served.has(s.id)) {
        expect(rep, `${s.id} (${served.get(s.id)})`).toMatchObject({ ok: true, summaries: { minChars } });
        expect(rep.items, s.id).toBeGreaterThan(0);
        expect(rep.error).toBeUndefined();
      } else expect(rep, s.id).toMatchObject({ ok: false, error: { code: 'HTTP_404' } });
    }
    expect(reports.filter((x) => x.ok).length).toBeGreaterThanOrEqual(5);

    const of = (kind: Broken) => byId.get([...broken].find(([, k]) => k === kind)![0])!;
    expect(of('gone')).toMatchObject({ ok: false, error: { code: 'HTTP_404' } });
    expect(of('html')).toMatchObject({
      ok: false,
      format: 'html',
      error: {
        code: 'NOT_A_FEED',
        message: expect.stringMatching(/^expected \w+, the server sent an HTML page/),
      },
    });
    expect(of('empty')).toMatchObject({
      ok: false,
      items: 0,
      error: { code: 'EMPTY_LISTING', message: expect.stringMatching(/no items/) },
      flags: [expect.objectContaining({ flag: 'empty-listing' })],
    });
    expect(of('today')).toMatchObject({
      ok: false,
      items: 4,
      newest: '2026-12-03T04:00:00.000Z',
      error: { code: 'DATES_ALL_FETCH_DAY', message: expect.stringMatching(/dated the fetch day/) },
      flags: [expect.objectContaining({ flag: 'dates-all-fetch-day' })],
    });
  });

  it('prints one line per source: items, newest date, summary coverage, timings; FAIL with the reason', async () => {
    const ok = [...served.keys()].find((id) => enabled.some((s) => s.id === id) && !broken.has(id))!;
    const [empty] = [...broken].find(([, k]) => k === 'empty')!;
    const r = await check([ok, empty]);
    expect(r.code).toBe(1);
    const [okLine, failLine] = r.out.trim().split('\n');
    expect(okLine).toMatch(
      new RegExp(
        `^ok {4}${ok}: \\d+ items, newest (\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z|undated), summaries ≥\\d+ chars \\d+% \\(\\w+, [\\w-]+\\), fetch \\d+ ms, parse \\d+ ms$`,
      ),
    );
    expect(failLine).toMatch(
      new RegExp(`^FAIL  ${empty}: EMPTY_LISTING the last fetched body had no items .*; 0 items, rss\\)$`),
    );
  });

  it('exits 0 when every source checked is healthy', async () => {
    const ok = [...served.keys()].find((id) => enabled.some((s) => s.id === id) && !broken.has(id))!;
    expect((await check([ok])).code).toBe(0);
    await expect(check(['--all', ok])).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('checkLine', () => {
  it('names a permanent redirect on an ok line', () => {
    const line = checkLine({
      source: 's',
      url: 'https://a/',
      ok: true,
      format: 'rss',
      encoding: 'utf-8',
      items: 2,
      newest: null,
      summaries: { minChars: 150, count: 1, share: 0.5 },
      fetchMs: 3,
      parseMs: 1,
      ms: 5,
      permanentRedirect: 'https://b/',
    });
    expect(line).toBe(
      'ok    s: 2 items, newest undated, summaries ≥150 chars 50% (rss, utf-8), fetch 3 ms, parse 1 ms; permanently redirected to https://b/\n',
    );
  });
});

describe('checkSource (one fetch, through a stub fetcher)', () => {
  const source = cfg.sources.find((s) => s.kind === 'rss' && s.enabled)!;
  const answer = (body: string, contentType: string, extra: Record<string, unknown> = {}) => ({
    fetch: async () => ({
      status: 200 as const,
      httpStatus: 200,
      body: Buffer.from(body),
      contentType,
      finalUrl: source.url,
      redirects: [],
      timings: { resolveMs: 0, connectMs: 0, headersMs: 0, totalMs: 0 },
      ...extra,
    }),
  });

  it('names the expected kind when a feed source serves a page that is no feed at all', async () => {
    const r = await checkSource(
      source,
      cfg,
      answer('<html><body><p>Maintenance</p></body></html>', 'text/html'),
    );
    expect(r).toMatchObject({
      ok: false,
      error: {
        code: 'NOT_A_FEED',
        message: expect.stringMatching(/^expected rss: HTML page without a feed rule/),
      },
    });
  });

  it('reports a permanent redirect and summary coverage of a healthy feed', async () => {
    const long = 'x'.repeat(200);
    const body = rss(
      [1, 2, 3]
        .map(
          (i) =>
            `<item><title>S${i}</title><link>https://example.org/${i}</link><description>${i === 1 ? long : 'short'}</description><pubDate>${new Date(Date.parse('2026-11-0' + i + 'T10:00:00Z')).toUTCString()}</pubDate></item>`,
        )
        .join(''),
    );
    const r = await checkSource(
      source,
      cfg,
      answer(body, 'application/rss+xml', {
        permanentRedirect: 'https://example.org/moved',
        redirects: [source.url],
      }),
      { now: () => NOW },
    );
    expect(r).toMatchObject({
      ok: true,
      items: 3,
      newest: '2026-11-03T10:00:00.000Z',
      summaries: { count: 1, share: 0.33 },
      permanentRedirect: 'https://example.org/moved',
    });
    expect(r.flags).toBeUndefined();
  });
});
