/** Format coverage: the gaps rss-parser leaves, RDF, Atom, JSON Feed, GeoJSON, GeoRSS/GDACS, HTML listings. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isGeoError } from '../../src/errors.js';
import { parseDocument } from '../../src/pipeline/parse/index.js';

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const parse = (s: string, opts: Parameters<typeof parseDocument>[1] = {}) => parseDocument(utf8(s), opts);
const codes = (doc: { warnings: { code: string }[] }) => doc.warnings.map((w) => w.code);

async function errorCode(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
  } catch (err) {
    return isGeoError(err) ? err.code : 'NOT_GEOERROR';
  }
  return undefined;
}

describe('RSS gaps of rss-parser', () => {
  it('reads <rss> without version and without <channel>', async () => {
    const doc = await parse(
      '<rss><title>Bare</title><item><title>One</title><link>https://e.org/1</link></item></rss>',
    );
    expect(doc.format).toBe('rss');
    expect(doc.feed.title).toBe('Bare');
    expect(doc.items).toEqual([{ title: 'One', link: 'https://e.org/1' }]);
  });

  it('reads dc:date, dc:creator, content:encoded and resolves relative links against the feed link', async () => {
    const doc = await parse(
      '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">' +
        '<channel><link>https://agency.example/news/</link><item><title>Tsunami &amp; quake</title><link>a/1.html</link>' +
        '<dc:date>2024-03-01T10:00:00+08:00</dc:date><dc:creator>Jane Doe (USGS)</dc:creator>' +
        '<description>&lt;p onclick="x()"&gt;See &lt;a href="/map"&gt;map&lt;/a&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</description>' +
        '<content:encoded><![CDATA[<img src="i.png" onerror="x()"><a href="jav&#x09;ascript:alert(1)">x</a><iframe src="https://evil"></iframe>]]></content:encoded>' +
        '</item></channel></rss>',
    );
    expect(doc.items[0]).toMatchObject({
      title: 'Tsunami & quake',
      link: 'https://agency.example/news/a/1.html',
      published: '2024-03-01T02:00:00.000Z',
      author: 'Jane Doe (USGS)',
      summary: '<p>See <a href="https://agency.example/map">map</a></p>',
      content: '<img src="https://agency.example/news/i.png"><a>x</a>',
    });
  });

  it('splits nothing but trims categories; reads enclosures and GeoRSS points', async () => {
    const doc = await parse(
      '<rss version="2.0" xmlns:georss="http://www.georss.org/georss"><channel><item><title>T</title>' +
        '<category>Earth Sciences Environment </category><category>Earth Sciences Environment</category>' +
        '<enclosure url="https://e.org/a.mp3" type="audio/mpeg" length="123"/><georss:point>45.5 -73.6</georss:point></item></channel></rss>',
    );
    expect(doc.items[0]).toMatchObject({
      categories: ['Earth Sciences Environment'],
      enclosures: [{ url: 'https://e.org/a.mp3', type: 'audio/mpeg', length: 123 }],
      geo: { lat: 45.5, lon: -73.6 },
    });
  });

  it('drops entries with nothing usable and warns about each', async () => {
    const doc = await parse(
      '<rss><channel><item><category>x</category></item><item><description>only text</description></item></channel></rss>',
    );
    expect(doc.items).toEqual([{ summary: 'only text' }]);
    expect(codes(doc)).toEqual(['ITEM_DROPPED_EMPTY', 'ITEM_NO_TITLE_OR_LINK']);
  });

  it('never keeps a javascript: item link', async () => {
    const doc = await parse(
      '<rss><channel><item><title>x</title><link>javascript:alert(1)</link></item></channel></rss>',
    );
    expect(doc.items[0]?.link).toBeUndefined();
  });
});

describe('Atom', () => {
  it('one bad <published> keeps every other entry (rss-parser RangeError regression)', async () => {
    const doc = await parseDocument(readFileSync('tests/fixtures/parse/atom-one-bad-date.xml'));
    expect(doc.items.map((i) => [i.title, i.published ?? null])).toEqual([
      ['good one', '2024-01-02T03:04:05.000Z'],
      ['bad one', null],
      ['good two', '2003-06-10T12:00:00.000Z'],
    ]);
    expect(codes(doc).filter((c) => c === 'DATE_UNPARSEABLE')).toHaveLength(2);
  });

  it('reads categories, enclosures, xml:base, xhtml content and Atom 0.3', async () => {
    const doc = await parse(
      '<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://e.org/base/" xml:lang="fr"><title type="html">A &lt;b&gt;bold&lt;/b&gt; feed</title>' +
        '<entry xml:base="sub/"><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Example <b>Atom</b></div></title>' +
        '<link href="page.html"/><link rel="enclosure" href="v.mp4" type="video/mp4" length="42"/>' +
        '<category term="volcano"/><category label="Seismic" term="seismic"/><author><name>R&amp;D</name></author>' +
        '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hi <a href="/x">x</a></p></div></content>' +
        '<updated>2024-01-01T00:00:00Z</updated></entry></feed>',
    );
    expect(doc.feed).toMatchObject({ title: 'A bold feed', language: 'fr' });
    expect(doc.items[0]).toMatchObject({
      title: 'Example Atom',
      link: 'https://e.org/base/sub/page.html',
      enclosures: [{ url: 'https://e.org/base/sub/v.mp4', type: 'video/mp4', length: 42 }],
      categories: ['volcano', 'seismic'],
      author: 'R&D',
      content: '<p>Hi <a href="https://e.org/x">x</a></p>',
      updated: '2024-01-01T00:00:00.000Z',
    });
    const old = await parse(
      '<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Old</title><entry><title>E</title><link rel="alternate" href="https://e.org/e"/>' +
        '<issued>2004-01-01T00:00:00Z</issued><content type="text/html" mode="escaped">&lt;b&gt;x&lt;/b&gt;</content></entry></feed>',
    );
    expect(old.items[0]).toMatchObject({
      title: 'E',
      link: 'https://e.org/e',
      published: '2004-01-01T00:00:00.000Z',
      content: '<b>x</b>',
    });
  });
});

describe('RSS 1.0 / RDF', () => {
  it('reads items beside the channel, dc:date and prism:doi', async () => {
    const doc = await parse(
      '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/">' +
        '<channel rdf:about="https://www.nature.com/ngeo.rss"><title>Nature Geoscience</title><link>https://www.nature.com/ngeo</link></channel>' +
        '<item rdf:about="https://doi.org/10.1038/s41561-025-01234-5"><title>Mantle plumes</title><link>https://www.nature.com/articles/s41561-025-01234-5</link>' +
        '<dc:date>2025-12-05</dc:date><prism:doi>10.1038/s41561-025-01234-5</prism:doi></item></rdf:RDF>',
    );
    expect(doc.format).toBe('rdf');
    expect(doc.feed.title).toBe('Nature Geoscience');
    expect(doc.items[0]).toMatchObject({
      guid: 'https://doi.org/10.1038/s41561-025-01234-5',
      published: '2025-12-05T00:00:00.000Z',
      doi: '10.1038/s41561-025-01234-5',
    });
  });
});

describe('JSON Feed and GeoJSON', () => {
  it('reads JSON Feed 1.1 with sanitised content_html', async () => {
    const doc = await parseDocument(readFileSync('tests/fixtures/feedparser/json/example.json'));
    expect(doc.format).toBe('json');
    expect(doc.feed.title).toBe('My Example Feed');
    expect(doc.items).toHaveLength(2);
    expect(doc.items[0]).toMatchObject({
      guid: '2',
      enclosures: [{ url: 'https://example.org/second-item-show.mp4', type: 'video/mp4', length: 12000000 }],
      categories: ['test', 'JSON'],
    });
    expect(doc.items[1]?.content).toBe('<p>Hello, world!</p>');
    expect(doc.items[1]?.author).toBe('you');
  });

  it('reads a single GeoJSON Feature with the PAGER alert and aliases', async () => {
    const feature = {
      type: 'Feature',
      id: 'us7000abcd',
      properties: {
        mag: 7.1,
        alert: 'Orange',
        time: 0,
        ids: ',at00abc,us7000abcd,',
        title: 'M 7.1 - Test',
        type: 'earthquake',
      },
      geometry: { type: 'Point', coordinates: [142.1, 38.3, 24.5] },
    };
    const doc = await parse(JSON.stringify(feature));
    expect(doc.format).toBe('geojson');
    expect(doc.items[0]).toMatchObject({
      published: '1970-01-01T00:00:00.000Z',
      geo: {
        lat: 38.3,
        lon: 142.1,
        depthKm: 24.5,
        magnitude: 7.1,
        alertLevel: 'orange',
        eventType: 'earthquake',
      },
      eventIds: ['us7000abcd', 'at00abc'],
    });
  });
});

describe('HTML listings', () => {
  const cgs =
    '<html><head><meta charset="utf-8"><title>地调要闻</title></head><body><ul class="list">' +
    '<li><a href="./202310/t20231005_749350.html">中国地质调查局召开地质灾害防治会议</a><span>2023-10-05</span></li>' +
    '<li><a href="./202309/t20230928_749001.html">新疆发现大型锂矿</a><span>2023-09-28</span></li>' +
    '<li><a href="../about/">关于我们</a></li><li><a href="./202309/t20230928_749001.html">新疆发现大型锂矿</a></li></ul></body></html>';

  it('CGS/MNR link pattern with the date from the URL', async () => {
    const doc = await parse(cgs, {
      url: 'https://www.cgs.gov.cn/ywdt/ddyw/',
      kind: 'html',
      html: { linkPattern: '^\\./\\d{6}/t\\d{8}_\\d+\\.html$', dateFromUrl: 't(\\d{8})_' },
    });
    expect(doc.format).toBe('html');
    expect(doc.items).toEqual([
      {
        title: '中国地质调查局召开地质灾害防治会议',
        link: 'https://www.cgs.gov.cn/ywdt/ddyw/202310/t20231005_749350.html',
        published: '2023-10-05T00:00:00.000Z',
      },
      {
        title: '新疆发现大型锂矿',
        link: 'https://www.cgs.gov.cn/ywdt/ddyw/202309/t20230928_749001.html',
        published: '2023-09-28T00:00:00.000Z',
      },
    ]);
  });

  it('item selectors with a Chinese date span', async () => {
    const doc = await parse(cgs, {
      url: 'https://www.cgs.gov.cn/ywdt/ddyw/',
      html: { item: 'ul.list li', date: 'span' },
    });
    expect(doc.items[0]).toMatchObject({
      title: '中国地质调查局召开地质灾害防治会议',
      published: '2023-10-05T00:00:00.000Z',
    });
    expect(doc.items).toHaveLength(4 - 1); // the duplicate link is kept once
  });

  it('generic fallback finds article-like links; a page without any is NOT_A_FEED', async () => {
    const doc = await parse(cgs, { url: 'https://www.cgs.gov.cn/ywdt/ddyw/' });
    expect(doc.items.map((i) => i.published)).toEqual([
      '2023-10-05T00:00:00.000Z',
      '2023-09-28T00:00:00.000Z',
    ]);
    expect(await errorCode(() => parse('<html><body><a href="/about">About us</a></body></html>'))).toBe(
      'NOT_A_FEED',
    );
  });

  it('a bad rule regex is a PARSE_ERROR', async () => {
    expect(await errorCode(() => parse(cgs, { html: { linkPattern: '(' } }))).toBe('PARSE_ERROR');
  });
});

describe('not a feed', () => {
  it.each([
    ['empty', ''],
    ['plain text', 'hello world'],
    ['unknown XML root', '<?xml version="1.0"?><kml><Document/></kml>'],
    ['JSON that is no feed', '{"a":1}'],
    ['invalid JSON', '{"version": '],
  ])('%s', async (_n, s) => {
    expect(['NOT_A_FEED', 'PARSE_ERROR']).toContain(await errorCode(() => parse(s)));
  });

  it('names the problem in the message', async () => {
    try {
      await parse('<kml/>');
    } catch (err) {
      expect((err as Error).message).toContain('<kml>');
    }
  });
});
