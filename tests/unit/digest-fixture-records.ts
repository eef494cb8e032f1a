/**
 * Test helper: a fixed day of digest records for the digest tests and the Markdown snapshot. Built with the
 * record stage from hand-written items (text paraphrased for the tests) and registry-like source entries.
 */
import { buildRecord } from '../../src/pipeline/record.js';
import type { DigestRecord, Item } from '../../src/pipeline/types.js';

export const TOPICS = [
  { id: 'basic-geology', name: 'Basic geology', nameZh: '基础地质', order: 1 },
  { id: 'energy-minerals', name: 'Energy and mineral resources', nameZh: '能源矿产', order: 2 },
  {
    id: 'hydrogeology',
    name: 'Hydrogeology, engineering and environmental geology',
    nameZh: '水工环地质',
    order: 3,
  },
  { id: 'marine', name: 'Marine geology', nameZh: '海洋地质', order: 4 },
  { id: 'carbon-neutrality', name: 'Carbon peak and carbon neutrality', nameZh: '碳达峰碳中和', order: 5 },
];

const SOURCES = {
  usgs: {
    id: 'usgs-news',
    name: 'U.S. Geological Survey',
    nameZh: '美国地质调查局',
    shortName: 'USGS',
    timeZone: 'America/New_York',
  },
  bgs: {
    id: 'bgs',
    name: 'British Geological Survey',
    nameZh: '英国地质调查局',
    shortName: 'BGS',
    timeZone: 'Europe/London',
  },
  ga: {
    id: 'geoscience-australia',
    name: 'Geoscience Australia',
    nameZh: '澳大利亚地球科学局',
    shortName: 'GA',
    timeZone: 'Australia/Sydney',
  },
  gccsi: {
    id: 'global-ccs',
    name: 'Global CCS Institute',
    nameZh: '全球碳捕集与封存研究院',
    shortName: 'GCCSI',
    timeZone: 'Australia/Melbourne',
  },
  sd: {
    id: 'sciencedaily',
    name: 'ScienceDaily',
    nameZh: '每日科学',
    shortName: 'ScienceDaily',
    timeZone: 'America/New_York',
  },
  nrcan: {
    id: 'nrcan-earthquakes-en',
    name: 'Earthquakes Canada (Natural Resources Canada)',
    nameZh: '加拿大自然资源部',
    shortName: 'NRCan',
    timeZone: 'UTC',
  },
} as const;

interface Spec {
  id: string;
  source: keyof typeof SOURCES;
  topic: string | null;
  score: number;
  title: string;
  summary: string;
  publishedAt: string | null;
  fetchedAt?: string;
  story?: string;
  canonical?: string;
  titleZh?: string;
  summaryZh?: string;
}

