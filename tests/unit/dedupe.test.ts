import { describe, expect, it } from 'vitest';
import {
  createStoryIndex,
  DEFAULT_THRESHOLD,
  dedupeItems,
  eventsConflict,
  featureSet,
  identityKeys,
  textSimilarity,
  tokenize,
  urlEventIds,
} from '../../src/pipeline/dedupe/index.js';
import type { Item } from '../../src/pipeline/types.js';

const story = (out: { storyId: string }[]) => out.map((o) => o.storyId);

describe('identity keys', () => {
  it('keys URLs by the project canonical form (host case, www, tracking parameters, fragment, slash, scheme)', () => {
    const key = (url: string) => identityKeys({ id: 'x', title: 't', url }).find((k) => k.startsWith('u:'));
    expect(key('HTTPS://www.USGS.gov/news/x/?utm_source=rss&a=1&b=2#top')).toBe('u:usgs.gov/news/x?a=1&b=2');
    expect(key('http://usgs.gov/news/x?a=1&b=2')).toBe('u:usgs.gov/news/x?a=1&b=2');
    expect(key('javascript:alert(1)')).toBeUndefined();
  });

  it('reads event ids from GDACS, NRCan and USGS event URLs', () => {
    expect(urlEventIds('http://www.gdacs.org/report.aspx?eventtype=DR&eventid=1013588')).toEqual([
      'gdacs:dr:1013588',
    ]);
    expect(
      urlEventIds('http://www.seismescanada.rncan.gc.ca/recent_eq/2018/20180929.1332/index-fr.php'),
    ).toEqual(['nrcan:20180929.1332']);
    expect(urlEventIds('https://earthquake.usgs.gov/earthquakes/eventpage/us7000kufc')).toEqual([
      'us7000kufc',
    ]);
  });

  it('treats distinct ids of one namespace as a conflict, other namespaces not', () => {
    expect(eventsConflict(['gdacs:dr:1'], ['gdacs:dr:2'])).toBe(true);
    expect(eventsConflict(['gdacs:dr:1', 'us7000a'], ['gdacs:dr:1'])).toBe(false);
    expect(eventsConflict(['gdacs:eq:1'], ['nrcan:20180929.1332'])).toBe(false);
    expect(eventsConflict([], ['x'])).toBe(false);
  });

  it('joins by GUID within a source, by URL, by DOI and by USGS id aliases', () => {
    const out = dedupeItems([
      { id: 'a', title: 'First title', guid: 'news1', source: 'physorg' },
      { id: 'b', title: 'Completely different wording here', guid: 'news1', source: 'physorg' },
      { id: 'c', title: 'Other', guid: 'news1', source: 'sciencedaily' },
      {
        id: 'd',
        title: 'Paper on slab rollback beneath the Aegean',
        doi: '10.1038/S41561-023-01234-5',
        source: 'nature-geoscience',
      },
      {
        id: 'e',
        title: 'Why Greece shakes',
        summary: 'DOI: 10.1038/s41561-023-01234-5.',
        source: 'eurekalert',
      },
      { id: 'f', title: 'M 6.3 - 33 km N of Herat', eventIds: ['us6000lfn5', 'at00s27i4z'] },
      { id: 'g', title: 'M6.3 Afghanistan', eventIds: ['at00s27i4z'] },
    ]);
    expect(story(out)).toEqual(['a', 'a', 'c', 'd', 'd', 'f', 'f']);
  });
});

