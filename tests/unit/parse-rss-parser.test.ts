/**
 * rss-parser on the production path (src/pipeline/parse/rss-parser-read.ts): the mapping of its output to
 * ParsedItem, the rule table's gap fill by the sax reader, the fast path that skips the sax tree, and the
 * proof that both give the same document wherever the fast path is taken.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Parser from 'rss-parser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeBytes } from '../../src/pipeline/parse/charset.js';
import { finishItems, newContext } from '../../src/pipeline/parse/common.js';
import { formatOfRoot, sniffSyntax } from '../../src/pipeline/parse/detect.js';
import { parseDocument } from '../../src/pipeline/parse/index.js';
import {
  looksLikeRss2,
  readRssParserOnly,
  rssParserSuffices,
} from '../../src/pipeline/parse/rss-parser-fastpath.js';
import {
  mapRssParserFeed,
  mapRssParserItem,
  type RssParserFeed,
  readRssFamily,
  runRssParser,
} from '../../src/pipeline/parse/rss-parser-read.js';
import { parseXml } from '../../src/pipeline/parse/xml.js';

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const rss = (items: string, ns = '', channel = '<title>F</title><link>https://agency.example/</link>') =>
  `<?xml version="1.0"?><rss version="2.0"${ns}><channel>${channel}${items}</channel></rss>`;
/** A null-prototype node as xml2js builds them. */
const node = (o: Record<string, unknown>) => Object.assign(Object.create(null) as object, o);

afterEach(() => vi.restoreAllMocks());

