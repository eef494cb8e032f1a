/**
 * Bulletin selection and event sequences of the digest stage (src/pipeline/digest/select.ts, sequences.ts):
 * originators before relays, the relays' confidence floor, event listings summarised per sequence in the
 * section's event box (md, html, json; zh and en), editors' picks untouched. Pure: no Redis, no network.
 */
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { buildEdition } from '../../src/pipeline/digest/edition.js';
import {
  buildDigest,
  bulletinScore,
  type Digest,
  eventSequences,
  isEventListing,
  originOf,
  placeOf,
  publishesOf,
  renderDigest,
  selectionOptions,
} from '../../src/pipeline/digest/index.js';
import { dayRangeLabel } from '../../src/pipeline/digest/labels.js';
import type { DigestRecord } from '../../src/pipeline/types.js';
import { dayRecords, TOPICS } from './digest-fixture-records.js';

const PUBLISHES = publishesOf([
  { id: 'usgs-news', publishes: 'agency' },
  { id: 'bgs', publishes: 'agency' },
  { id: 'physorg', publishes: 'relay' },
  { id: 'sciencedaily', publishes: 'relay' },
  { id: 'ngeo', publishes: 'journal' },
  { id: 'usgs-earthquakes', publishes: 'events' },
  { id: 'nrcan-earthquakes-en', publishes: 'events' },
]);

let seq = 0;
/** A digest record of D = 2023-10-06 (Asia/Shanghai window: 2023-10-04T23:00Z – 2023-10-05T23:00Z). */
function rec(over: Partial<DigestRecord> & { score?: number; evidence?: string[] } = {}): DigestRecord {
  const { score = 0.8, evidence = ['fault'], ...rest } = over;
  const id = rest.id ?? `r${++seq}`;
  const topic = rest.topic === undefined ? 'basic-geology' : rest.topic;
  return {
    schema: 'geointel.record/1',
    id,
    storyId: id,
    canonicalId: id,
    title: `Title ${id}`,
    summary: '',
    url: `https://example.org/${id}`,
    source: { id: 'usgs-news', name: 'USGS', shortName: 'USGS' },
    publishedAt: '2023-10-05T12:00:00Z',
    fetchedAt: '2023-10-05T12:00:00Z',
    language: 'en',
    relevant: true,
    topic,
    topics: topic ? [{ id: topic, score, evidence }] : [],
    runnerUp: null,
    tags: { commodities: [], countries: [] },
    duplicates: [],
    citation: { zh: '（来源，2023.10.5）', en: '(Source, 2023-10-05)' },
    ...rest,
  };
}

const src = (id: string) => ({ id, name: id, shortName: id });

/** A USGS-style event entry. */
function quake(
  id: string,
  title: string,
  at: string,
  lat: number,
  lon: number,
  magnitude: number,
  alertLevel = 'green',
): DigestRecord {
  return rec({
    id,
    title,
    source: src('usgs-earthquakes'),
    publishedAt: at,
    score: 0.9,
    evidence: ['event:earthquake', `magnitude:${magnitude}`, `alert:${alertLevel}`],
    geo: { lat, lon, magnitude, alertLevel },
  });
}

const OPTS = { date: '2023-10-06', topics: TOPICS, timeZone: 'Asia/Shanghai', cutoffHour: 7, perSection: 10 };
const numbered = (d: Digest) => d.sections.flatMap((s) => s.items.map((e) => e.record.id));

