/**
 * Golden tests on real captures (tests/fixtures/feeds). Element counts are counted independently of the
 * parser (regex over the raw bytes, JSON.parse for GeoJSON); the expected titles, links and dates were read
 * from the raw files by hand (dates converted to UTC by hand: EST = UTC−5).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument } from '../../src/pipeline/parse/index.js';
import type { FeedFormat, ParsedItem } from '../../src/pipeline/types.js';

const DIR = 'tests/fixtures/feeds';
const raw = (f: string) => readFileSync(`${DIR}/${f}`);
const count = (re: RegExp) => (f: string) => (raw(f).toString('utf8').match(re) ?? []).length;
const rssItems = count(/<item[\s>]/g);
const atomEntries = count(/<entry[\s>]/g);
const features = (f: string) =>
  (JSON.parse(raw(f).toString('utf8')) as { features: unknown[] }).features.length;

interface Golden {
  file: string;
  format: FeedFormat;
  count: (f: string) => number;
  index: number;
  item: Partial<ParsedItem>;
  feedTitle?: string;
  url?: string;
}

const SCIENCEDAILY_RULE = {
  item: '#science_heroes .latest-head',
  link: 'a',
  title: 'a',
};

const GOLDEN: Golden[] = [
  {
    file: 'gdacs/rss-2019-12-30.xml',
    format: 'rss',
    count: rssItems,
    index: 0,
    feedTitle: 'GDACS RSS information',
    item: {
      title:
        'Green alert for tropical cyclone CALVINIA-19. Population affected by Category 1 (120 km/h) wind speeds or higher is 0.',
      link: 'http://www.gdacs.org/report.aspx?eventtype=TC&eventid=1000643',
      published: '2019-12-29T12:00:00.000Z',
      guid: 'TC1000643',
      geo: { lat: -19.4, lon: 59.8, alertLevel: 'green', eventType: 'cyclone' },
      eventIds: ['gdacs:TC:1000643'],
    },
  },
  {
    file: 'gdacs/rss_24h-2019-12-30.xml',
    format: 'rss',
    count: rssItems,
    index: 0,
    item: {
      title:
        'Drought is on going in Angola, Botswana, Lesotho, Mozambique, Namibia, South Africa, Zambia, Zimbabwe',
      link: 'http://www.gdacs.org/report.aspx?eventtype=DR&eventid=1012728',
      published: '2019-12-30T00:17:00.000Z',
    },
  },
  {
    file: 'nrcan/earthquakes-canada-en-2018-10-01.xml',
    format: 'rss',
    count: rssItems,
    index: 0,
    feedTitle: 'Recent significant earthquake reports ( Canada )',
    item: {
      title: 'Breaking News',
      link: 'http://www.earthquakescanada.nrcan.gc.ca/index-en.php',
      published: '2018-09-09T14:10:05.000Z',
      guid: 'http://www.earthquakescanada.nrcan.gc.ca/index-en.php',
    },
  },
  {
    file: 'nrcan/earthquakes-canada-fr-2018-10-01.xml',
    format: 'rss',
    count: rssItems,
    index: 0,
    feedTitle: 'Rapports sur les derniers séismes importants ( le Canada )',
    item: {
      title: 'Nouvelles Récentes',
      link: 'http://www.seismescanada.rncan.gc.ca/index-fr.php',
      published: '2018-09-09T14:11:03.000Z',
    },
  },
  {
    file: 'physorg/earth-news-2025-12-13.xml',
    format: 'rss',
    count: rssItems,
    index: 0,
    item: {
      title:
        'Feedback loops from oil fields accelerate Arctic warming and other atmospheric changes, study shows',
      link: 'https://phys.org/news/2025-12-feedback-loops-oil-fields-arctic.html',
      published: '2025-12-12T17:16:21.000Z', // Fri, 12 Dec 2025 12:16:21 EST
    },
  },
  {
    file: 'physorg/earth-news-2025-12-14.xml',
    format: 'rss',
    count: rssItems,
    index: 0,
    item: {
      title: 'Typhoons vacuum microplastics from ocean and deposit them on land, study finds',
      link: 'https://phys.org/news/2025-12-typhoons-vacuum-microplastics-ocean-deposit.html',
      published: '2025-12-14T17:00:06.000Z', // Sun, 14 Dec 2025 12:00:06 EST
    },
  },
  ...['all-2020-02-10T1103Z.xml', 'all-2020-02-10T1143Z.xml'].map(
    (f): Golden => ({
      file: `sciencedaily/${f}`,
      format: 'rss',
      count: rssItems,
      index: 0,
      feedTitle: 'Latest Science News -- ScienceDaily',
      item: {
        title: 'First-of-its-kind hydrogel platform enables on-demand production of medicines, chemicals',
        link: 'https://www.sciencedaily.com/releases/2020/02/200209155505.htm',
        published: '2020-02-09T20:55:05.000Z', // Sun, 09 Feb 2020 15:55:05 EST
        guid: 'https://www.sciencedaily.com/releases/2020/02/200209155505.htm',
      },
    }),
  ),
  {
    file: 'sciencedaily/all-2020-02-10T1703Z.xml',
    format: 'rss',
    count: rssItems,
    index: 0,
    item: {
      title: 'AI, brain scans may alter how doctors treat depression',
      link: 'https://www.sciencedaily.com/releases/2020/02/200210112238.htm',
      published: '2020-02-10T16:22:38.000Z', // Mon, 10 Feb 2020 11:22:38 EST
    },
  },
  {
    file: 'sciencedaily/homepage-2025-11-16.html',
    format: 'html',
    url: 'https://www.sciencedaily.com/',
    count: (f) => {
      const html = raw(f).toString('utf8');
      const heroes = html.slice(html.indexOf('id="science_heroes"'), html.indexOf('id="time"'));
      return (heroes.match(/class="latest-head"/g) ?? []).length;
    },
    index: 0,
    item: {
      title: 'Astronomers Unveil the Surprising Hidden Geometry of a Supernova',
      link: 'https://www.sciencedaily.com/releases/2025/11/251116231854.htm',
    },
  },
  {
    file: 'usgs-earthquakes/4.5_week-2018-06-12.geojson',
    format: 'geojson',
    count: features,
    index: 0,
    feedTitle: 'USGS Magnitude 4.5+ Earthquakes, Past Week',
    item: {
      guid: 'us1000envg',
      title: 'M 4.8 - 84km SSE of Qishn, Yemen',
      link: 'https://earthquake.usgs.gov/earthquakes/eventpage/us1000envg',
      published: '2018-06-12T04:22:39.870Z', // time 1528777359870
      geo: { lat: 14.7484, lon: 52.0471, depthKm: 10, magnitude: 4.8, eventType: 'earthquake' },
      eventIds: ['us1000envg'],
    },
  },
  {
    file: 'usgs-earthquakes/4.5_week-2018-06-12.geojson',
    format: 'geojson',
    count: features,
    index: 7,
    item: { guid: 'hv70262272', eventIds: ['hv70262272', 'pt18162050', 'us1000engj'] },
  },
  {
    file: 'usgs-earthquakes/significant_month-2023-10-11.geojson',
    format: 'geojson',
    count: features,
    index: 0,
    item: {
      guid: 'us6000len8',
      title: 'M 6.3 - western Afghanistan',
      link: 'https://earthquake.usgs.gov/earthquakes/eventpage/us6000len8',
      published: '2023-10-11T00:41:56.160Z', // time 1696984916160
      geo: {
        lat: 34.5565,
        lon: 62.0449,
        depthKm: 9,
        magnitude: 6.3,
        alertLevel: 'red',
        eventType: 'earthquake',
      },
    },
  },
  {
    file: 'usgs-earthquakes/all_hour-2018-12-07.atom',
    format: 'atom',
    count: atomEntries,
    index: 0,
    feedTitle: 'USGS All Earthquakes, Past Hour',
    item: {
      guid: 'urn:earthquake-usgs-gov:ci:38388032',
      title: 'M 1.2 - 10km NE of Aguanga, CA',
      link: 'https://earthquake.usgs.gov/earthquakes/eventpage/ci38388032',
      updated: '2018-12-07T06:00:28.027Z',
      geo: { lat: 33.5141678, lon: -116.8001633, depthKm: 4.48, magnitude: 1.2, eventType: 'earthquake' },
      eventIds: ['ci38388032'],
    },
  },
];

describe('golden captures', () => {
  it.each(GOLDEN.map((g) => [`${g.file}#${g.index}`, g] as const))('%s', async (_name, g) => {
    const doc = await parseDocument(raw(g.file), {
      url: g.url,
      html: g.format === 'html' ? SCIENCEDAILY_RULE : undefined,
    });
    expect(doc.format).toBe(g.format);
    expect(doc.encoding).toBe('utf-8');
    const expectedCount = g.count(g.file);
    expect(expectedCount).toBeGreaterThan(0);
    expect(doc.items).toHaveLength(expectedCount);
    expect(doc.items[g.index]).toMatchObject(g.item);
    if (g.feedTitle) expect(doc.feed.title).toBe(g.feedTitle);
    expect(doc.warnings.filter((w) => w.code === 'DATE_UNPARSEABLE')).toEqual([]);
    expect(JSON.stringify(doc)).not.toContain('\uFFFD');
  });

  it('the GDACS capture starts with a UTF-8 BOM and still parses', async () => {
    const bytes = raw('gdacs/rss-2019-12-30.xml');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect((await parseDocument(bytes)).feed.title).toBe('GDACS RSS information');
  });

  it('ScienceDaily homepage dates come from the .story-date span', async () => {
    const doc = await parseDocument(raw('sciencedaily/homepage-2025-11-16.html'), {
      url: 'https://www.sciencedaily.com/',
      html: {
        item: '#science_heroes .col-md-6',
        link: '.latest-head a',
        date: '.story-date',
        summary: '.latest-summary',
      },
    });
    expect(doc.items).toHaveLength(12);
    expect(doc.items[0]?.published).toBe('2025-11-16T00:00:00.000Z'); // "Nov. 16, 2025"
    expect(doc.items[0]?.summary).toContain('Astronomers have, for the first time');
  });

  // Derived data (feedparser entries saved as JSON by a digest tool), read as a JSON array of entries.
  it.each([
    ['digest-seen-2025-12-05.json', 671],
    ['digest-seen-2025-12-13.json', 1168],
  ])('the geoscience-journals capture %s reads as a list of %i entries', async (f, count) => {
    const bytes = raw(`geoscience-journals/${f}`);
    const entries = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown[];
    expect(entries).toHaveLength(count); // counted independently of the parser
    const doc = await parseDocument(bytes, { maxItems: 2000 });
    expect(doc.format).toBe('json');
    expect(doc.warnings.map((w) => w.code)).toContain('JSON_ITEM_LIST');
    expect(doc.items).toHaveLength(count);
    // Hand-checked from the files: an entry both captures hold.
    const item = doc.items.find((i) => i.guid === 'https://www.nature.com/articles/s41586-025-09771-9');
    expect(item).toMatchObject({
      title: 'Persuading voters using human–artificial intelligence dialogues',
      link: 'https://www.nature.com/articles/s41586-025-09771-9',
      published: '2025-12-04T00:00:00.000Z',
    });
    expect(item?.author).toContain('Hause Lin');
    expect(item?.summary).toContain('doi:10.1038/s41586-025-09771-9');
  });
});
