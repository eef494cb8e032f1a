// robots.txt: parsing (RFC 9309 matching), the per-origin cache and its failure policy, and the fetcher path.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GeoError, isGeoError } from '../../src/errors.js';
import type { FetchResult } from '../../src/fetch/index.js';
import { createFetcher, createRobotsCache, parseRobots } from '../../src/fetch/index.js';
import { type FixtureServer, startFixtureServer } from '../helpers/fixture-server.js';

describe('parseRobots', () => {
  const txt = [
    '# comment',
    'User-agent: *',
    'Disallow: /private',
    'Allow: /private/open',
    'Disallow: /*.pdf$',
    '',
    'User-agent: OtherBot',
    'Disallow: /',
  ].join('\n');

  it.each([
    ['/', true],
    ['/feed.xml', true],
    ['/private', false],
    ['/private/x', false],
    ['/private/open/x', true],
    ['/doc.pdf', false],
    ['/doc.pdf?x=1', true],
    ['/robots.txt', true],
  ])('* group: %s → %s', (path, ok) => expect(parseRobots(txt).isAllowed(path)).toBe(ok));

  it('a geointel group replaces * and matches case-insensitively with a version', () => {
    const r = parseRobots(
      'User-agent: *\nDisallow: /\n\nUser-agent: GeoIntel/2.0\nDisallow: /drafts\nCrawl-delay: 5\n',
    );
    expect(r.isAllowed('/news')).toBe(true);
    expect(r.isAllowed('/drafts/1')).toBe(false);
    expect(r.crawlDelayMs).toBe(5000);
  });

  it('groups with several user-agents, tie → allow, empty Disallow, BOM, CRLF', () => {
    const r = parseRobots(
      '\uFEFFUser-agent: a\r\nUser-agent: geointel\r\nDisallow: /x\r\nAllow: /x\r\nDisallow:\r\n',
    );
    expect(r.isAllowed('/x')).toBe(true);
    expect(parseRobots('User-agent: *\nDisallow:\n').isAllowed('/anything')).toBe(true);
    expect(parseRobots('').isAllowed('/x')).toBe(true);
    expect(parseRobots('User-agent: other\nDisallow: /\n').isAllowed('/x')).toBe(true);
  });

  it('non-ASCII patterns match percent-encoded paths', () => {
    const r = parseRobots('User-agent: *\nDisallow: /地质\n');
    expect(r.isAllowed(new URL('http://x/地质/1').pathname)).toBe(false);
  });
});

describe('robots cache policy', () => {
  const ok = (body: string): FetchResult => ({
    status: 200,
    httpStatus: 200,
    body: Buffer.from(body),
    contentType: 'text/plain',
    finalUrl: 'http://h/robots.txt',
    redirects: [],
    timings: { resolveMs: 0, connectMs: 0, headersMs: 0, totalMs: 0 },
  });

  it.each([
    ['404', new GeoError('HTTP_404', 'x'), 24 * 3600_000],
    ['401', new GeoError('HTTP_401', 'x'), 24 * 3600_000],
    ['500', new GeoError('HTTP_500', 'x'), 600_000],
    ['429', new GeoError('HTTP_429', 'x'), 600_000],
    ['timeout', new GeoError('TIMEOUT', 'x'), 600_000],
    ['network', new GeoError('NETWORK_ERROR', 'x'), 600_000],
  ])('%s → allow all, asked again after %i ms', async (_n, err, ttl) => {
    let now = 0;
    let calls = 0;
    const cache = createRobotsCache({
      fetch: async () => {
        calls++;
        throw err;
      },
      now: () => now,
    });
    const u = new URL('http://h.test/feed');
    expect(await cache.isAllowed(u)).toBe(true);
    now = ttl - 1;
    expect(await cache.isAllowed(u)).toBe(true);
    expect(calls).toBe(1);
    now = ttl + 1;
    await cache.isAllowed(u);
    expect(calls).toBe(2);
  });

  it('shares one in-flight fetch per origin and keys by origin', async () => {
    let calls = 0;
    const cache = createRobotsCache({
      fetch: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 20));
        return ok('User-agent: *\nDisallow: /no');
      },
    });
    const all = await Promise.all([1, 2, 3, 4].map((i) => cache.isAllowed(new URL(`http://a.test/no/${i}`))));
    expect(all).toEqual([false, false, false, false]);
    expect(calls).toBe(1);
    expect(await cache.isAllowed(new URL('http://a.test:8080/no'))).toBe(false);
    expect(calls).toBe(2);
  });
});

describe('robots through the fetcher', () => {
  let pub: FixtureServer;
  beforeAll(async () => {
    pub = await startFixtureServer({ host: '127.0.0.2' });
  });
  afterAll(() => pub.close());
  beforeEach(() => pub.resetHits());
  const make = () => createFetcher({ contact: 'test', allowPrivate: ['127.0.0.2/32'], robots: true });

  async function code(p: Promise<unknown>): Promise<string> {
    try {
      await p;
      return 'OK';
    } catch (err) {
      if (isGeoError(err)) return err.code;
      throw err;
    }
  }

  it('disallowed path → ROBOTS_DISALLOWED without a request; robots.txt fetched once', async () => {
    pub.robots = 'User-agent: *\nDisallow: /secret\n';
    const f = make();
    expect(await code(f.fetch(pub.url('/secret')))).toBe('ROBOTS_DISALLOWED');
    expect(await code(f.fetch(pub.url('/ok')))).toBe('OK');
    expect(await code(f.fetch(pub.url('/ok')))).toBe('OK');
    expect(pub.hits('/secret')).toBe(0);
    expect(pub.hits('/robots.txt')).toBe(1);
  });

  it('a redirect into a disallowed path is stopped at that hop', async () => {
    pub.robots = 'User-agent: geointel\nDisallow: /secret\n';
    expect(await code(make().fetch(pub.url('/redirect?to=/secret')))).toBe('ROBOTS_DISALLOWED');
    expect(pub.hits('/secret')).toBe(0);
  });

  it.each([[404], [500], [503]])('robots.txt %i does not block the feed', async (status) => {
    pub.robots = status;
    expect(await code(make().fetch(pub.url('/ok')))).toBe('OK');
  });

  it('skipRobots and robots: false bypass it', async () => {
    pub.robots = 'User-agent: *\nDisallow: /\n';
    expect(await code(make().fetch(pub.url('/ok'), { skipRobots: true }))).toBe('OK');
    const off = createFetcher({ contact: 'test', allowPrivate: ['127.0.0.2/32'], robots: false });
    expect(await code(off.fetch(pub.url('/ok')))).toBe('OK');
    expect(pub.hits('/robots.txt')).toBe(0);
  });
});
