/**
 * Every registry entry has a test (issue 9): its fixture goes through the real parse path with the entry's
 * kind and html rule (`parseDocument`, then `normalizeFor` with a wide intake window) and must give exactly
 * the expected items — titles, links and dates, in order.
 *
 * Where the expectations come from, never from the code under test:
 * - synthetic fixtures (`*.synthetic.*`, written by hand in the markup SOURCES.md documents): the `item:` lines
 *   of the comment at the top of the file, written with the page and before the rule that reads it;
 * - real captures (left byte for byte as copied, so they carry no header): read from the raw bytes here with
 *   regular expressions or JSON.parse, independently of the parser.
 * Every html rule also has a `*.redesign.synthetic.html` (class names renamed, the list wrapped differently,
 * article URLs moved): the rule must yield zero items there — never navigation or footer links.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'cheerio';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import {
  CompleteSourceSchema,
  defaultExpect,
  expectOf,
  type SourceEntry,
  SourcesFileSchema,
} from '../../src/config/sources-schema.js';
import { normalizeFor } from '../../src/pipeline/ingest.js';
import { parseDocument } from '../../src/pipeline/parse/index.js';
import { ROOT, runCli } from '../helpers/cli.js';

const FEEDS = join(ROOT, 'tests/fixtures/feeds');
const config = loadConfig({ dir: join(ROOT, 'config'), env: {} });
const rawRegistry = parseYaml(readFileSync(join(ROOT, 'config/sources.yaml'), 'utf8')) as {
  sources: Array<Record<string, unknown>>;
};
const bytes = (file: string) => readFileSync(join(FEEDS, file));
const text = (file: string) => bytes(file).toString('utf8');

/** One expected item: the date is ISO-8601 UTC, or null when the document gives none. */
interface Expected {
  title: string;
  url: string | null;
  date: string | null;
}

/** Synthetic fixtures are read "as of" this instant (every date in them is earlier). */
const SYNTHETIC_NOW = '2025-12-15T00:00:00Z';

// ---------------------------------------------------------------------------------------------------------
// Independent readers of the expectations.

/** The `item:` lines of a synthetic fixture's header comment, checked against its stated count. */
function headerItems(file: string): Expected[] {
  const body = text(file).replace(/^\uFEFF/, '');
  const m = /^(?:<\?xml[^>]*\?>\s*)?<!--([\s\S]*?)-->/.exec(body);
  if (!m) throw new Error(`${file}: no header comment at the top`);
  const header = m[1]!;
  if (!/^\s*SYNTHETIC FIXTURE: .*NOT a capture/m.test(header))
    throw new Error(`${file}: header does not say synthetic`);
  const count = /Expected items \((\d+)\)/.exec(header);
  if (!count) throw new Error(`${file}: header states no expected item count`);
  const items = [...header.matchAll(/^item: (\S+) \| (\S+) \| (.+)$/gm)].map(([, date, url, title]) => ({
    title: title!.trim(),
    url: url === '-' ? null : url!,
    date: date === '-' ? null : new Date(date!).toISOString(),
  }));
  if (items.length !== Number(count[1]))
    throw new Error(`${file}: ${items.length} item lines, header says ${count[1]}`);
  return items;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) =>
    e[0] === '#'
      ? String.fromCodePoint(
          e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)),
        )
      : (ENTITIES[e] ?? all),
  );