describe('bulletin score and floor', () => {
  it('ranks an originator above a relay at the same confidence, and a relayed release as its originator', () => {
    const agency = rec({ id: 'agency', score: 0.7 });
    const relay = rec({ id: 'relay', score: 0.7, source: src('physorg') });
    const relayed = rec({ id: 'relayed', score: 0.7, source: src('physorg'), canonicalId: 'agency-item' });
    const withDup = rec({
      id: 'dup',
      score: 0.7,
      source: src('sciencedaily'),
      duplicates: [{ id: 'x', sourceId: 'bgs' }],
    });
    expect(originOf(relay, PUBLISHES)).toBe('relay');
    expect(originOf(relayed, PUBLISHES)).toBe('agency');
    expect(originOf(withDup, PUBLISHES)).toBe('agency');
    expect(originOf(rec({ source: src('nowhere') }), PUBLISHES)).toBe('unknown');
    expect(bulletinScore(agency, PUBLISHES)).toBeGreaterThan(bulletinScore(relay, PUBLISHES));
    expect(bulletinScore(relayed, PUBLISHES)).toBe(bulletinScore(agency, PUBLISHES));
    // A relay's item outranks an agency's only with clearly more confidence.
    const strongRelay = rec({ id: 'strong', score: 0.95, source: src('physorg') });
    const d = buildDigest([relay, agency, strongRelay], { ...OPTS, publishes: PUBLISHES });
    expect(numbered(d)).toEqual(['strong', 'agency', 'relay']);
  });

  it('weighs the margin over the runner-up: a clear section beats an ambiguous one at the same score', () => {
    const clear = rec({ id: 'clear', score: 0.7 });
    const torn = rec({ id: 'torn', score: 0.7, runnerUp: { id: 'marine', score: 0.68 } });
    expect(bulletinScore(clear, PUBLISHES)).toBeGreaterThan(bulletinScore(torn, PUBLISHES));
    expect(numbered(buildDigest([torn, clear], { ...OPTS, publishes: PUBLISHES }))).toEqual([
      'clear',
      'torn',
    ]);
  });

  it('leaves a relay’s item below minConfidence out; an agency’s, journal’s or unlisted source’s stays', () => {
    const weakRelay = rec({ id: 'weak-relay', score: 0.565, source: src('physorg') });
    const weakUnknown = rec({ id: 'weak-unknown', score: 0.55, source: src('nowhere') });
    const weakAgency = rec({ id: 'weak-agency', score: 0.45 });
    const weakJournal = rec({ id: 'weak-journal', score: 0.42, source: src('ngeo') });
    const relayed = rec({ id: 'relayed', score: 0.5, source: src('physorg'), canonicalId: 'agency-item' });
    const all = [weakRelay, weakUnknown, weakAgency, weakJournal, relayed];
    const d = buildDigest(all, { ...OPTS, publishes: PUBLISHES });
    expect(numbered(d).sort()).toEqual(['relayed', 'weak-agency', 'weak-journal', 'weak-unknown']);
    const lower = buildDigest(all, { ...OPTS, publishes: PUBLISHES, minConfidence: 0.5 });
    expect(numbered(lower)).toContain('weak-relay');
    // Without the registry nothing is known to be a relay: no floor.
    expect(numbered(buildDigest(all, OPTS))).toHaveLength(5);
  });

  it('editors’ picks stay whatever their confidence or kind (an editor’s choice wins)', () => {
    const weakRelay = rec({ id: 'weak-relay', score: 0.51, source: src('physorg') });
    const q = quake('q', 'M 6.3 - western Afghanistan', '2023-10-05T00:41:56Z', 34.56, 62.04, 6.3, 'red');
    const got = buildEdition({
      ...OPTS,
      issue: 3,
      publishes: PUBLISHES,
      picks: [
        { storyId: 'weak-relay', section: 'carbon-neutrality', edits: {} },
        { storyId: 'q', section: 'basic-geology', edits: {} },
      ],
      records: new Map([
        ['weak-relay', weakRelay],
        ['q', q],
      ]),
      order: {},
      dayRecords: [],
    });
    expect(numbered(got.digest)).toEqual(['q', 'weak-relay']);
    expect(got.digest.sections.every((s) => s.events?.length === 0)).toBe(true);
    // Without picks the same records make the automatic draft: the relay is floored, the event boxed.
    const auto = buildEdition({
      ...OPTS,
      issue: 3,
      publishes: PUBLISHES,
      picks: [],
      records: new Map(),
      order: {},
      dayRecords: [weakRelay, q],
    });
    expect(auto.digest.count).toBe(0);
    expect(auto.digest.sections[0]!.events!.map((e) => e.storyIds)).toEqual([['q']]);
  });
});