describe('mapRssParserItem (rss-parser output → ParsedItem)', () => {
  const ctx = () => newContext('https://agency.example/feed.xml', 1000);

  it('maps plain fields through the stage cleaners and sanitiser, resolving against the base', () => {
    const c = ctx();
    const item = mapRssParserItem(
      {
        guid: 'urn:x:1',
        title: ' Tsunami &amp; quake ',
        link: 'a/1.html',
        pubDate: 'Mon, 10 Feb 2020 06:00:00 EST',
        creator: 'ignored: rss-parser merges author and dc:creator here',
        author: 'Jane Doe',
        content: '<p onclick="x()">See <a href="/map">map</a><script>1</script></p>',
        'content:encoded': '<a href="javascript:alert(1)">x</a>',
        isoDate: 'ignored',
      },
      c,
      'https://agency.example/news/',
      1,
    );
    expect(item).toMatchObject({
      guid: 'urn:x:1',
      title: 'Tsunami & quake',
      link: 'https://agency.example/news/a/1.html',
      published: '2020-02-10T11:00:00.000Z',
      author: 'Jane Doe',
      summary: '<p>See <a href="https://agency.example/map">map</a></p>',
      content: '<a>x</a>',
    });
    expect(c.warnings).toEqual([]);
  });

  it('absent is undefined, present-but-unusable is null (no second look, one warning)', () => {
    const c = ctx();
    const item = mapRssParserItem(
      { title: '   ', link: 'javascript:alert(1)', pubDate: 'not a date' },
      c,
      null,
      3,
    );
    expect(item.title).toBeNull();
    expect(item.link).toBeNull();
    expect(item.published).toBeNull();
    expect(item.guid).toBeUndefined();
    expect(item.updated).toBeUndefined();
    expect(item.summary).toBeUndefined();
    expect(c.warnings.map((w) => w.code)).toEqual(['DATE_UNPARSEABLE']);
    expect(c.warnings[0]?.message).toContain('entry 3');
  });

  it('guid permalinks: used as link unless isPermaLink="false"; rdf:about and dc:identifier as guid', () => {
    const perma = mapRssParserItem(
      { guid: 'https://e.org/p/1', 'raw:guid': [node({ _: 'https://e.org/p/1' })] },
      ctx(),
      null,
      1,
    );
    expect(perma.link).toBe('https://e.org/p/1');
    const not = mapRssParserItem(
      {
        guid: 'https://e.org/p/2',
        'raw:guid': [node({ _: 'https://e.org/p/2', $: node({ isPermaLink: 'false' }) })],
      },
      ctx(),
      null,
      1,
    );
    expect(not.link).toBeUndefined();
    expect(mapRssParserItem({ 'rdf:about': 'https://e.org/r' }, ctx(), null, 1).guid).toBe('https://e.org/r');
    expect(mapRssParserItem({ 'dc:identifier': 'doi:10.1029/2024GL1' }, ctx(), null, 1)).toMatchObject({
      guid: 'doi:10.1029/2024GL1',
      doi: '10.1029/2024GL1',
    });
  });

  it('categories (text of domain= ones, dc:subject, media:category) and every enclosure', () => {
    const item = mapRssParserItem(
      {
        categories: [
          'Volcanoes ',
          node({ _: 'Seismology', $: node({ domain: 'x' }) }),
          node({ $: node({}) }),
        ],
        'raw:dc:subject': ['Volcanoes', 'Geodesy'],
        'raw:enclosure': [
          node({ $: node({ url: 'a.mp3', type: 'audio/mpeg', length: '12' }) }),
          node({ $: node({ url: 'javascript:x' }) }),
          node({ $: node({ 'rdf:resource': 'https://e.org/b.png', length: '-1' }) }),
        ],
        'raw:media:content': [node({ $: node({ url: 'https://e.org/c.jpg', fileSize: '7' }) })],
      },
      ctx(),
      'https://e.org/',
      1,
    );
    expect(item.categories).toEqual(['Volcanoes', 'Seismology', 'Geodesy']);
    expect(item.enclosures).toEqual([
      { url: 'https://e.org/a.mp3', type: 'audio/mpeg', length: 12 },
      { url: 'https://e.org/b.png', type: null, length: null },
      { url: 'https://e.org/c.jpg', type: null, length: 7 },
    ]);
  });

  it('GeoRSS, W3C geo (in geo:Point) and GDACS custom fields become geo and event ids', () => {
    const gdacs = mapRssParserItem(
      {
        title: 'Green earthquake alert',
        'georss:point': '-44.5653 37.087',
        'gdacs:alertlevel': 'Green',
        'gdacs:eventtype': 'EQ',
        'gdacs:eventid': '1234567',
        'gdacs:severity': [node({ _: 'Magnitude 5.5M', $: node({ unit: 'M', value: '5.5' }) })],
      },
      ctx(),
      null,
      1,
    );
    expect(gdacs.geo).toEqual({
      lat: -44.5653,
      lon: 37.087,
      alertLevel: 'green',
      eventType: 'earthquake',
      magnitude: 5.5,
    });
    expect(gdacs.eventIds).toEqual(['gdacs:EQ:1234567']);
    const w3c = mapRssParserItem(
      { 'geo:Point': node({ 'geo:lat': ['45.5'], 'geo:long': ['-73.6'] }) },
      ctx(),
      null,
      1,
    );
    expect(w3c.geo).toEqual({ lat: 45.5, lon: -73.6 });
    expect(w3c.eventIds).toBeUndefined();
  });

  it('never stringifies a raw node: <toString>/<__proto__> children and odd values are not text', () => {
    const evil = node({ toString: ['x'], valueOf: ['y'], ...JSON.parse('{"__proto__": ["z"]}') });
    expect(() => String(evil)).toThrow(); // the hazard (docs/reliability.md P1)
    const item = mapRssParserItem(
      { title: evil, link: evil, author: 42, guid: [evil], content: evil, categories: [evil, 'ok'] },
      ctx(),
      null,
      1,
    );
    expect(item.title).toBeUndefined();
    expect(item.link).toBeUndefined();
    expect(item.author).toBeUndefined();
    expect(item.summary).toBeUndefined();
    expect(item.categories).toEqual(['ok']);
  });

  it('maps the channel: title, link, description, language (dc:language, _ → -), updated', () => {
    const feed = mapRssParserFeed(
      {
        title: 'Agency &amp; news',
        link: 'https://agency.example/',
        description: '<p>Latest</p>',
        'dc:language': 'en_CA',
        pubDate: '2020-02-10T11:03:00Z',
      },
      newContext(null, 10),
    );
    expect(feed).toEqual({
      title: 'Agency & news',
      link: 'https://agency.example/',
      description: 'Latest',
      language: 'en-CA',
      updated: '2020-02-10T11:03:00.000Z',
    });
  });
});