const SPECS: Spec[] = [
  {
    id: 'usgs-1',
    source: 'usgs',
    topic: 'energy-minerals',
    score: 0.92,
    title: 'USGS estimates lithium resources in the Smackover Formation brines of southern Arkansas',
    summary:
      'A new USGS assessment uses machine learning and water-chemistry samples to estimate that the brines of the Smackover Formation hold between 5 and 19 million tonnes of lithium, enough to cover projected demand for car batteries several times over. The study maps where concentrations are highest.',
    publishedAt: '2023-10-05T18:30:00Z',
    titleZh: '美国地质调查局评估阿肯色州南部斯马科弗组卤水锂资源',
    summaryZh:
      '美国地质调查局利用机器学习和水化学样品开展的最新评估显示，阿肯色州南部斯马科弗组卤水中的锂资源量为500万至1900万吨，可数倍满足预计的汽车电池需求。研究还圈定了锂浓度最高的区域。',
  },
  {
    id: 'sd-1',
    source: 'sd',
    topic: 'energy-minerals',
    score: 0.88,
    title: 'Arkansas brines could supply lithium for batteries, survey finds',
    summary: 'Relay of the USGS release on Smackover Formation lithium.',
    publishedAt: '2023-10-05T20:00:00Z',
    story: 'usgs-1',
    canonical: 'usgs-1',
  },
  {
    id: 'nrcan-1',
    source: 'nrcan',
    topic: 'basic-geology',
    score: 0.8,
    title: 'M4.8 earthquake 209 km W of Port Hardy, BC (offshore)',
    summary:
      'Earthquakes Canada reports a magnitude 4.8 earthquake offshore Vancouver Island at 13:10 UT, 209 km west of Port Hardy, British Columbia. No damage is expected at that distance.',
    publishedAt: '2023-10-05T13:10:00Z',
  },
  {
    id: 'ga-1',
    source: 'ga',
    topic: 'basic-geology',
    score: 0.86,
    title: 'New national geological map reveals Australia’s hidden basement rocks',
    summary:
      'Geoscience Australia has released a continent-wide map of the rocks beneath the sedimentary cover, combining magnetic, gravity and drill-hole data to trace ancient crustal blocks that may host mineral systems.',
    publishedAt: '2023-10-06T09:00:00+11:00',
  },
  {
    id: 'bgs-1',
    source: 'bgs',
    topic: 'hydrogeology',
    score: 0.9,
    title: 'Groundwater levels below normal across south-east England after dry summer',
    summary:
      'The BGS hydrological outlook shows groundwater levels in the Chalk aquifers of south-east England below normal for the time of year, with recovery depending on autumn rainfall.',
    publishedAt: null,
    fetchedAt: '2023-10-05T07:15:00Z',
  },
  {
    id: 'gccsi-1',
    source: 'gccsi',
    topic: 'carbon-neutrality',
    score: 0.95,
    title: 'Global status of CCS 2023: capture capacity in the project pipeline grows by half',
    summary:
      'The Global CCS Institute reports that the capacity of carbon capture and storage projects under development grew by about 50 % over the past year, led by North America and Europe, with storage hubs gaining ground.',
    publishedAt: '2023-10-05T21:45:00Z',
  },
  // Outside the window: before D−1 07:00 and at D 07:00 Asia/Shanghai.
  {
    id: 'early',
    source: 'usgs',
    topic: 'basic-geology',
    score: 0.99,
    title: 'Too early for the issue',
    summary: 'Published 06:59 Beijing time on D−1.',
    publishedAt: '2023-10-04T22:59:00Z',
  },
  {
    id: 'late',
    source: 'usgs',
    topic: 'basic-geology',
    score: 0.99,
    title: 'Too late for the issue',
    summary: 'Published 07:00 Beijing time on D.',
    publishedAt: '2023-10-05T23:00:00Z',
  },
  {
    id: 'offtopic',
    source: 'sd',
    topic: null,
    score: 0,
    title: 'Bioengineers 3D-print implants to seed tissue',
    summary: 'Not geoscience.',
    publishedAt: '2023-10-05T12:00:00Z',
  },
];

/** The fixed day's records (D = 2023-10-06 in Asia/Shanghai). */
export function dayRecords(): DigestRecord[] {
  return SPECS.map((s) => {
    const item: Item = {
      id: s.id,
      title: s.title,
      summary: s.summary,
      url: `https://example.org/${s.id}`,
      publishedAt: s.publishedAt,
    };
    const relevant = s.topic !== null;
    const record = buildRecord({
      item,
      classification: {
        id: s.id,
        language: 'en',
        relevant,
        topic: s.topic,
        topics: s.topic ? [{ id: s.topic, score: s.score, evidence: [] }] : [],
        tags: { commodities: [], countries: [] },
      },
      story: {
        id: s.id,
        storyId: s.story ?? s.id,
        duplicateOf: s.story ?? null,
        canonicalId: s.canonical ?? s.id,
        similarity: 1,
      },
      source: SOURCES[s.source],
      fetchedAt: s.fetchedAt ?? '2023-10-05T23:30:00Z',
    });
    if (s.titleZh) record.titleZh = s.titleZh;
    if (s.summaryZh) record.summaryZh = s.summaryZh;
    return record;
  });
}