describe('event listings', () => {
  it('are known by the source’s publishes, the event rule’s evidence or a magnitude — never numbered', () => {
    const byRegistry = rec({
      id: 'nrcan',
      source: src('nrcan-earthquakes-en'),
      title: 'M=4.8 - 209 km W of Port Hardy, BC',
    });
    const byEvidence = rec({ id: 'rule', source: src('nowhere'), evidence: ['event:volcano'] });
    const byMagnitude = rec({ id: 'mag', source: src('nowhere'), geo: { lat: 1, lon: 2, magnitude: 6.1 } });
    const news = rec({
      id: 'news',
      title: 'Satellite tracking maps the rupture of the 2025 Myanmar earthquake',
    });
    expect(isEventListing(byRegistry, PUBLISHES)).toBe(true);
    expect(isEventListing(byRegistry)).toBe(false); // no registry: only its own facts can tell
    expect(isEventListing(byEvidence)).toBe(true);
    expect(isEventListing(byMagnitude)).toBe(true);
    expect(isEventListing(news, PUBLISHES)).toBe(false);
    const d = buildDigest([byRegistry, byEvidence, byMagnitude, news], { ...OPTS, publishes: PUBLISHES });
    expect(numbered(d)).toEqual(['news']);
    expect(d.sections[0]!.events!.flatMap((q) => q.storyIds).sort()).toEqual(['mag', 'nrcan', 'rule']);
  });

  it('group into sequences by distance and span: the Herat sequence is one line, Madang another', () => {
    const events = [
      quake(
        'h1',
        'M 6.3 - 33 km NNE of Zindah Jān, Afghanistan',
        '2023-10-07T06:41:03Z',
        34.6102,
        61.9242,
        6.3,
        'orange',
      ),
      quake(
        'h2',
        'M 6.3 - 29 km NNE of Zindah Jān, Afghanistan',
        '2023-10-07T07:12:50Z',
        34.5743,
        61.9037,
        6.3,
        'orange',
      ),
      quake(
        'p1',
        'M 6.7 - 56 km SE of Madang, Papua New Guinea',
        '2023-10-07T08:34:26Z',
        -5.5997,
        146.1315,
        6.7,
      ),
      quake(
        'p2',
        'M 6.9 - 55 km SE of Madang, Papua New Guinea',
        '2023-10-07T08:40:13Z',
        -5.5066,
        146.1982,
        6.9,
      ),
      quake('h3', 'M 6.3 - western Afghanistan', '2023-10-11T00:41:56Z', 34.5565, 62.0449, 6.3, 'red'),
      // 1,560 km from Sarangani: the same country, not the same sequence.
      quake('n1', 'M 6.3 - 73 km N of Namuac, Philippines', '2023-10-04T11:03:18Z', 19.2687, 121.2178, 6.3),
      quake('s1', 'M 6.4 - 66 km E of Sarangani, Philippines', '2023-10-04T11:21:48Z', 5.3416, 126.0595, 6.4),
    ];
    const got = eventSequences(events, { timeZone: 'Asia/Shanghai' });
    expect(got.map((q) => q.storyIds)).toEqual([['h1', 'h2', 'h3'], ['p1', 'p2'], ['s1'], ['n1']]);
    expect(got[0]).toMatchObject({
      type: 'earthquake',
      region: 'Zindah Jān, Afghanistan',
      count: 3,
      maxMagnitude: 6.3,
      alertLevel: 'red',
      days: { from: '2023-10-07', to: '2023-10-11' },
      url: 'https://example.org/h1',
    });
    expect(got[1]).toMatchObject({
      region: 'Madang, Papua New Guinea',
      maxMagnitude: 6.9,
      alertLevel: 'green',
    });
    expect(got[1]!.url).toBe('https://example.org/p2');
    // A span of 3 days splits Herat: 7 October and 11 October are two sequences.
    const short = eventSequences(events, { timeZone: 'Asia/Shanghai', spanDays: 3 });
    expect(short.map((q) => q.storyIds)).toContainEqual(['h3']);
    expect(short.map((q) => q.storyIds)).toContainEqual(['h1', 'h2']);
    // A radius of 5 km keeps the first two Herat shocks (4.4 km apart) together and splits Madang’s (13 km).
    const tight = eventSequences(events, { timeZone: 'Asia/Shanghai', radiusKm: 5 });
    expect(tight.map((q) => q.storyIds)).toContainEqual(['p1']);
    expect(tight.map((q) => q.storyIds)).toContainEqual(['p2']);
  });

  it('without coordinates, join by the place the title names; different types never join', () => {
    const a = rec({
      id: 'a',
      title: '2018-09-09: M=3.1 - 27 km ESE of Victoria, BC',
      source: src('nrcan-earthquakes-en'),
    });
    const b = rec({
      id: 'b',
      title: '2018-09-10: M=3.4 - 12 km N of Victoria, BC - felt',
      publishedAt: '2023-10-05T18:00:00Z',
      source: src('nrcan-earthquakes-en'),
    });
    const v = rec({ id: 'v', title: 'Eruption at Victoria, BC', evidence: ['event:volcano'] });
    const got = eventSequences([a, b, v], { timeZone: 'UTC' });
    expect(got.map((q) => [q.type, q.storyIds, q.maxMagnitude])).toEqual([
      ['earthquake', ['a', 'b'], 3.4],
      ['volcano', ['v'], null],
    ]);
  });

  it('reads the place of USGS, Earthquakes Canada (en, fr) and GDACS titles', () => {
    expect(placeOf('M 6.3 - 29 km NNE of Zindah Jān, Afghanistan')).toBe('Zindah Jān, Afghanistan');
    expect(placeOf('M 6.3 - western Afghanistan')).toBe('western Afghanistan');
    expect(placeOf('M 5.4 Volcanic Eruption - 5km WSW of Volcano, Hawaii')).toBe('Volcano, Hawaii');
    expect(placeOf('M 4.8 - Central Mid-Atlantic Ridge')).toBe('Central Mid-Atlantic Ridge');
    expect(placeOf('2018-08-21: M=4.8 - 209 km W of Port Hardy, BC - offshore - felt')).toBe(
      'Port Hardy, BC',
    );
    expect(placeOf('2018-08-21: M=4,8 - 209 km O de Port Hardy, BC - sous la mer - ressenti')).toBe(
      'Port Hardy, BC',
    );
    expect(
      placeOf(
        'Green earthquake alert (Magnitude 5.5M, Depth:10km) in South Africa 28/12/2019 15:36 UTC, No people',
      ),
    ).toBe('South Africa');
    expect(placeOf('M4.8 earthquake 209 km W of Port Hardy, BC (offshore)')).toBe(
      'Port Hardy, BC (offshore)',
    );
    expect(placeOf('Breaking News')).toBe('Breaking News');
  });

  it('label their days in both languages', () => {
    expect(dayRangeLabel('2023-10-07', '2023-10-07', 'en')).toBe('7 October 2023');
    expect(dayRangeLabel('2023-10-07', '2023-10-11', 'en')).toBe('7–11 October 2023');
    expect(dayRangeLabel('2023-09-30', '2023-10-02', 'en')).toBe('30 September – 2 October 2023');
    expect(dayRangeLabel('2023-12-30', '2024-01-02', 'en')).toBe('30 December 2023 – 2 January 2024');
    expect(dayRangeLabel('2023-10-07', '2023-10-07', 'zh')).toBe('2023年10月7日');
    expect(dayRangeLabel('2023-10-07', '2023-10-11', 'zh')).toBe('2023年10月7日至11日');
    expect(dayRangeLabel('2023-09-30', '2023-10-02', 'zh')).toBe('2023年9月30日至10月2日');
    expect(dayRangeLabel('2023-12-30', '2024-01-02', 'zh')).toBe('2023年12月30日至2024年1月2日');
  });
});