describe('rss-parser is on the production path', () => {
  it('parseDocument reads RSS 2.0 and RSS 1.0 through rss-parser parseString; Atom and refused DTDs never', async () => {
    const spy = vi.spyOn(Parser.prototype, 'parseString');
    await parseDocument(readFileSync('tests/fixtures/feeds/sciencedaily/all-2020-02-10T1103Z.xml'));
    expect(spy).toHaveBeenCalledTimes(1);
    expect(typeof spy.mock.calls[0]![0]).toBe('string'); // decoded text, never a URL
    await parseDocument(
      utf8(
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>R</title></channel><item rdf:about="https://e.org/1"><title>One</title></item></rdf:RDF>',
      ),
    );
    const before = spy.mock.calls.length;
    await parseDocument(readFileSync('tests/fixtures/feeds/usgs-earthquakes/all_hour-2018-12-07.atom'));
    await expect(
      parseDocument(readFileSync('tests/fixtures/parse/billion-laughs.xml')),
    ).rejects.toMatchObject({
      code: 'PARSE_ERROR',
    });
    expect(spy.mock.calls.length).toBe(before);
  });

  it('the document equals rss-parser’s mapped output on a recorded feed (fast path), gap fill on or off', async () => {
    for (const file of ['sciencedaily/all-2020-02-10T1103Z.xml', 'gdacs/rss-2019-12-30.xml']) {
      const bytes = readFileSync(`tests/fixtures/feeds/${file}`);
      const url = 'https://agency.example/feed';
      const text = decodeBytes(bytes).text;
      const rp = (await runRssParser(text))!;
      expect(rssParserSuffices(text, rp)).toBe(true);
      const only = newContext(url, 1000);
      const mapped = finishItems(readRssParserOnly(rp, only).items, only);
      const filled = newContext(url, 1000);
      const { root } = parseXml(text, { base: url });
      const merged = finishItems((await readRssFamily(text, root, 'rss', filled, { rp })).items, filled);
      const doc = await parseDocument(bytes, { url });
      expect(doc.items).toEqual(mapped);
      expect(merged).toEqual(mapped);
      expect(filled.warnings).toEqual(only.warnings);
    }
  });
});

describe('gap fill by the sax reader (rule table)', () => {
  it('markup inside <title>: rss-parser keeps " quake", the sax reader "bold quake"', async () => {
    const text = rss('<item><title><b>bold</b> quake</title><link>https://e.org/1</link></item>');
    const rp = (await runRssParser(text))!;
    const raw = (rp.items as Record<string, unknown>[])[0]!;
    expect(raw.title).toBe(' quake');
    expect(rssParserSuffices(text, rp)).toBe(false);
    expect((await parseDocument(utf8(text))).items[0]?.title).toBe('bold quake');
  });

  it('naked markup in <description> comes from the sax reader (xml2js loses mixed-content order)', async () => {
    const doc = await parseDocument(
      utf8(rss('<item><title>t</title><description>Hello <b>big</b> world</description></item>')),
    );
    expect(doc.items[0]?.summary).toBe('Hello <b>big</b> world');
  });

  it('xml:base on an item resolves its link and summary (rss-parser ignores xml:base)', async () => {
    const doc = await parseDocument(
      utf8(
        rss(
          '<item xml:base="https://mirror.example/sub/"><title>t</title><link>a.html</link><description>&lt;a href="b.html"&gt;b&lt;/a&gt;</description></item>',
        ),
      ),
      { url: 'https://agency.example/feed.xml' },
    );
    expect(doc.items[0]).toMatchObject({
      link: 'https://mirror.example/sub/a.html',
      summary: '<a href="https://mirror.example/sub/b.html">b</a>',
    });
  });

  it('dc:date under another prefix, <pubdate> in lower case, and itunes:author are read by the sax reader', async () => {
    const doc = await parseDocument(
      utf8(
        rss(
          '<item><title>a</title><d:date>2024-03-01T10:00:00Z</d:date><itunes:author>USGS</itunes:author></item>' +
            '<item><title>b</title><pubdate>Fri, 01 Mar 2024 10:00:00 GMT</pubdate></item>',
          ' xmlns:d="http://purl.org/dc/elements/1.1/" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"',
        ),
      ),
    );
    expect(doc.items.map((i) => [i.published, i.author])).toEqual([
      ['2024-03-01T10:00:00.000Z', 'USGS'],
      ['2024-03-01T10:00:00.000Z', undefined],
    ]);
  });

  it('whole document from the sax reader: <rss> without <channel>, items beside the channel, malformed XML', async () => {
    const bare = '<rss><title>Bare</title><item><title>One</title><link>https://e.org/1</link></item></rss>';
    expect(await runRssParser(bare)).toBeNull();
    expect((await parseDocument(utf8(bare))).items).toEqual([{ title: 'One', link: 'https://e.org/1' }]);

    const beside = `<rss version="2.0"><channel><title>F</title><item><title>in</title></item></channel><item><title>out</title></item></rss>`;
    expect(((await runRssParser(beside))!.items as unknown[]).length).toBe(1);
    expect((await parseDocument(utf8(beside))).items.map((i) => i.title)).toEqual(['in', 'out']);

    const broken = rss('<item><title>x</title><link>https://e.org/1</link></item><item><title>y</item>');
    expect(await runRssParser(broken)).toBeNull();
    const doc = await parseDocument(utf8(broken));
    expect(doc.items[0]?.title).toBe('x');
    expect(doc.warnings.map((w) => w.code)).toContain('XML_MALFORMED');
  });

  it('a feed without version is read as RSS 2.0 (defaultRSS: 2)', async () => {
    const text = '<rss><channel><title>F</title><item><title>One</title></item></channel></rss>';
    const rp = await runRssParser(text);
    expect(rp).not.toBeNull();
    expect((rp!.items as Record<string, unknown>[])[0]?.title).toBe('One');
  });

  it('pollution fixture through rss-parser: no throw, plain strings, no native-code text', async () => {
    const text = readFileSync('tests/fixtures/parse/pollution.xml', 'utf8');
    // Its undefined entities (&toString; …) make rss-parser refuse the file (the sax path reads it: parse-security).
    expect(await runRssParser(text)).toBeNull();
    // Without them rss-parser reads it, and what it hands over holds only plain strings.
    const rp = await runRssParser(text.replace(/&(toString|__proto__|constructor|hasOwnProperty);/g, ''));
    expect(rp).not.toBeNull();
    const read = readRssParserOnly(rp!, newContext(null, 10));
    const json = JSON.stringify(read);
    expect(json).not.toMatch(/native code|function/);
    expect(json).toContain('https://example.org/1');
    expect(json).toContain('https://example.org/2');
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).toString).toBe(Object.prototype.toString);
  });
});