describe('near-duplicates', () => {
  it('tokenises with stemming, stop words, numbers, value classes and CJK bigrams', () => {
    expect(tokenize('The quakes killed 3,1 people')).toEqual(['earth', 'kill', '~0:3.1', 'peopl']);
    expect(tokenize('Nine killed as 1,000 flee; $4.1bn aid')).toEqual([
      '~0:9',
      'kill',
      '~0:1000',
      'flee',
      '~0:4.1',
      'billi',
      'aid',
    ]);
    expect(tokenize('U.S. stocks open higher on Monday')).toEqual([
      '~7:usa',
      'stock',
      '~3:o',
      '~2:+',
      '~1:monday',
    ]);
    expect(tokenize('Syrian PM visits Syria')).toEqual(tokenize('syria premier visit syrian'));
    expect(tokenize('锂矿勘查')).toEqual(['锂矿', '矿勘', '勘查']);
  });

  it('keeps titles apart that state different numbers, days, directions or countries', () => {
    const sim = (a: string, b: string) => textSimilarity(featureSet(a), featureSet(b));
    expect(sim('Suicide bomber kills 13 in Russia', 'Suicide bomber kills 16 in Russia')).toBeLessThan(0.5);
    expect(sim('10 Things to Know for Wednesday', '10 Things to Know for Thursday')).toBeLessThan(0.5);
    expect(sim('Indian stocks open lower', 'Indian stocks open higher')).toBeLessThan(0.5);
    expect(
      sim('Military plane crashes in south France', 'Military plane crashes in south Turkey'),
    ).toBeLessThan(0.5);
    expect(
      sim('Suicide bomber kills 13 in Russia', 'Suicide bomber kills 13 in south Russia'),
    ).toBeGreaterThan(0.5);
    expect(
      sim('Egyptians vote in presidential election', 'Egypt presidential election vote'),
    ).toBeGreaterThan(0.5);
  });

  it('does not join long titles on a few shared unknown words alone (model floor)', () => {
    const a = featureSet('memi miro luro zuro luko name rorote sami tevo nero kapi havo');
    const b = featureSet('sami mola yesu luro luko kafa miro mesa laneriro sane');
    expect(textSimilarity(a, b)).toBeLessThan(0.4);
    expect(
      textSimilarity(
        featureSet('Romney concedes election to Obama'),
        featureSet('Obama wins, Romney concedes election'),
      ),
    ).toBeGreaterThan(DEFAULT_THRESHOLD);
  });

  it('joins a reworded headline and keeps different stories apart', () => {
    const out = dedupeItems([
      { id: 'a', title: 'Magnitude 7.8 earthquake strikes central Turkey, killing hundreds' },
      { id: 'b', title: 'Hundreds killed as magnitude 7.8 earthquake strikes central Turkey' },
      { id: 'c', title: 'Central Turkey braces for winter storms' },
    ]);
    expect(story(out)).toEqual(['a', 'a', 'c']);
    expect(out[1]!.duplicateOf).toBe('a');
    expect(out[1]!.similarity).toBeGreaterThan(0.55);
    expect(out[1]!.similarity).toBeLessThanOrEqual(1);
  });

  it('joins Chinese near-duplicates through character bigrams', () => {
    const a = featureSet('自然资源部发布2023年全国矿产资源储量统计数据');
    const b = featureSet('2023年全国矿产资源储量统计数据发布');
    expect(textSimilarity(a, b)).toBeGreaterThan(0.7);
    expect(
      story(
        dedupeItems([
          { id: 'a', title: '自然资源部发布2023年全国矿产资源储量统计数据' },
          { id: 'b', title: '2023年全国矿产资源储量统计数据发布' },
        ]),
      ),
    ).toEqual(['a', 'a']);
  });

  it('never merges templated titles of different events on text alone', () => {
    const out = dedupeItems([
      {
        id: 'a',
        title: 'Drought is on going in Australia',
        url: 'http://www.gdacs.org/report.aspx?eventtype=DR&eventid=1013588',
        source: 'gdacs',
      },
      {
        id: 'b',
        title: 'Drought is on going in Australia',
        url: 'http://www.gdacs.org/report.aspx?eventtype=DR&eventid=1013281',
        source: 'gdacs',
      },
      { id: 'c', title: 'Drought is on going in Australia', eventIds: ['gdacs:dr:1013588'], source: 'gdacs' },
    ]);
    expect(story(out)).toEqual(['a', 'b', 'a']);
  });

  it('joins reports of one earthquake by geo + time proximity across languages', () => {
    const out = dedupeItems([
      {
        id: 'en',
        title: 'M=3.1 - 32 km NNW of Yarmouth, NS - felt',
        publishedAt: '2018-09-29T13:32:00Z',
        geo: { lat: 44.11, lon: -66.23, magnitude: 3.1 },
      },
      {
        id: 'fr',
        title: 'M=3,1 - 32 km NNO de Yarmouth, NS - ressenti',
        publishedAt: '2018-09-29T13:32:40Z',
        geo: { lat: 44.1, lon: -66.25, magnitude: 3.1 },
      },
      {
        id: 'other',
        title: 'M=3.1 - 27 km ESE of Victoria, BC',
        publishedAt: '2018-09-29T13:32:00Z',
        geo: { lat: 48.29, lon: -123.06, magnitude: 3.1 },
      },
      {
        id: 'later',
        title: 'M=3.0 - 30 km NNW of Yarmouth, NS',
        publishedAt: '2018-09-29T18:00:00Z',
        geo: { lat: 44.11, lon: -66.23, magnitude: 3.0 },
      },
    ]);
    expect(story(out)).toEqual(['en', 'en', 'other', 'later']);
  });
});

describe('canonical item of a story', () => {
  const release: Item = {
    id: 'usgs',
    title: 'USGS maps lithium in Arkansas brines for the first time',
    url: 'https://www.usgs.gov/news/lithium',
    source: 'usgs-news',
  };
  const relay: Item = {
    id: 'sd',
    title: 'USGS maps lithium in Arkansas brines for first time',
    url: 'https://www.sciencedaily.com/releases/2024/10/x.htm',
    source: 'sciencedaily',
  };

  it('is the agency item when a relay carries its release, whatever the order (batch)', () => {
    const out = dedupeItems([relay, release], { relaySources: ['sciencedaily'] });
    expect(out.map((o) => o.canonicalId)).toEqual(['usgs', 'usgs']);
    expect(out[1]!.duplicateOf).toBe('sd');
  });

  it('switches to the agency item once it arrives (incremental index)', () => {
    const index = createStoryIndex();
    expect(index.assign(relay, { relay: true }).canonicalId).toBe('sd');
    expect(index.assign(release).canonicalId).toBe('usgs');
    expect(index.size).toBe(1);
  });

  it('is the paper, not the press release, when linked by DOI', () => {
    const out = dedupeItems([
      {
        id: 'pr',
        title: 'Ancient magma ocean',
        summary: 'doi:10.1126/science.abc1234',
        url: 'https://phys.org/news/x.html',
      },
      { id: 'paper', title: 'A basal magma ocean dynamo', doi: '10.1126/science.abc1234' },
    ]);
    expect(out.map((o) => [o.storyId, o.canonicalId])).toEqual([
      ['pr', 'paper'],
      ['pr', 'paper'],
    ]);
  });
});