const oneLine = (s: string) => s.replace(/[\s\u00a0]+/g, ' ').trim();
const field = (block: string, tag: string) => {
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`).exec(block);
  return m ? m[1]!.replace(/^\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*$/, '$1') : null;
};

/** `<item>`s of an RSS capture: title, link (entities decoded, as a WHATWG URL) and pubDate. */
function rssItems(file: string): Expected[] {
  return [...text(file).matchAll(/<item[\s>][\s\S]*?<\/item>/g)].map(([block]) => {
    const link = field(block, 'link');
    const date = field(block, 'pubDate');
    return {
      title: oneLine(decode(field(block, 'title') ?? '')),
      url: link ? new URL(decode(link).trim()).href : null,
      date: date ? new Date(Date.parse(date)).toISOString() : null,
    };
  });
}

/** Features of a USGS GeoJSON summary: properties.title, .url and .time (ms). */
function geojsonItems(file: string): Expected[] {
  const doc = JSON.parse(text(file)) as {
    features: Array<{ properties: { title: string; url: string; time: number } }>;
  };
  return doc.features.map(({ properties: p }) => ({
    title: p.title,
    url: new URL(p.url).href,
    date: new Date(p.time).toISOString(),
  }));
}

/**
 * Entries of the journal digest (a JSON array of feedparser entries): title (publisher markup such as
 * `<i>`/`<sub>` and entities in it, so tags dropped and entities decoded), link, date. SOURCES.md notes the
 * capture's bad dates: `1970-01-01` is feedparser's stand-in for a missing date, so no date.
 */
function digestItems(file: string): Expected[] {
  return (JSON.parse(text(file)) as Array<{ title: string; link: string; date: string }>).map((e) => ({
    title: oneLine(decode(e.title.replace(/<[^>]*>/g, ''))),
    url: new URL(e.link).href,
    date: e.date.startsWith('1970-01-01') ? null : new Date(e.date).toISOString(),
  }));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The ScienceDaily home page's `#science_heroes` stories: headline link and `.story-date` ("Nov. 16, 2025"). */
function sciencedailyHeroes(file: string): Expected[] {
  const html = text(file);
  const heroes = html.slice(html.indexOf('id="science_heroes"'), html.indexOf('id="time"'));
  return [
    ...heroes.matchAll(
      /<div class="latest-head"><a href="([^"]+)">([^<]*)<\/a><\/div>\s*<div class="latest-summary">\s*<span class="story-date">(\w{3})\.? (\d{1,2}), (\d{4})/g,
    ),
  ].map(([, href, title, mon, day, year]) => ({
    title: oneLine(title!),
    url: new URL(href!, 'https://www.sciencedaily.com/').href,
    date: new Date(Date.UTC(Number(year), MONTHS.indexOf(mon!), Number(day))).toISOString(),
  }));
}

// ---------------------------------------------------------------------------------------------------------
// The table: one fixture per registry entry.

interface Case {
  /** Path under tests/fixtures/feeds. */
  file: string;
  /** When the document is read (the intake window is 100 years wide; dates after this + 48 h are dropped). */
  now: string;
  /** The expected items, from the fixture's header (synthetic) or an independent reader (real). */
  expected: () => Expected[];
  /**
   * Real captures with mojibake in their titles (ScienceDaily's home page, double-encoded by the crawler that
   * saved it): titles are compared on their ASCII characters only, the repair of the rest is the parser's.
   */
  asciiTitles?: boolean;
}

const synthetic = (file: string): Case => ({ file, now: SYNTHETIC_NOW, expected: () => headerItems(file) });

/** Real captures stay where SOURCES.md placed them (nrcan/ holds both Earthquakes Canada twins). */
const CASES: Record<string, Case> = {
  'usgs-news': synthetic('usgs-news/news-all.synthetic.rss'),
  'usgs-minerals': synthetic('usgs-minerals/news.synthetic.html'),
  'usgs-earthquakes': {
    file: 'usgs-earthquakes/significant_month-2023-10-11.geojson',
    now: '2023-10-11T20:16:31Z',
    expected: () => geojsonItems('usgs-earthquakes/significant_month-2023-10-11.geojson'),
  },
  bgs: synthetic('bgs/news-feed.synthetic.rss'),
  geus: synthetic('geus/nyheder.synthetic.html'),
  iea: synthetic('iea/news.synthetic.html'),
  'us-doe': synthetic('us-doe/articles.synthetic.rss'),
  nrel: synthetic('nrel/news.synthetic.rss'),
  'geoscience-australia': synthetic('geoscience-australia/news.synthetic.html'),
  brgm: synthetic('brgm/eau-souterraine.synthetic.rss'),
  sgb: synthetic('sgb/noticias.synthetic.html'),
  'nrcan-news': synthetic('nrcan-news/news-api.synthetic.feed'),
  'nrcan-earthquakes-en': {
    file: 'nrcan/earthquakes-canada-en-2018-10-01.xml',
    now: '2018-10-01T14:02:39Z',
    expected: () => rssItems('nrcan/earthquakes-canada-en-2018-10-01.xml'),
  },
  'nrcan-earthquakes-fr': {
    file: 'nrcan/earthquakes-canada-fr-2018-10-01.xml',
    now: '2018-10-01T14:02:53Z',
    expected: () => rssItems('nrcan/earthquakes-canada-fr-2018-10-01.xml'),
  },
  'geoscience-bc': synthetic('geoscience-bc/news.synthetic.html'),
  jogmec: synthetic('jogmec/news.synthetic.rss'),
  irena: synthetic('irena/news.synthetic.html'),
  eea: synthetic('eea/newsroom.synthetic.html'),
  uba: synthetic('uba/presse.synthetic.rss'),
  'global-ccs': synthetic('global-ccs/feed.synthetic.rss'),
  sciencedaily: {
    file: 'sciencedaily/all-2020-02-10T1703Z.xml',
    now: '2020-02-10T17:03:01Z',
    expected: () => rssItems('sciencedaily/all-2020-02-10T1703Z.xml'),
  },
  'sciencedaily-home': {
    file: 'sciencedaily/homepage-2025-11-16.html',
    now: '2025-11-17T00:00:00Z',
    expected: () => sciencedailyHeroes('sciencedaily/homepage-2025-11-16.html'),
    asciiTitles: true,
  },
  physorg: {
    file: 'physorg/earth-news-2025-12-13.xml',
    now: '2025-12-13T18:00:00Z',
    expected: () => rssItems('physorg/earth-news-2025-12-13.xml'),
  },
  eurekalert: synthetic('eurekalert/earth-science.synthetic.rss'),
  'nature-geoscience': synthetic('nature-geoscience/ngeo.synthetic.rdf'),
  'nature-communications': synthetic('nature-communications/ncomms.synthetic.rdf'),
  'pnas-earth': synthetic('pnas-earth/earth-sci.synthetic.rss'),
  eos: synthetic('eos/feed.synthetic.rss'),
  cgs: synthetic('cgs/ddyw.synthetic.html'),
  mnr: synthetic('mnr/ywbb.synthetic.html'),
  gdacs: {
    file: 'gdacs/rss-2019-12-30.xml',
    now: '2019-12-30T01:35:11Z',
    expected: () => rssItems('gdacs/rss-2019-12-30.xml'),
  },
  'usgs-volcanoes': synthetic('usgs-volcanoes/updates.synthetic.rss'),
  noaa: synthetic('noaa/rss.synthetic.rss'),
  eia: synthetic('eia/todayinenergy.synthetic.rss'),
  'geoscience-journals': {
    file: 'geoscience-journals/digest-seen-2025-12-05.json',
    now: '2025-12-05T23:59:59Z',
    expected: () => digestItems('geoscience-journals/digest-seen-2025-12-05.json'),
  },
};

