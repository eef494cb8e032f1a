/**
 * `GET /v1/records` filters and `GET /v1/counts` on real Redis (own key prefix), records stored through the
 * real record store: each filter alone and combined, paged with a small limit through the cursor (none twice,
 * none missing, in order), the map box across the antimeridian, full text in English and Chinese, the retention
 * window, and the counts of the last 24 hours against 7 days. The expected answers come from the generated
 * records themselves (plain string and number checks on their fields), not from the code under test.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiInstance, buildApi } from '../../src/api/app.js';
import { createLogger } from '../../src/log.js';
import type { DigestRecord } from '../../src/pipeline/types.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { createRedisRecordStore } from '../../src/store/redis-records.js';
import type { TokenRole, TokenStore } from '../../src/store/tokens.js';
import { apiAccess, baseConfig, cleanup, startRuntime, withPrefix } from '../helpers/runtime.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// The current hour, not a fixed date: count buckets expire at absolute times on Redis's own clock
// (PEXPIREAT), so an injected clock far from the real one would see last week's buckets already gone.
const NOW = Math.floor(Date.now() / 3_600_000) * 3_600_000;
const log = createLogger({ level: process.env.TEST_LOG ?? 'silent' });

let clock = NOW;
let runtime: Runtime;
let redis: Redis;
let tokens: TokenStore;
let app: ApiInstance;
const token: Record<TokenRole, string> = { viewer: '', editor: '', admin: '' };

const TOPICS = ['basic-geology', 'energy-minerals', 'hydrogeology', 'marine', 'carbon-neutrality'];
const SOURCES = ['usgs-news', 'bgs', 'geus'];
/** Map points: two either side of the antimeridian near Fiji, one exactly on it, Germany, Chile. */
const POINTS = [
  { lat: -17.7, lon: 178.4 },
  { lat: -17.5, lon: -178.9 },
  { lat: -16.0, lon: 180 },
  { lat: 50.1, lon: 10.2 },
  { lat: -30.0, lon: -70.5 },
];

/** Story number i: its text, tags, point, language and time follow from i (the oracle reads the fields). */
function story(i: number): DigestRecord {
  const id = `s${String(i).padStart(3, '0')}`;
  const zh = i % 4 === 0;
  const commodities = [...(i % 3 === 0 ? ['lithium'] : []), ...(i % 5 === 0 ? ['rare-earths'] : [])];
  const countries = [...(i % 4 === 1 ? ['CN'] : []), ...(i % 6 === 2 ? ['AU'] : [])];
  const title = zh
    ? i % 8 === 0
      ? `稀土矿床勘查取得新进展 ${i}`
      : `锂矿资源调查报告 ${i}`
    : [
        i % 3 === 0 ? 'Lithium brine' : 'Groundwater',
        i % 4 === 1 ? (i % 8 === 1 ? 'Earthquakes' : 'earthquake') : 'survey',
        i % 6 === 2 ? 'in Australia' : '',
        `report ${i}`,
      ]
        .filter(Boolean)
        .join(' ');
  const relevant = i % 7 !== 6;
  // Five stories share one instant (ties page by id); the others are three hours apart.
  const t = i >= 10 && i < 15 ? NOW - 30 * HOUR : NOW - i * 3 * HOUR;
  return {
    schema: 'geointel.record/1',
    id,
    storyId: id,
    canonicalId: id,
    title,
    summary: zh ? '中国地质调查局发布。' : `Summary of story ${i}.`,
    url: `https://example.org/${id}`,
    source: { id: SOURCES[i % 3]!, name: SOURCES[i % 3]! },
    publishedAt: new Date(t).toISOString(),
    fetchedAt: new Date(NOW).toISOString(),
    language: zh ? 'zh' : 'en',
    relevant,
    topic: relevant ? TOPICS[i % 5]! : null,
    topics: relevant
      ? [
          { id: TOPICS[i % 5]!, score: 0.8, evidence: [] },
          ...(i % 2 === 0 ? [{ id: TOPICS[(i + 1) % 5]!, score: 0.4, evidence: [] }] : []),
        ]
      : [],
    tags: { commodities, countries },
    ...(i % 5 === 1 ? { geo: POINTS[Math.floor(i / 5) % POINTS.length]! } : {}),
    duplicates: [],
    citation: { zh: '（源）', en: '(Source)' },
  };
}

