/**
 * Defects a newcomer hit (issue 9), one block each: the behaviour they expected is what these tests hold.
 */
import { readFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { isGeoError } from '../../src/errors.js';
import { checkUrl, createAddressPolicy } from '../../src/fetch/index.js';
import { normalizeDocument } from '../../src/pipeline/normalize/index.js';
import { isPlaceholderDate, parseDate } from '../../src/pipeline/parse/dates.js';
import { buildRecord, publisherName } from '../../src/pipeline/record.js';
import { deriveSource, isDerivedSource } from '../../src/pipeline/source-match.js';
import type { DigestRecord, ParseDocument } from '../../src/pipeline/types.js';
import { fixture, runCli } from '../helpers/cli.js';

const lines = (s: string) =>
  s
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

async function cli(args: string[], stdin = '') {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c) => out.push(String(c)));
  stderr.on('data', (c) => err.push(String(c)));
  const code = await main(args, { stdin: Readable.from([stdin]), stdout, stderr, env: {} });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const OLD_FEED = fixture('feeds/sciencedaily/all-2020-02-10T1703Z.xml');
const JOURNALS = fixture('feeds/geoscience-journals/digest-seen-2025-12-05.json');

describe('1. an old feed says why nothing came out', () => {
  it('prints one summary line on stderr and keeps the age window', () => {
    const r = runCli(['ingest', OLD_FEED, '--now', '2021-02-10T00:00:00Z']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const summary = lines(r.stderr).filter((l) => l.code === 'ITEMS_LEFT_OUT_OLD');
    expect(summary).toEqual([
      expect.objectContaining({
        level: 'warn',
        input: OLD_FEED,
        message:
          '60 of 60 items older than 30 days were left out; --max-age-days N or --now ISO to include them',
      }),
    ]);
  });

  it('--max-age-days widens the window for one run', () => {
    const r = runCli(['ingest', OLD_FEED, '--now', '2021-02-10T00:00:00Z', '--max-age-days', '400']);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toHaveLength(60);
    expect(
      lines(r.stderr).filter((l) => l.code === 'ITEMS_LEFT_OUT_OLD' || l.code === 'ITEM_TOO_OLD'),
    ).toEqual([]);
    expect(runCli(['ingest', OLD_FEED, '--max-age-days', 'x']).code).toBe(2);
    expect(runCli(['ingest', OLD_FEED, '--max-age-days', '0']).code).toBe(2);
  });
});

describe('2. an input no registry entry claims cites the publisher, never its path', () => {
  it('cites each journal item’s own publisher', () => {
    const r = runCli(['ingest', JOURNALS, '--now', '2025-12-05T23:59:59Z', '--max-age-days', '3650']);
    expect(r.code).toBe(0);
    const records = lines(r.stdout) as DigestRecord[];
    const entries = JSON.parse(readFileSync(JOURNALS, 'utf8')) as Array<{ link: string; source: string }>;
    expect(records).toHaveLength(entries.length);
    for (const rec of records) {
      for (const c of [rec.citation.zh, rec.citation.en, rec.source.name]) {
        expect(c).not.toMatch(/tests\/fixtures|digest-seen|\.json/);
      }
    }
    const byUrl = new Map(records.map((x) => [x.url, x]));
    const nature = byUrl.get('https://www.nature.com/articles/s41586-025-09771-9')!;
    expect(nature.source.name).toBe('Nature');
    expect(nature.citation).toEqual({ zh: '（Nature，2025.12.4）', en: '(Nature, 2025-12-04)' });
    const sciAdv = records.find((x) => x.source.name === 'Science Advances');
    expect(sciAdv).toBeDefined(); // from "AAAS: Science Advances: Table of Contents"
    expect(new Set(records.map((x) => x.source.name)).size).toBeGreaterThan(10);
  });

  it('names a made-up source after the feed title, else the host, never a path', () => {
    expect(deriveSource(undefined, 'tests/fixtures/feeds/x/digest-seen-2025-12-13.json').name).toBe(
      'unknown source',
    );
    expect(deriveSource('https://www.nature.com/nature.rss', './nature.rss').name).toBe('nature.com');
    expect(deriveSource('https://feeds.example.org/', 'AAAS: Science: Table of Contents').name).toBe(
      'AAAS: Science: Table of Contents',
    );
    expect(deriveSource(undefined, 'C:\\feeds\\a.xml').name).toBe('unknown source');
    expect(deriveSource('https://e.org/f', 'https://e.org/f').name).toBe('e.org');
    expect(isDerivedSource(deriveSource(undefined, 'x'))).toBe(true);
    expect(publisherName('Wiley: Geophysical Research Letters: Table of Contents')).toBe(
      'Geophysical Research Letters',
    );
    expect(publisherName('ScienceDirect Publication: Earth-Science Reviews')).toBe('Earth-Science Reviews');
    expect(publisherName('Annual Review of Earth and Planetary Sciences: Most Recent Articles')).toBe(
      'Annual Review of Earth and Planetary Sciences',
    );
  });

  it('keeps the registry name for a registry source even when items name a publisher', () => {
    const item = { id: 'i1', title: 't', publishedAt: null, publisher: 'Nature' };
    const rec = buildRecord({
      item,
      classification: {
        id: 'i1',
        language: 'en',
        relevant: false,
        topic: null,
        topics: [],
        tags: { commodities: [], countries: [] },
      },
      story: { id: 'i1', storyId: 's', duplicateOf: null, canonicalId: 'i1', similarity: 0 },
      source: { id: 'nature-geoscience', name: 'Nature Geoscience' },
      fetchedAt: '2025-12-13T00:00:00Z',
    });
    expect(rec.source.name).toBe('Nature Geoscience');
  });
});

describe('3. placeholder dates are no dates', () => {
  it('recognises the epoch and other placeholders, not real dates', () => {
    for (const d of [
      '1970-01-01',
      'Thu, 01 Jan 1970 00:00:00 GMT',
      '1970-01-01T08:00:00+08:00',
      '0001-01-01',
      '1900-01-01',
      '1899-12-30',
      '1601-01-01',
    ]) {
      expect([d, isPlaceholderDate(parseDate(d))]).toEqual([d, true]);
    }
    for (const d of ['1970-01-02', '1999-12-31', '2025-12-12', null, 'garbage']) {
      expect([d, isPlaceholderDate(d === null ? null : parseDate(d))]).toEqual([d, false]);
    }
  });

  it('the normaliser treats them as missing (fetch time), taking the entry’s other date when it has one', () => {
    const doc: ParseDocument = {
      format: 'json',
      encoding: 'utf-8',
      feed: {},
      warnings: [],
      items: [
        { title: 'A', link: 'https://e.org/a', published: '1970-01-01T00:00:00.000Z' },
        {
          title: 'B',
          link: 'https://e.org/b',
          published: '1970-01-01T00:00:00.000Z',
          updated: '2025-12-10T00:00:00.000Z',
        },
      ],
    };
    const r = normalizeDocument(doc, {
      sourceId: 's',
      fetchedAt: '2025-12-13T00:00:00Z',
      maxItemAgeDays: 30,
      futureToleranceHours: 48,
      summaryMaxChars: 600,
    });
    expect(r.items.map((i) => i.publishedAt)).toEqual([null, '2025-12-10T00:00:00.000Z']);
    expect(r.warnings.map((w) => w.code)).toEqual(['DATE_PLACEHOLDER']);
  });

  it('no record of the journal capture is dated 1970, and none is dropped as too old for it', () => {
    const r = runCli(['ingest', JOURNALS, '--now', '2025-12-05T23:59:59Z']);
    const records = lines(r.stdout) as DigestRecord[];
    expect(records.filter((x) => x.publishedAt?.startsWith('1970'))).toEqual([]);
    const warnings = lines(r.stderr);
    const placeholders = warnings.filter((w) => w.code === 'DATE_PLACEHOLDER').length;
    expect(placeholders).toBe(497);
    expect(records.filter((x) => x.publishedAt === null)).toHaveLength(placeholders);
  });
});

describe('4. parse applies the registry rule of a known host, like ingest', () => {
  it('reads the ScienceDaily homepage with the sciencedaily-home rule', async () => {
    const file = fixture('feeds/sciencedaily/homepage-2025-11-16.html');
    const r = await cli(['parse', file]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as ParseDocument;
    const ingest = lines(runCli(['ingest', file, '--now', '2025-11-16T18:00:00Z']).stdout) as DigestRecord[];
    expect(doc.items.map((i) => i.link)).toEqual(ingest.map((x) => x.url));
    expect(doc.items[0]).toMatchObject({
      title: 'Astronomers Unveil the Surprising Hidden Geometry of a Supernova',
      published: '2025-11-16T00:00:00.000Z',
    });
    for (const i of doc.items) {
      expect(i.published ?? '').not.toMatch(/^25\d\d-/); // story ids such as 251112111023 are not dates
      expect(i.link).toMatch(/^https:\/\/www\.sciencedaily\.com\/releases\//);
    }
    expect(lines(r.stderr)).toContainEqual(
      expect.objectContaining({ code: 'SOURCE_RULE', source: 'sciencedaily-home' }),
    );
  });

  it('--kind still overrides, and --source names the entry', async () => {
    const feed = fixture('feeds/physorg/earth-news-2025-12-13.xml');
    expect(JSON.parse((await cli(['parse', feed, '--source', 'physorg'])).stdout).items).toHaveLength(30);
    expect((await cli(['parse', feed, '--source', 'no-such'])).code).toBe(2);
  });
});

describe('5. parse --batch fails like the other commands', () => {
  it('exits 1 when a path failed and 0 when none did', async () => {
    const ok = fixture('feeds/physorg/earth-news-2025-12-13.xml');
    expect((await cli(['parse', '--batch'], `${ok}\n${fixture('parse/missing.xml')}\n`)).code).toBe(1);
    expect((await cli(['parse', '--batch'], `${ok}\n`)).code).toBe(0);
  });
});

describe('6. a refused port has its own code', () => {
  it('checkUrl says PORT_REFUSED, not UNSUPPORTED_SCHEME', () => {
    const policy = createAddressPolicy({ allowPrivate: ['127.0.0.0/8'] });
    try {
      checkUrl('http://127.0.0.1:1/x', policy);
      expect.unreachable();
    } catch (err) {
      expect(isGeoError(err) && err.code).toBe('PORT_REFUSED');
      expect(isGeoError(err) && err.retry).toBe('permanent');
      expect((err as Error).message).toMatch(/port 1 is refused/);
    }
  });

  it('ingest http://127.0.0.1:1/x --allow-private reports PORT_REFUSED', () => {
    const r = runCli(['ingest', 'http://127.0.0.1:1/x', '--allow-private']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      expect.objectContaining({ level: 'error', code: 'PORT_REFUSED', input: 'http://127.0.0.1:1/x' }),
    ]);
  });
});
