import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DigestRecord } from '../../src/pipeline/types.js';
import { fixture, runCli, runCliAsync } from '../helpers/cli.js';

const lines = (s: string) =>
  s
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

const guidsOf = (file: string) =>
  [...readFileSync(fixture(file), 'utf8').matchAll(/<guid[^>]*>([^<]+)<\/guid>/g)].map((m) => m[1]!.trim());

describe('geointel ingest on recorded feeds', () => {
  it('prints one geointel.record/1 per Phys.org item, with hand-checked values', () => {
    const r = runCli([
      'ingest',
      fixture('feeds/physorg/earth-news-2025-12-13.xml'),
      '--now',
      '2025-12-13T18:00:00Z',
    ]);
    expect(r.code).toBe(0);
    const records = lines(r.stdout) as DigestRecord[];
    expect(records).toHaveLength(guidsOf('feeds/physorg/earth-news-2025-12-13.xml').length);
    const first = records[0]!;
    expect(first).toMatchObject({
      schema: 'geointel.record/1',
      title:
        'Feedback loops from oil fields accelerate Arctic warming and other atmospheric changes, study shows',
      url: 'https://phys.org/news/2025-12-feedback-loops-oil-fields-arctic.html',
      publishedAt: '2025-12-12T17:16:21.000Z', // Fri, 12 Dec 2025 12:16:21 EST
      fetchedAt: '2025-12-13T18:00:00.000Z',
      language: 'en',
      source: { id: 'physorg', name: 'Phys.org' },
      citation: { zh: '（Phys.org，2025.12.12）', en: '(Phys.org, 2025-12-12)' },
    });
    expect(first.summary).toContain("nowhere is it changing faster than at Earth's poles");
    for (const rec of records) {
      expect(Object.keys(rec)).toEqual(
        expect.arrayContaining([
          'id',
          'storyId',
          'canonicalId',
          'topics',
          'tags',
          'duplicates',
          'relevant',
          'topic',
        ]),
      );
      expect(new Set(records.map((x) => x.id)).size).toBe(records.length);
    }
    const marmara = records.find((x) => x.title.startsWith('Earthquake rupture along Main Marmara Fault'))!;
    expect(marmara.topic).toBe('basic-geology');
    expect(marmara.tags.countries).toContain('TR');
  });

  it('joins the items two successive polls share into the same stories', () => {
    const a = 'feeds/physorg/earth-news-2025-12-13.xml';
    const b = 'feeds/physorg/earth-news-2025-12-14.xml';
    const r = runCli(['ingest', fixture(a), fixture(b), '--now', '2025-12-14T18:00:00Z']);
    expect(r.code).toBe(0);
    const records = lines(r.stdout) as DigestRecord[];
    const ga = guidsOf(a);
    const gb = guidsOf(b);
    expect(records).toHaveLength(ga.length + gb.length);
    const shared = ga.filter((g) => gb.includes(g));
    expect(shared).toHaveLength(28);
    const first = records.slice(0, ga.length);
    const second = records.slice(ga.length);
    for (const g of shared) {
      expect(second[gb.indexOf(g)]!.storyId).toBe(first[ga.indexOf(g)]!.storyId);
    }
    expect(new Set(first.map((x) => x.storyId)).size).toBe(ga.length);
  });

  it('reads USGS GeoJSON events with their magnitude, depth and place', () => {
    const file = 'feeds/usgs-earthquakes/significant_month-2023-10-11.geojson';
    const features = JSON.parse(readFileSync(fixture(file), 'utf8')).features;
    const r = runCli([
      'ingest',
      fixture(file),
      '--source',
      'usgs-earthquakes',
      '--now',
      '2023-10-11T20:16:31Z',
    ]);
    expect(r.code).toBe(0);
    const records = lines(r.stdout) as DigestRecord[];
    expect(records).toHaveLength(features.length);
    for (const rec of records) {
      expect(rec.geo?.magnitude).toEqual(expect.any(Number));
      expect(rec.source.id).toBe('usgs-earthquakes');
      expect(rec.citation.zh).toMatch(/^（美国地质调查局，2023\.\d{1,2}\.\d{1,2}）$/);
    }
  });

  it('reads a saved listing page with the registry rule of the source its canonical link names', () => {
    const file = fixture('feeds/sciencedaily/homepage-2025-11-16.html');
    const r = runCli(['ingest', file, '--now', '2025-11-16T18:00:00Z']);
    expect(r.code).toBe(0);
    const records = lines(r.stdout) as DigestRecord[];
    const heroes = (readFileSync(file, 'utf8').split('id="science_heroes"')[1] ?? '').split(
      'id="health_heroes"',
    )[0]!;
    expect(records).toHaveLength((heroes.match(/<div class="col-md-6"/g) ?? []).length);
    expect(records[0]).toMatchObject({
      source: { id: 'sciencedaily-home' },
      title: 'Astronomers Unveil the Surprising Hidden Geometry of a Supernova',
      url: 'https://www.sciencedaily.com/releases/2025/11/251116231854.htm',
      publishedAt: '2025-11-16T00:00:00.000Z',
    });
    for (const rec of records) expect(rec.url).toMatch(/^https:\/\/www\.sciencedaily\.com\/releases\//);
  });

  it('keeps going past a broken input and reports it on stderr with a code (exit 1)', () => {
    const r = runCli(
      [
        'ingest',
        fixture('feeds/nrcan/earthquakes-canada-en-2018-10-01.xml'),
        fixture('feeds/SOURCES.md'),
        fixture('feeds/nrcan/earthquakes-canada-fr-2018-10-01.xml'),
        '--now',
        '2018-10-01T15:00:00Z',
      ],
      { env: { GEOINTEL_INGEST_MAX_ITEM_AGE_DAYS: '3650' } },
    );
    expect(r.code).toBe(1);
    const records = lines(r.stdout) as DigestRecord[];
    const expected =
      (
        readFileSync(fixture('feeds/nrcan/earthquakes-canada-en-2018-10-01.xml'), 'utf8').match(/<item>/g) ??
        []
      ).length * 2;
    expect(records.length).toBe(expected);
    const errors = lines(r.stderr).filter((l) => l.level === 'error');
    expect(errors).toEqual([
      expect.objectContaining({ input: fixture('feeds/SOURCES.md'), code: 'NOT_A_FEED' }),
    ]);
  });

  it('prints each dropped or distrusted entry as one stderr JSON line with a code', () => {
    // All ScienceDaily items are from February 2020: with --now a year later they are past the intake age.
    const r = runCli([
      'ingest',
      fixture('feeds/sciencedaily/all-2020-02-10T1703Z.xml'),
      '--now',
      '2021-02-10T00:00:00Z',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const warnings = lines(r.stderr).filter((w) => w.code !== 'ITEMS_LEFT_OUT_OLD'); // the summary line
    expect(warnings.length).toBe(60);
    expect(new Set(warnings.map((w) => w.code))).toEqual(new Set(['ITEM_TOO_OLD']));
  });

  it.each([
    [['ingest'], /at least one FILE/],
    [['ingest', 'x.xml', '--source', 'no-such-source'], /no source "no-such-source"/],
    [['ingest', 'x.xml', '--now', 'yesterday'], /--now must be an ISO-8601 time/],
    [['ingest', 'x.xml', '--bogus'], /Unknown option '--bogus'/],
  ])('usage error %j exits 2', (args, message) => {
    const r = runCli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('geointel ingest URL (through the hardened fetcher)', () => {
  let server: Server;
  let base: string;
  let hits = 0;
  beforeAll(async () => {
    const body = readFileSync(fixture('feeds/physorg/earth-news-2025-12-14.xml'));
    server = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses a loopback URL by default (SSRF_BLOCKED) without touching the server', async () => {
    const r = await runCliAsync(['ingest', `${base}/earth-news/`, '--now', '2025-12-14T18:00:00Z']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([expect.objectContaining({ code: 'SSRF_BLOCKED' })]);
    expect(hits).toBe(0);
  });

  it('fetches it with --allow-private and matches the source by the feed link', async () => {
    const r = await runCliAsync([
      'ingest',
      `${base}/earth-news/`,
      '--allow-private',
      '--now',
      '2025-12-14T18:00:00Z',
    ]);
    expect(r.code).toBe(0);
    const records = lines(r.stdout) as DigestRecord[];
    expect(records).toHaveLength(30);
    expect(records[0]!.source.id).toBe('physorg');
    expect(hits).toBeGreaterThanOrEqual(1);
  });
});
