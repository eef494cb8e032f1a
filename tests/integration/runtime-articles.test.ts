/**
 * Article pages in the running system: items whose feed gives no usable summary get their page fetched once,
 * as child jobs of the process job; the record is emitted once, with the article's summary or — past the
 * deadline — without it. Items already stored never have their page fetched again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.js';
import { type FeedServer, startFeedServer } from '../helpers/feeds.js';
import { streamRecords, testConfig, uniquePrefix } from '../helpers/queue.js';
import { cleanup, fetchNow, startRuntime } from '../helpers/runtime.js';

let server: FeedServer;
let runtime: Runtime;

const LEAD =
  'Groundwater levels in the coastal aquifer fell by two metres over the last decade, the survey found. ' +
  'Hydrogeologists mapped seawater intrusion along forty kilometres of coast and recommend managed aquifer recharge.';
const BODY =
  'Landslide monitoring across the mountain region now uses satellite radar to track slow slope movement. ' +
  'Engineering geologists combine the data with borehole inclinometers to warn communities before failures. ' +
  'The programme covers three hundred slopes.';

const page = (opts: { description?: string; body?: string }) => `<!doctype html><html lang="en"><head>
<title>Story</title>${opts.description ? `<meta name="description" content="${opts.description}">` : ''}</head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav><div class="cookie">We use cookies to improve this site.</div>
<article>${(opts.body ?? '')
  .split('. ')
  .map((p) => `<p>${p}.</p>`)
  .join('')}</article>
<footer>© Survey 2026 · Contact · Privacy</footer></body></html>`;

function rss(items: Array<{ slug: string; title: string }>): string {
  const entries = items
    .map(
      (i) =>
        `<item><title>${i.title}</title><link>${server.url(`/a/${i.slug}`)}</link><guid>${i.slug}</guid><description>Read more.</description><pubDate>Tue, 01 Dec 2026 08:00:00 GMT</pubDate></item>`,
    )
    .join('');
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Survey news</title><link>${server.origin}</link>${entries}</channel></rss>`;
}

const ITEMS = [
  { slug: 'aquifer', title: 'Coastal aquifer groundwater decline and seawater intrusion mapped' },
  { slug: 'landslide', title: 'Satellite radar landslide monitoring warns mountain communities' },
  { slug: 'slow', title: 'Groundwater recharge trial begins in the river basin aquifer' },
];

beforeAll(async () => {
  server = await startFeedServer();
  const html = 'text/html; charset=utf-8';
  server.route('/a/aquifer', { kind: 'feed', body: page({ description: LEAD }), contentType: html });
  server.route('/a/landslide', { kind: 'feed', body: page({ body: BODY }), contentType: html });
  server.route('/a/slow', {
    kind: 'feed',
    body: page({ description: LEAD }),
    contentType: html,
    delayMs: 6_000,
  });
  server.route('/feed.xml', { kind: 'feed', body: rss(ITEMS) });
  const config = testConfig(
    [{ id: 'survey', url: server.url('/feed.xml'), articles: true }],
    uniquePrefix('articles'),
  );
  // A 1.5 s deadline for article pages, so the slow page (6 s) is left out.
  runtime = await startRuntime(config, { timings: { articleDeadlineMs: 1_500 } });
});

afterAll(async () => {
  await cleanup(runtime);
  await runtime.close();
  await server.close();
});

describe('article pages as child jobs of the process job', () => {
  it('fills the summaries it can read in time and emits every story once, with or without', async () => {
    await fetchNow(runtime, ['survey']);
    const records = (await streamRecords(runtime)).map((e) => e.record);
    const bySlug = new Map(records.map((r) => [r.url.split('/').pop(), r]));
    expect([...bySlug.keys()].sort()).toEqual(['aquifer', 'landslide', 'slow']);
    expect(records).toHaveLength(3);
    expect(bySlug.get('aquifer')!.summary).toBe(LEAD);
    expect(bySlug.get('landslide')!.summary).toContain('satellite radar to track slow slope movement');
    expect(bySlug.get('landslide')!.summary).not.toMatch(/cookies|Privacy|Home/);
    expect(bySlug.get('slow')!.summary).toBe('Read more.');
    for (const slug of ['aquifer', 'landslide', 'slow']) expect(server.hits(`/a/${slug}`), slug).toBe(1);
  });

  it('a new body of the feed fetches pages only for its new items', async () => {
    const more = [
      ...ITEMS,
      { slug: 'fault', title: 'Active fault mapped beneath the city by seismic survey' },
    ];
    server.route('/a/fault', {
      kind: 'feed',
      body: page({ description: LEAD.replace('coastal', 'city') }),
      contentType: 'text/html',
    });
    server.route('/feed.xml', { kind: 'feed', body: rss(more) });
    await fetchNow(runtime, ['survey']);
    expect(server.hits('/a/fault')).toBe(1);
    for (const slug of ['aquifer', 'landslide', 'slow']) expect(server.hits(`/a/${slug}`), slug).toBe(1);
    expect((await streamRecords(runtime)).length).toBeGreaterThanOrEqual(3);
  });
});