const N = 56;
const stories = Array.from({ length: N }, (_, i) => story(i));
const time = (r: DigestRecord) => Date.parse(r.publishedAt ?? r.fetchedAt);
/** The API's order: digest time descending, then story id descending. */
const ordered = (rs: DigestRecord[]) =>
  [...rs].sort((a, b) => time(b) - time(a) || (a.storyId < b.storyId ? 1 : -1)).map((r) => r.storyId);

beforeAll(async () => {
  runtime = await startRuntime(withPrefix(baseConfig()), { roles: [], now: () => clock });
  ({ redis, tokens } = await apiAccess(runtime, 'filters', token));
  const outcomes = await runtime.stores.records.put(stories);
  expect(outcomes.filter((o) => o === 'emitted')).toHaveLength(stories.filter((r) => r.relevant).length);
  // A later item of a story (a duplicate) changes no list and no count.
  expect(
    await runtime.stores.records.put([{ ...stories[3]!, id: 'dup-3', source: { id: 'geus', name: 'GEUS' } }]),
  ).toEqual(['duplicate']);
  app = await buildApi({ runtime, log, tokens, redis, now: () => clock });
});

afterAll(async () => {
  await app?.close();
  await cleanup(runtime);
  redis?.disconnect();
  await runtime?.close();
});

async function get(url: string, role: TokenRole | null = 'viewer') {
  const res = await app.inject({ url, headers: role ? { authorization: `Bearer ${token[role]}` } : {} });
  return { status: res.statusCode, body: res.json() };
}