describe('fast path ≡ gap fill over the corpora', () => {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });

  it('wherever rssParserSuffices, the sax gap fill changes nothing (feedparser corpus + recorded feeds)', async () => {
    let fast = 0;
    let recorded = 0;
    const diffs: string[] = [];
    for (const file of [...walk('tests/fixtures/feedparser'), ...walk('tests/fixtures/feeds')]) {
      const text = decodeBytes(readFileSync(file)).text;
      if (sniffSyntax(text) !== 'xml' || !looksLikeRss2(text)) continue;
      const rp: RssParserFeed | null = await runRssParser(text);
      if (!rp || !rssParserSuffices(text, rp)) continue;
      let root: ReturnType<typeof parseXml>['root'];
      try {
        root = parseXml(text, { base: 'http://127.0.0.1:8097/feed' }).root;
      } catch {
        diffs.push(`${file}: the sax reader refuses what the fast path accepted`);
        continue;
      }
      if (formatOfRoot(root.key) !== 'rss') diffs.push(`${file}: not RSS for the sax reader`);
      fast++;
      // Recorded captures only: the registry's synthetic fixtures (`*.synthetic.*`) are not recordings.
      if (file.includes('fixtures/feeds/') && !file.includes('.synthetic.')) recorded++;
      const a = newContext('http://127.0.0.1:8097/feed', 1000);
      const merged = await readRssFamily(text, root, 'rss', a, { rp });
      const b = newContext('http://127.0.0.1:8097/feed', 1000);
      const only = readRssParserOnly(rp, b);
      const norm = (r: typeof merged, ctx: typeof a) =>
        JSON.stringify({
          feed: Object.entries(r.feed).filter(([, v]) => v !== null && v !== undefined),
          items: finishItems(r.items, ctx),
          warnings: ctx.warnings,
        });
      if (norm(merged, a) !== norm(only, b)) diffs.push(file);
    }
    expect(diffs).toEqual([]);
    expect(recorded).toBe(9);
    expect(fast).toBeGreaterThan(500);
  });
});
