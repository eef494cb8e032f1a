// T-F9 statuses, conditional requests, request headers, T-F12 (pages go through the same fetcher).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchFetch } from '../../src/bench/fetch.js';
import { AppSchema } from '../../src/config/app-schema.js';
import { type GeoError, isGeoError } from '../../src/errors.js';
import { createFetcher, createFetcherFromConfig } from '../../src/fetch/index.js';
import { VERSION } from '../../src/version.js';
import { type FixtureServer, startFixtureServer } from '../helpers/fixture-server.js';

let pub: FixtureServer;
const make = () =>
  createFetcher({ contact: 'mailto:ops@example.test', allowPrivate: ['127.0.0.2/32'], robots: false });

async function error(p: Promise<unknown>): Promise<GeoError> {
  try {
    await p;
  } catch (err) {
    if (isGeoError(err)) return err;
    throw err;
  }
  throw new Error('expected a GeoError');
}

beforeAll(async () => {
  pub = await startFixtureServer({ host: '127.0.0.2' });
});
afterAll(() => pub.close());

describe('T-F9 status', () => {
  it('429 + Retry-After: 7 → retryAfterMs 7000, decision "after"', async () => {
    const e = await error(make().fetch(pub.url('/status/429?retry-after=7')));
    expect(e.toJSON()).toMatchObject({ code: 'HTTP_429', retry: 'after', retryAfterMs: 7000 });
  });

  it('503 + HTTP-date → the remaining time, decision "after"', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    const e = await error(make().fetch(pub.url(`/status/503?retry-after=${encodeURIComponent(at)}`)));
    expect(e.code).toBe('HTTP_503');
    expect(e.retry).toBe('after');
    expect(e.retryAfterMs).toBeGreaterThan(27_000);
    expect(e.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('Retry-After is bounded to 6 h', async () => {
    const e = await error(make().fetch(pub.url('/status/429?retry-after=999999999')));
    expect(e.retryAfterMs).toBe(6 * 3600_000);
  });

  it.each([
    [404, 'permanent'],
    [410, 'permanent'],
    [403, 'permanent'],
    [500, 'backoff'],
    [503, 'backoff'],
    [429, 'backoff'],
  ])('%i without Retry-After → %s', async (status, retry) => {
    const e = await error(make().fetch(pub.url(`/status/${status}`)));
    expect(e.code).toBe(`HTTP_${status}`);
    expect(e.retry).toBe(retry);
    expect(e.retryAfterMs).toBeUndefined();
  });

  it('a second request for an unchanged resource is a 304 (ETag and Last-Modified round trip)', async () => {
    const f = make();
    const first = await f.fetch(pub.url('/etag'));
    expect(first.status).toBe(200);
    expect(first.etag).toBe('"v1-fixture"');
    expect(first.lastModified).toBe('Mon, 02 Nov 2026 10:00:00 GMT');
    const byEtag = await f.fetch(pub.url('/etag'), { etag: first.etag });
    expect(byEtag).toMatchObject({ status: 304, etag: '"v1-fixture"', finalUrl: pub.url('/etag') });
    expect('body' in byEtag).toBe(false);
    const byDate = await f.fetch(pub.url('/etag'), { lastModified: first.lastModified });
    expect(byDate.status).toBe(304);
  });
});

describe('request and result shape', () => {
  it('sends the geointel User-Agent, conditional headers and Accept-Encoding', async () => {
    const res = await make().fetch(pub.url('/echo-headers'), {
      etag: '"x"',
      lastModified: 'Mon, 02 Nov 2026 10:00:00 GMT',
    });
    expect(res.status).toBe(200);
    if (res.status !== 200) return;
    const h = JSON.parse(Buffer.from(res.body).toString()) as Record<string, string>;
    expect(h['user-agent']).toBe(`geointel/${VERSION} (+mailto:ops@example.test)`);
    expect(h['accept-encoding']).toBe('gzip, deflate, br');
    expect(h['if-none-match']).toBe('"x"');
    expect(h['if-modified-since']).toBe('Mon, 02 Nov 2026 10:00:00 GMT');
    expect(h.host).toBe(`127.0.0.2:${pub.port}`);
    expect(h.authorization).toBeUndefined();
  });

  it('reports content type, charset, final URL, redirects and timings', async () => {
    const res = await make().fetch(pub.url('/redirect?to=/ok#frag'));
    expect(res).toMatchObject({
      status: 200,
      httpStatus: 200,
      contentType: 'application/rss+xml',
      charset: 'utf-8',
      finalUrl: pub.url('/ok'),
      redirects: [pub.url('/redirect?to=/ok')],
    });
    expect(res.timings.totalMs).toBeGreaterThan(0);
    expect(res.timings.headersMs).toBeGreaterThanOrEqual(res.timings.connectMs);
  });

  it('permanentRedirect is set only when every hop was 301/308', async () => {
    const f = make();
    const perm = await f.fetch(pub.url('/redirect?status=301&to=/redirect%3Fstatus%3D308%26to%3D/ok'));
    expect(perm.permanentRedirect).toBe(pub.url('/ok'));
    const mixed = await f.fetch(pub.url('/redirect?status=301&to=/redirect%3Fstatus%3D302%26to%3D/ok'));
    expect(mixed.permanentRedirect).toBeUndefined();
    expect((await f.fetch(pub.url('/ok'))).permanentRedirect).toBeUndefined();
  });

  it('a stored validator with control characters is INPUT_INVALID, not a crash', async () => {
    expect((await error(make().fetch(pub.url('/etag'), { etag: '"a"\r\nX-Evil: 1' }))).code).toBe(
      'INPUT_INVALID',
    );
  });

  it('T-F12: an HTML page fetch goes through the same rules', async () => {
    const f = make();
    const page = await f.fetch(pub.url('/ok'), { accept: 'text/html' });
    expect(page.status).toBe(200);
    expect((await error(f.fetch(`http://127.0.0.1:${pub.port}/`, { accept: 'text/html' }))).code).toBe(
      'SSRF_BLOCKED',
    );
  });

  it('createFetcherFromConfig builds from AppConfig.fetch plus --allow-private', async () => {
    const cfg = AppSchema.parse({ fetch: { robots: false } }).fetch;
    expect((await error(createFetcherFromConfig(cfg).fetch(pub.url('/ok')))).code).toBe('SSRF_BLOCKED');
    const f = createFetcherFromConfig(cfg, { allowPrivate: '127.0.0.2/32' });
    expect((await f.fetch(pub.url('/ok'))).status).toBe(200);
    expect(() => createFetcherFromConfig(cfg, { allowPrivate: 'not-a-cidr' })).toThrow(
      /not an IP address or CIDR/,
    );
  });
});

describe('bench', () => {
  it('benchFetch reports 304 fetches per second through the real fetcher', async () => {
    const r = await benchFetch({ durationMs: 300, concurrency: 4 });
    expect(r).toMatchObject({ bench: 'fetch', errors: 0 });
    expect(r.fetchesPerSec).toBeGreaterThan(0);
  });
});