/** Every page of a query with `limit`, following `next` to the end: the story ids in order, and the page count. */
async function pageAll(
  query: string,
  limit = 3,
  from: string | null = null,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = from;
  let pages = 0;
  do {
    const { status, body } = await get(
      `/v1/records?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(status, `${query}: ${JSON.stringify(body).slice(0, 200)}`).toBe(200);
    expect(body.items.length).toBeLessThanOrEqual(limit);
    ids.push(...body.items.map((r: DigestRecord) => r.storyId));
    cursor = body.next;
    pages++;
  } while (cursor && pages < 200);
  expect(cursor, query).toBeNull();
  return { ids, pages };
}

const has = (r: DigestRecord, word: RegExp) => word.test(`${r.title}\n${r.summary}`);
const inFiji = (r: DigestRecord) =>
  r.geo !== undefined && r.geo.lat >= -20 && r.geo.lat <= -15 && (r.geo.lon >= 175 || r.geo.lon <= -175);

describe('GET /v1/records filters, alone and combined, paged (none twice, none missing)', () => {
  const cases: Array<[string, (r: DigestRecord) => boolean]> = [
    ['commodity=lithium', (r) => r.tags.commodities.includes('lithium')],
    ['commodity=rare-earths', (r) => r.tags.commodities.includes('rare-earths')],
    ['country=CN', (r) => r.tags.countries.includes('CN')],
    ['country=au', (r) => r.tags.countries.includes('AU')],
    ['bbox=175,-20,-175,-15', inFiji],
    [
      'bbox=0,40,20,60',
      (r) => r.geo !== undefined && r.geo.lat >= 40 && r.geo.lat <= 60 && r.geo.lon >= 0 && r.geo.lon <= 20,
    ],
    ['bbox=-180,-90,180,90', (r) => r.geo !== undefined],
    ['q=lithium', (r) => has(r, /\blithium\b/i)],
    ['q=earthquake', (r) => has(r, /\bearthquakes?\b/i)],
    ['q=Earthquakes%20report', (r) => has(r, /\bearthquakes?\b/i) && has(r, /\breport\b/i)],
    [
      'q=lithium%20brine%20report',
      (r) => has(r, /\blithium\b/i) && has(r, /\bbrine\b/i) && has(r, /\breport\b/i),
    ],
    [`q=${encodeURIComponent('稀土')}`, (r) => has(r, /稀土/)],
    [`q=${encodeURIComponent('锂矿资源')}`, (r) => has(r, /锂矿资源/)],
    [`q=${encodeURIComponent('地质调查')}`, (r) => has(r, /地质调查/)],
    [
      'commodity=lithium&country=CN',
      (r) => r.tags.commodities.includes('lithium') && r.tags.countries.includes('CN'),
    ],
    ['commodity=lithium&language=zh', (r) => r.tags.commodities.includes('lithium') && r.language === 'zh'],
    [
      'q=lithium&topic=energy-minerals',
      (r) => has(r, /\blithium\b/i) && r.relevant && r.topics.some((t) => t.id === 'energy-minerals'),
    ],
    ['q=earthquake&source=bgs', (r) => has(r, /\bearthquakes?\b/i) && r.source.id === 'bgs'],
    ['country=CN&bbox=-180,-90,180,90', (r) => r.tags.countries.includes('CN') && r.geo !== undefined],
    [
      `q=${encodeURIComponent('锂矿')}&commodity=lithium&from=2026-11-30&to=2026-12-04T06:00:00Z`,
      (r) =>
        has(r, /锂矿/) &&
        r.tags.commodities.includes('lithium') &&
        time(r) >= Date.parse('2026-11-30T00:00:00Z') &&
        time(r) < Date.parse('2026-12-04T06:00:00Z'),
    ],
    ['q=nothingmatchesthis', () => false],
  ];

  it.each(cases)('%s', async (query, keep) => {
    const expected = ordered(stories.filter(keep));
    const { ids } = await pageAll(query);
    expect(new Set(ids).size, 'none twice').toBe(ids.length);
    expect(ids).toEqual(expected);
  });

  it('the cases are not vacuous: each non-empty filter matches some but not all stories', () => {
    for (const [query, keep] of cases.slice(0, -1)) {
      const n = stories.filter(keep).length;
      expect(n, query).toBeGreaterThan(0);
      expect(n, query).toBeLessThan(N);
    }
    // The map box across the antimeridian holds points east of 175°E, west of 175°W and on 180°.
    const lons = stories.filter(inFiji).map((r) => r.geo!.lon);
    expect(lons.some((x) => x > 0 && x < 180)).toBe(true);
    expect(lons.some((x) => x < 0)).toBe(true);
    expect(lons).toContain(180);
  });

  it('a page of the whole list with limit 200 is one page holding every story', async () => {
    const { ids, pages } = await pageAll('language=en', 200);
    expect(pages).toBe(1);
    expect(ids).toEqual(ordered(stories.filter((r) => r.language === 'en')));
  });

  it('a cursor of one filter continues the same order', async () => {
    const first = await get('/v1/records?commodity=lithium&limit=2');
    const rest = await pageAll('commodity=lithium', 4, first.body.next);
    expect([...first.body.items.map((r: DigestRecord) => r.storyId), ...rest.ids]).toEqual(
      ordered(stories.filter((r) => r.tags.commodities.includes('lithium'))),
    );
  });

  it('refuses bad filters with 400 INPUT_INVALID', async () => {
    for (const q of [
      'commodity=unobtainium',
      'commodity=Lithium',
      'country=XX',
      'country=CHN',
      'bbox=1,2,3',
      'bbox=0,10,10,5',
      'bbox=0,0,200,10',
      'q=the%20of%20a',
      'q=',
      `q=${Array.from({ length: 9 }, (_, i) => `word${i}`).join('%20')}`,
    ]) {
      const r = await get(`/v1/records?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code, q).toBe('INPUT_INVALID');
    }
  });
});

