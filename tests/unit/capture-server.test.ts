// The capture server: recorded feeds served byte for byte, conditional requests through the real hardened
// fetcher, advancing captures, counters, content types, and the demo's source entries.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { type CaptureServer, demoSources, startCaptureServer } from '../../src/demo/capture-server.js';
import { createFetcherFromConfig, type FetchOk, type FetchResult } from '../../src/fetch/index.js';

const ROOT = join(import.meta.dirname, '../..');
const FEEDS = join(ROOT, 'tests/fixtures/feeds');
const config = loadConfig({ dir: join(ROOT, 'config'), env: {} });
const fetcher = createFetcherFromConfig(config.app.fetch, { allowPrivate: ['127.0.0.1/32'] });
let srv: CaptureServer;

const file = (rel: string) => readFileSync(join(FEEDS, rel));
const ok = (r: FetchResult): FetchOk => {
  if (r.status !== 200) throw new Error(`expected 200, got ${r.status}`);
  return r;
};
const feed = (path: string) => srv.feeds.find((f) => f.path === path)!;

beforeAll(async () => {
  srv = await startCaptureServer({ root: FEEDS });
});
afterAll(() => srv.close());

describe('capture server', () => {
  it('has one path per feed family, captures oldest first, and registry ids that exist', () => {
    expect(srv.feeds.map((f) => [f.path, f.captures.length])).toEqual([
      ['/gdacs/rss.xml', 1],
      ['/gdacs/rss_24h.xml', 1],
      ['/geoscience-journals/digest-seen.json', 2],
      ['/nrcan/earthquakes-canada-en.xml', 1],
      ['/nrcan/earthquakes-canada-fr.xml', 1],
      ['/physorg/earth-news.xml', 2],
      ['/sciencedaily/all.xml', 3],
      ['/sciencedaily/homepage.html', 1],
      ['/usgs-earthquakes/4.5_week.geojson', 1],
      ['/usgs-earthquakes/all_hour.atom', 1],
      ['/usgs-earthquakes/significant_month.geojson', 1],
    ]);
    expect(feed('/sciencedaily/all.xml').captures).toEqual([
      'sciencedaily/all-2020-02-10T1103Z.xml',
      'sciencedaily/all-2020-02-10T1143Z.xml',
      'sciencedaily/all-2020-02-10T1703Z.xml',
    ]);
    const ids = new Set(config.sources.map((s) => s.id));
    for (const f of srv.feeds) if (f.sourceId) expect(ids, f.path).toContain(f.sourceId);
    expect(srv.feeds.filter((f) => !f.sourceId).map((f) => f.path)).toEqual([
      '/gdacs/rss_24h.xml',
      '/usgs-earthquakes/4.5_week.geojson',
      '/usgs-earthquakes/all_hour.atom',
    ]);
  });

  it('serves each current capture byte for byte with its content type; robots.txt is 404', async () => {
    const types: Record<string, string> = {};
    for (const f of srv.feeds) {
      const res = ok(await fetcher.fetch(srv.url(f.path)));
      expect(Buffer.from(res.body).equals(file(f.captures[f.current]!)), f.path).toBe(true);
      expect(res.charset).toBe('utf-8');
      types[f.path.replace(/^.*\./, '')] = res.contentType;
    }
    expect(types).toEqual({
      xml: 'application/rss+xml',
      json: 'application/json',
      geojson: 'application/geo+json',
      atom: 'application/atom+xml',
      html: 'text/html',
    });
    // The fetcher asked robots.txt once for the host (robots: true in config/geointel.yaml); 404 = allowed.
    expect(config.app.fetch.robots).toBe(true);
    expect(srv.hits('/robots.txt')).toBe(1);
    expect((await fetch(srv.url('/robots.txt'))).status).toBe(404);
  });

  it('ETag and Last-Modified round trip: 304, counted, until the capture advances', async () => {
    const path = '/physorg/earth-news.xml';
    const [h0, n0] = [srv.hits(path), srv.notModified(path)];
    const first = ok(await fetcher.fetch(srv.url(path)));
    expect(first.etag).toMatch(/^"[\w-]{22}"$/);
    expect(first.lastModified).toBe('Sat, 13 Dec 2025 00:00:00 GMT'); // from the file name
    expect((await fetcher.fetch(srv.url(path), { etag: first.etag })).status).toBe(304);
    expect((await fetcher.fetch(srv.url(path), { lastModified: first.lastModified })).status).toBe(304);
    expect(srv.hits(path) - h0).toBe(3);
    expect(srv.notModified(path) - n0).toBe(2);

    expect(srv.advance(path)).toBe(true);
    expect(feed(path).current).toBe(1);
    const next = ok(
      await fetcher.fetch(srv.url(path), { etag: first.etag, lastModified: first.lastModified }),
    );
    expect(Buffer.from(next.body).equals(file('physorg/earth-news-2025-12-14.xml'))).toBe(true);
    expect(next.etag).not.toBe(first.etag);
    expect(next.lastModified).toBe('Sun, 14 Dec 2025 00:00:00 GMT');
    expect(srv.advance(path)).toBe(false); // the last capture stays
    expect(srv.notModified(path) - n0).toBe(2);
  });

  it('a minute-stamped capture carries that minute; advance() with no path moves every family', async () => {
    const path = '/sciencedaily/all.xml';
    expect(ok(await fetcher.fetch(srv.url(path))).lastModified).toBe('Mon, 10 Feb 2020 11:03:00 GMT');
    expect(srv.advance()).toBe(true);
    expect(feed(path).current).toBe(1);
    expect(feed('/geoscience-journals/digest-seen.json').current).toBe(1);
    expect(srv.advance()).toBe(true); // sciencedaily has a third
    expect(srv.advance()).toBe(false);
    expect(ok(await fetcher.fetch(srv.url(path))).lastModified).toBe('Mon, 10 Feb 2020 17:03:00 GMT');
  });

  it('rotateEveryMs advances the families one at a time until all are at their last capture', async () => {
    const demo = await startCaptureServer({ root: FEEDS, rotateEveryMs: 10 });
    try {
      const atLast = () => demo.feeds.every((f) => f.current === f.captures.length - 1);
      expect(atLast()).toBe(false);
      await vi.waitFor(() => expect(atLast()).toBe(true), { timeout: 5000, interval: 10 });
    } finally {
      await demo.close();
    }
  });

  it('demoSources: the registry entries pointed at the server, enabled, polled often', () => {
    const list = demoSources(srv, config.sources);
    expect(list.map((s) => s.id).sort()).toEqual([
      'gdacs',
      'gdacs-24h',
      'geoscience-journals',
      'nrcan-earthquakes-en',
      'nrcan-earthquakes-fr',
      'physorg',
      'sciencedaily',
      'sciencedaily-home',
      'usgs-earthquakes',
      'usgs-earthquakes-hour',
      'usgs-earthquakes-week',
    ]);
    // Feeds no entry polls are extra sources modelled on their publisher's entry, under their own ids.
    const week = list.find((s) => s.id === 'usgs-earthquakes-week')!;
    expect(week).toMatchObject({ kind: 'auto', publishes: 'events', nameZh: '美国地质调查局' });
    for (const s of list) {
      expect(s.url.startsWith(srv.origin)).toBe(true);
      expect(s).toMatchObject({ enabled: true, pollEvery: '30s' });
    }
    const home = list.find((s) => s.id === 'sciencedaily-home')!;
    expect(home.html).toEqual(config.sources.find((s) => s.id === 'sciencedaily-home')!.html);
    expect(home.url).toBe(srv.url('/sciencedaily/homepage.html'));
    expect(demoSources(srv, config.sources, '5s').every((s) => s.pollEvery === '5s')).toBe(true);
  });
});