/** The fixture day with the registry's publishes and two event sequences inside its window. */
function dayWithEvents(): Digest {
  const { app, sources } = loadConfig({ env: { GEOINTEL_CONFIG_DIR: 'config' } });
  // Real USGS entries of the Herat and Madang sequences (2023-10-07), dated into the fixture day's window.
  const events = [
    quake(
      'us6000ldpg',
      'M 6.3 - 33 km NNE of Zindah Jān, Afghanistan',
      '2023-10-05T06:41:03Z',
      34.6102,
      61.9242,
      6.3,
      'orange',
    ),
    quake(
      'us6000ldpm',
      'M 6.3 - 29 km NNE of Zindah Jān, Afghanistan',
      '2023-10-05T07:12:50Z',
      34.5743,
      61.9037,
      6.3,
      'orange',
    ),
    quake(
      'us6000ldqd',
      'M 6.7 - 56 km SE of Madang, Papua New Guinea',
      '2023-10-05T08:34:26Z',
      -5.5997,
      146.1315,
      6.7,
    ),
    quake(
      'us6000ldqf',
      'M 6.9 - 55 km SE of Madang, Papua New Guinea',
      '2023-10-05T08:40:13Z',
      -5.5066,
      146.1982,
      6.9,
    ),
  ].map((r) => ({ ...r, url: `https://earthquake.usgs.gov/earthquakes/eventpage/${r.id}` }));
  return buildDigest([...dayRecords(), ...events], { ...OPTS, ...selectionOptions(app.digest, sources) });
}