describe('GET /v1/counts', () => {
  /** Relevant stories in the hours a window reads, counted from their fields. */
  function expectedCounts(hours: number) {
    const current = Math.floor(NOW / HOUR);
    const inWindow = stories.filter((r) => {
      const h = Math.floor(time(r) / HOUR);
      return r.relevant && h > current - hours && h <= current;
    });
    const tally = (values: string[]) => {
      const m: Record<string, number> = {};
      for (const v of values) m[v] = (m[v] ?? 0) + 1;
      return m;
    };
    return {
      total: inWindow.length,
      topics: tally(inWindow.flatMap((r) => [...new Set(r.topics.map((t) => t.id))])),
      commodities: tally(inWindow.flatMap((r) => r.tags.commodities)),
      countries: tally(inWindow.flatMap((r) => r.tags.countries)),
    };
  }

  it('24h and 7d count the relevant stories per topic, commodity and country of their hours', async () => {
    const day = await get('/v1/counts?window=24h');
    expect(day.status).toBe(200);
    expect(day.body).toMatchObject({ window: '24h', ...expectedCounts(24) });
    expect(Date.parse(day.body.to)).toBe(NOW);
    expect(Date.parse(day.body.from)).toBe(Math.floor(NOW / HOUR) * HOUR - 23 * HOUR);
    const week = await get('/v1/counts?window=7d');
    expect(week.body).toMatchObject({ window: '7d', ...expectedCounts(168) });
    // The two windows differ: the week holds stories the day does not.
    expect(week.body.total).toBeGreaterThan(day.body.total);
    expect(day.body.total).toBeGreaterThan(0);
    expect((await get('/v1/counts')).body.window).toBe('24h');
  });

  it('is for viewers; a bad window is 400', async () => {
    expect((await get('/v1/counts', null)).status).toBe(401);
    const bad = await get('/v1/counts?window=30d');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INPUT_INVALID');
  });
});

describe('the retention window', () => {
  it('a story older than recordDays is no longer found by text or list, and the next write trims its token', async () => {
    const days = runtime.config.app.retention.recordDays;
    const old: DigestRecord = {
      ...story(1),
      id: 'old-1',
      storyId: 'old-1',
      canonicalId: 'old-1',
      title: 'Palaeoseismology trench near the fault',
      publishedAt: new Date(NOW - (days - 2) * DAY).toISOString(),
    };
    expect(await runtime.stores.records.put([old])).toEqual(['emitted']);
    expect((await pageAll('q=palaeoseismology')).ids).toEqual(['old-1']);
    const tokenKey = runtime.keys.textToken('palaeoseismology');
    try {
      clock = NOW + 3 * DAY; // the story's digest time is now past the window
      expect((await pageAll('q=palaeoseismology')).ids).toEqual([]);
      expect((await pageAll('country=CN&from=2000-01-01')).ids).not.toContain('old-1');
      // Not yet trimmed: the query's bound alone hides it.
      expect(await redis.zscore(tokenKey, 'old-1')).not.toBeNull();
      const store = createRedisRecordStore({
        redis,
        prefix: runtime.keys.prefix,
        recordDays: days,
        streamMaxLen: 1000,
        now: () => clock,
      });
      const fresh = {
        ...old,
        id: 'new-1',
        storyId: 'new-1',
        canonicalId: 'new-1',
        publishedAt: new Date(clock).toISOString(),
      };
      expect(await store.put([fresh])).toEqual(['emitted']);
      expect(await redis.zscore(tokenKey, 'old-1')).toBeNull();
      expect(await redis.zscore(tokenKey, 'new-1')).not.toBeNull();
      expect(await redis.ttl(tokenKey)).toBeGreaterThan((days - 1) * 86_400);
      expect((await pageAll('q=palaeoseismology')).ids).toEqual(['new-1']);
    } finally {
      clock = NOW;
    }
  });
});