/** The entry's document through the real parse path, as the fetch worker reads it. */
async function read(s: SourceEntry, file: string, now: string) {
  const doc = await parseDocument(bytes(file), {
    url: s.url,
    kind: s.kind,
    html: s.html,
    maxItems: config.app.ingest.maxItemsPerDocument,
  });
  const { items, warnings } = normalizeFor(doc, {
    source: s,
    fetchedAt: now,
    url: s.url,
    limits: { ...config.app.ingest, maxItemAgeDays: 36_500 },
  });
  return { doc, items, warnings };
}

const ascii = (t: string) => oneLine(t.replace(/[^\x20-\x7e]/g, ' '));

// ---------------------------------------------------------------------------------------------------------

describe('registry completeness (config/sources.yaml)', () => {
  it.each(rawRegistry.sources.map((e) => [String(e.id), e] as const))(
    '%s states nameZh, confidence, pollEvery, expect and fixture',
    (_id, entry) => {
      const r = CompleteSourceSchema.safeParse(entry);
      expect(r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([]);
    },
  );

  it('has one test case per entry, and no case without an entry', () => {
    expect(Object.keys(CASES).sort()).toEqual(config.sources.map((s) => s.id).sort());
  });

  it('`geointel sources list --json` shows each entry with its fixture kind and cadence', () => {
    const r = runCli(['sources', 'list', '--json']);
    expect(r.code).toBe(0);
    const listed = JSON.parse(r.stdout) as Array<{ id: string; fixture?: string; expect?: unknown }>;
    expect(listed.map((l) => [l.id, l.fixture, l.expect])).toEqual(
      config.sources.map((s) => [s.id, s.fixture, s.expect]),
    );
  });

  it('declares fixture kinds that match the files: synthetic ⇔ *.synthetic.* under tests/fixtures/feeds/<id>/', () => {
    for (const s of config.sources) {
      const c = CASES[s.id]!;
      if (s.fixture === 'synthetic')
        expect(c.file, s.id).toMatch(new RegExp(`^${s.id}/[^/]+\\.synthetic\\.[a-z]+$`));
      else expect(c.file, s.id).not.toMatch(/\.synthetic\./);
    }
  });
});

describe('schema of the new fields', () => {
  const entry = (extra: Record<string, unknown>) => ({
    sources: [{ id: 'x', name: 'X', url: 'https://example.org/feed', pollEvery: '6h', ...extra }],
  });
  const problems = (extra: Record<string, unknown>) => {
    const r = SourcesFileSchema.safeParse(entry(extra));
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('reads expect and fixture, and leaves them out of registries that do not state them', () => {
    expect(problems({ expect: { atLeast: 2, per: '7d' }, fixture: 'synthetic' })).toEqual([]);
    expect(problems({})).toEqual([]);
  });

  it.each([
    [{ expect: { atLeast: 1, per: '3h' } }, 'sources.0.expect.per'],
    [{ expect: { atLeast: 0, per: '7d' } }, 'sources.0.expect.atLeast'],
    [{ expect: { atLeast: 1, per: 'weekly' } }, 'sources.0.expect.per'],
    [{ expect: { atLeast: 1, per: '7d', every: '1d' } }, 'sources.0.expect'],
    [{ fixture: 'recorded' }, 'sources.0.fixture'],
  ])('refuses %j at %s', (extra, path) => {
    expect(problems(extra).join('\n')).toContain(`${path}:`);
  });

  it('defaults the cadence from the kind of source', () => {
    const base = { kind: 'rss' as const, publishes: 'agency' as const };
    expect(defaultExpect(base)).toEqual({ atLeast: 1, per: '14d' });
    expect(defaultExpect({ ...base, publishes: 'journal' })).toEqual({ atLeast: 1, per: '14d' });
    expect(defaultExpect({ ...base, publishes: 'events' })).toEqual({ atLeast: 1, per: '7d' });
    expect(defaultExpect({ ...base, publishes: 'relay' })).toEqual({ atLeast: 5, per: '7d' });
    expect(defaultExpect({ ...base, kind: 'html' })).toEqual({ atLeast: 1, per: '30d' });
    expect(expectOf({ ...base, expect: { atLeast: 3, per: '7d' } })).toEqual({ atLeast: 3, per: '7d' });
  });
});

describe('every registry entry parses its fixture into the expected items', () => {
  it.each(
    config.sources.map(
      (s) =>
        [
          `${s.id} (${s.fixture === 'real' ? 'real capture' : 'synthetic'}: ${CASES[s.id]?.file})`,
          s,
        ] as const,
    ),
  )('%s', async (_name, s) => {
    const c = CASES[s.id]!;
    const want = c.expected();
    expect(want.length, 'expected items (counted independently)').toBeGreaterThan(0);
    const { items } = await read(s, c.file, c.now);
    const got = items.map((i) => ({ title: i.title, url: i.url ?? null, date: i.publishedAt ?? null }));
    if (c.asciiTitles) {
      expect(got.map((g) => ({ ...g, title: ascii(g.title) }))).toEqual(
        want.map((w) => ({ ...w, title: ascii(w.title) })),
      );
    } else expect(got).toEqual(want);
  });
});

/** The redesign variant of each html rule's fixture. */
const redesignOf = (s: SourceEntry) => {
  const dir = join(FEEDS, s.id);
  const names = readdirSync(dir).filter((f) => f.endsWith('.redesign.synthetic.html'));
  expect(names, `${s.id}: one *.redesign.synthetic.html`).toHaveLength(1);
  return `${s.id}/${names[0]}`;
};

describe('a redesign yields zero items, never wrong ones', () => {
  it.each(config.sources.filter((s) => s.kind === 'html').map((s) => [s.id, s] as const))(
    '%s (synthetic redesign)',
    async (_id, s) => {
      const file = redesignOf(s);
      expect(headerItems(file)).toEqual([]);
      const { doc, items } = await read(s, file, SYNTHETIC_NOW);
      expect(items).toEqual([]);
      expect(doc.warnings.map((w) => w.code)).toContain('HTML_NO_ITEMS');
    },
  );
});

describe('synthetic fixtures look like what real documents carry', () => {
  const synthetics = config.sources.flatMap((s) =>
    existsSync(join(FEEDS, s.id))
      ? readdirSync(join(FEEDS, s.id)).flatMap((f) => (f.includes('.synthetic.') ? [`${s.id}/${f}`] : []))
      : [],
  );

  it.each(synthetics.filter((f) => f.endsWith('.html')))(
    '%s has navigation, a cookie banner, related links and a footer',
    (file) => {
      const $ = load(text(file));
      expect($('nav a[href]').length, 'navigation links').toBeGreaterThan(2);
      expect($('[class*="cookie"], [id*="cookie"]').length, 'cookie banner').toBeGreaterThan(0);
      expect(
        $('[class*="related"] a[href], [id*="related"] a[href]').length,
        'related links',
      ).toBeGreaterThan(0);
      expect($('footer a[href]').length, 'footer links').toBeGreaterThan(2);
    },
  );

  // src/bench/stages.ts parses every file of tests/fixtures/feeds/<dir>/ without options: none may throw.
  it.each(synthetics)('%s also reads without a registry rule', async (file) => {
    await expect(parseDocument(bytes(file))).resolves.toBeDefined();
  });
});