describe('the event box in md, html and json', () => {
  const d = dayWithEvents();

  it('holds the registry’s event entries (NRCan) and the sequences, after the section’s news', () => {
    expect(numbered(d)).toEqual(['ga-1', 'usgs-1', 'bgs-1', 'gccsi-1']);
    const box = d.sections.find((s) => s.id === 'basic-geology')!.events!;
    expect(box.map((q) => q.storyIds)).toEqual([
      ['us6000ldpg', 'us6000ldpm'],
      ['us6000ldqd', 'us6000ldqf'],
      ['nrcan-1'],
    ]);
  });

  it('matches the reviewed Markdown snapshots (zh and en)', async () => {
    await expect(renderDigest(d, { format: 'md', lang: 'zh' })).toMatchFileSnapshot(
      '../snapshots/digest-2023-10-06.events.zh.md',
    );
    await expect(renderDigest(d, { format: 'md', lang: 'en' })).toMatchFileSnapshot(
      '../snapshots/digest-2023-10-06.events.en.md',
    );
  });

  it('html: an aside per section with one linked line per sequence; json: the sequences with their line', () => {
    const $ = cheerio.load(renderDigest(d, { format: 'html', lang: 'zh' }));
    const aside = $('section#basic-geology aside.events');
    expect(aside.find('h3').text()).toBe('地震事件');
    const lines = aside
      .find('li')
      .map((_, el) => $(el).text())
      .get();
    expect(lines[0]).toBe('Zindah Jān, Afghanistan｜2023年10月5日｜地震2次，最大6.3级｜橙色预警');
    expect(aside.find('a').first().attr('href')).toBe(
      'https://earthquake.usgs.gov/earthquakes/eventpage/us6000ldpg',
    );
    expect(aside.find('a').first().attr('rel')).toBe('noopener noreferrer');
    // The box comes after the section's numbered items.
    expect($('section#basic-geology').children().last().is('aside')).toBe(true);
    const json = JSON.parse(renderDigest(d, { format: 'json', lang: 'en' }));
    const basic = json.sections.find((s: { id: string }) => s.id === 'basic-geology');
    expect(basic.eventsTitle).toBe('Event summary');
    expect(basic.events[1]).toMatchObject({
      region: 'Madang, Papua New Guinea',
      count: 2,
      maxMagnitude: 6.9,
      line: 'Madang, Papua New Guinea · 5 October 2023 · 2 earthquakes, largest M 6.9 · green alert',
    });
    expect(json.sections.find((s: { id: string }) => s.id === 'marine').events).toEqual([]);
  });

  it('shows a section that has only an event box; the empty-issue line only when nothing is shown', () => {
    const onlyEvents = buildDigest(
      [quake('q', 'M 6.3 - western Afghanistan', '2023-10-05T00:41:56Z', 34.56, 62.04, 6.3, 'red')],
      { ...OPTS, publishes: PUBLISHES },
    );
    expect(onlyEvents.count).toBe(0);
    const md = renderDigest(onlyEvents, { format: 'md', lang: 'en' });
    expect(md).toContain('## 1. Basic geology');
    expect(md).toContain(
      '> - [western Afghanistan](<https://example.org/q>) · 5 October 2023 · 1 earthquake, M 6.3 · red alert',
    );
    expect(md).not.toContain('(no items in this issue)');
    const empty = renderDigest(buildDigest([], OPTS), { format: 'md', lang: 'en' });
    expect(empty).toContain('(no items in this issue)');
  });

  it('renders an edition frozen before event boxes existed (sections without `events`)', () => {
    const frozen = JSON.parse(JSON.stringify(buildDigest(dayRecords(), OPTS))) as Digest;
    for (const s of frozen.sections) delete s.events;
    const md = renderDigest(frozen, { format: 'md', lang: 'zh' });
    expect(md).toContain('## 一、基础地质');
    expect(md).not.toContain('地震事件');
    expect(JSON.parse(renderDigest(frozen, { format: 'json', lang: 'zh' })).sections[0].events).toEqual([]);
  });

  it('escapes a hostile place name in Markdown: no link or markup of its own', () => {
    const hostile = quake(
      'evil',
      'M 6.1 - 3 km N of [x](javascript:alert(1)) <img src=x onerror=alert(1)>',
      '2023-10-05T01:00:00Z',
      1,
      1,
      6.1,
    );
    const md = renderDigest(buildDigest([hostile], { ...OPTS, publishes: PUBLISHES }), {
      format: 'md',
      lang: 'en',
    });
    const line = md.split('\n').find((l) => l.startsWith('> - '))!;
    expect(line).toContain('\\[x\\](javascript:alert(1)) \\<img src=x onerror=alert(1)\\>');
    expect(line.match(/\]\(</g)).toHaveLength(1); // the one link: to the event's own page
  });
});
