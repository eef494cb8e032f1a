/**
 * The web pages in Debian's chromium (playwright-core), against the running system over the demo's recorded
 * feeds on the real Redis: sign-in through the login page and the redirects, the dashboard's page weight and
 * time to live records (measured), a record published after the page loaded, the map of the demo's
 * earthquakes, the editors' workflow (claim, zh edits, accept, reorder, publish with the bulletin's issue
 * number), the zh interface (every catalogue key, no untranslated visible string), roles and @bull-board.
 * Truth comes from the stores and the API, never from the pages. Screenshots: artifacts/screenshots/.
 */
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidateTime } from '../../src/pipeline/candidates.js';
import { digestDateAt } from '../../src/pipeline/digest/zoned.js';
import type { DigestRecord } from '../../src/pipeline/types.js';
import type { TokenRole } from '../../src/store/tokens.js';
import { MESSAGES } from '../../src/web/messages.js';
import { projectPoint } from '../../src/web/world-map.js';
import { type Chromium, launchChromium, SCREENSHOTS } from '../helpers/browser.js';
import { catalogueKeys, visibleTexts } from '../helpers/page-scan.js';
import { startWebStack, type WebStack } from '../helpers/web.js';

let stack: WebStack;
let chrome: Chromium;
let origin = '';
const measured: Record<string, unknown> = {};

beforeAll(async () => {
  stack = await startWebStack();
  origin = stack.origin;
  chrome = await launchChromium();
}, 120_000);

afterAll(async () => {
  // The figures the task asks for, in the test log.
  console.log(`web-pages measurements: ${JSON.stringify(measured)}`);
  await chrome?.close();
  await stack?.close();
});

/** An API call with a bearer token (the tests' view of the truth). */
async function apiAs<T>(role: TokenRole, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${origin}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${stack.token[role]}`,
      'content-type': 'application/json',
      ...init.headers,
    },
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Signs in through the login page, starting at `path` (signed out: redirected to the login page first). */
async function signIn(page: Page, role: TokenRole, path = '/dashboard'): Promise<void> {
  const lang = (await chrome.context.cookies()).filter((c) => c.name === 'gi_lang');
  await chrome.context.clearCookies();
  if (lang.length) await chrome.context.addCookies(lang);
  await page.goto(`${origin}${path}`);
  expect(new URL(page.url()).pathname).toBe('/login');
  expect(new URL(page.url()).searchParams.get('next')).toBe(path);
  await page.fill('#token', stack.token[role]);
  await Promise.all([page.waitForURL(`${origin}${path}`), page.click('#login-submit')]);
}

/** Cold-cache transferred bytes of everything a page loads, from Chrome's network events. */
interface ByteProbe {
  cdp: CDPSession;
  total: () => number;
  requests: () => number;
  /** Bytes per request path (the first load's breakdown, for the report). */
  byPath: () => Record<string, number>;
}

async function countBytes(page: Page): Promise<ByteProbe> {
  const cdp = await chrome.context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.clearBrowserCache');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const finished = new Map<string, number>();
  const partial = new Map<string, number>();
  const paths = new Map<string, string>();
  cdp.on('Network.requestWillBeSent', (e) => {
    const u = new URL(e.request.url);
    paths.set(e.requestId, u.protocol === 'about:' ? u.href : `${u.pathname}${u.search}`);
  });
  cdp.on('Network.dataReceived', (e) =>
    partial.set(e.requestId, (partial.get(e.requestId) ?? 0) + e.encodedDataLength),
  );
  cdp.on('Network.loadingFinished', (e) => finished.set(e.requestId, e.encodedDataLength));
  return {
    cdp,
    // A finished response counts its own total (headers and body on the wire); a stream still open (SSE)
    // counts what it received so far.
    total: () =>
      [...finished.values()].reduce((a, b) => a + b, 0) +
      [...partial.entries()].filter(([id]) => !finished.has(id)).reduce((a, [, b]) => a + b, 0),
    requests: () => new Set([...finished.keys(), ...partial.keys()]).size,
    byPath: () =>
      Object.fromEntries(
        [...new Set([...finished.keys(), ...partial.keys()])].map((id) => [
          paths.get(id) ?? id,
          finished.get(id) ?? partial.get(id) ?? 0,
        ]),
      ),
  };
}

const dashboardSettled = (page: Page) =>
  page.waitForSelector('html[data-sse-open-at][data-records-at][data-map-at] #counts table', {
    timeout: 15_000,
  });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Waits until an element's text is `want` (polling the page; 10 s at most). */
async function waitText(page: Page, selector: string, want: string): Promise<void> {
  const until = Date.now() + 10_000;
  let got: string | null = null;
  while (Date.now() < until) {
    got = await page.textContent(selector, { timeout: 10_000 }).catch(() => null);
    if (got === want) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${selector}: waited for ${JSON.stringify(want)}, last saw ${JSON.stringify(got)}`);
}

/** A relevant demo record as the template of a new story. */
async function template(): Promise<DigestRecord> {
  const all = await stack.runtime.stores.records.storiesBetween(0, Number.MAX_SAFE_INTEGER);
  const r = all.find((x) => x.relevant && x.topic);
  if (!r) throw new Error('the demo stored no relevant record');
  return r;
}

describe('signing in', () => {
  it('a browser without a session is sent to the login page and comes back where it was going', async () => {
    const page = await chrome.newPage();
    await chrome.context.clearCookies();
    const res = await page.goto(`${origin}/sources`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toMatch(/default-src 'none'; script-src 'nonce-[^']+'/);
    await page.fill('#token', 'gi_not-a-token');
    await page.click('#login-submit');
    await page.waitForSelector('#login-message:not([hidden])');
    expect(await page.textContent('#login-message')).toBe(MESSAGES.en['login.failed']);
    await chrome.screenshot(page, 'login-refused');
    await signIn(page, 'viewer', '/sources');
    await page.waitForSelector('#sources tbody[data-loaded] tr[data-source]');
    // The sources page shows what the API says of each source.
    const sources = await apiAs<
      Array<{ id: string; itemsPerWeek: number; health: { lastItems?: number } | null }>
    >('viewer', '/v1/sources');
    expect(await page.locator('#sources tbody tr[data-source]').count()).toBe(sources.length);
    for (const s of sources) {
      const row = `#sources tr[data-source="${s.id}"]`;
      expect(await page.textContent(`${row} td.week`), s.id).toBe(String(s.itemsPerWeek));
      if (s.health?.lastItems !== undefined)
        expect(await page.textContent(`${row} td.num:not(.week)`), s.id).toBe(String(s.health.lastItems));
    }
    expect(sources.some((s) => s.itemsPerWeek > 0)).toBe(true);
    const cookie = (await chrome.context.cookies()).find((c) => c.name === 'gi_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // Sign out: the session ends on the server too.
    await Promise.all([page.waitForURL(`${origin}/login`), page.click('#gi-logout')]);
    await page.goto(`${origin}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.close();
  });

  it('a role too low gets a page saying so (403); the JSON API answers scripts as before', async () => {
    const page = await chrome.newPage();
    await signIn(page, 'viewer', '/dashboard');
    for (const path of ['/editor', '/digest', '/admin/queues']) {
      const res = await page.goto(`${origin}${path}`);
      expect(res?.status(), path).toBe(403);
      expect(await page.textContent('main h1'), path).toBe(MESSAGES.en['error.forbiddenTitle']);
    }
    await chrome.screenshot(page, 'forbidden-viewer');
    const json = await fetch(`${origin}/editor`);
    expect(json.status).toBe(401);
    expect(((await json.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORISED');
    await page.close();
  });
});

describe('dashboard', () => {
  let page: Page;

  it('first load ≤ 300 KB transferred; SSE open and first records rendered ≤ 1 s (cold cache, loopback)', async () => {
    page = await chrome.newPage();
    await signIn(page, 'viewer', '/sources');
    const loads: Array<{
      bytes: number;
      requests: number;
      sseOpenMs: number;
      recordsMs: number;
      readyMs: number;
    }> = [];
    for (let i = 0; i < 3; i++) {
      // From a blank page: nothing of the page before is still loading when the count starts.
      await page.goto('about:blank');
      const probe = await countBytes(page);
      await page.goto(`${origin}/dashboard`);
      await dashboardSettled(page);
      const sseOpenMs = Number(await page.getAttribute('html', 'data-sse-open-at'));
      const recordsMs = Number(await page.getAttribute('html', 'data-records-at'));
      loads.push({
        bytes: probe.total(),
        requests: probe.requests(),
        sseOpenMs,
        recordsMs,
        readyMs: Math.max(sseOpenMs, recordsMs),
      });
      if (i === 0) measured.firstLoadBytesByPath = probe.byPath();
      await probe.cdp.detach();
    }
    measured.dashboardLoads = loads;
    for (const l of loads) expect(l.bytes, JSON.stringify(l)).toBeLessThanOrEqual(300 * 1024);
    expect(median(loads.map((l) => l.readyMs)), JSON.stringify(loads)).toBeLessThanOrEqual(1_000);
    expect(await page.locator('#records li[data-story]').count()).toBeGreaterThan(5);
    expect(await page.textContent('#live')).toBe(MESSAGES.en['dash.live']);
    await chrome.screenshot(page, 'dashboard-en');
  });

  it('a record published after the page loaded appears within 2 s, without a reload', async () => {
    const base = await template();
    const id = `web-live-${Date.now()}`;
    const record: DigestRecord = {
      ...base,
      id,
      storyId: id,
      canonicalId: id,
      title: 'Live record published after the page loaded',
      publishedAt: new Date().toISOString(),
      duplicates: [],
    };
    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));
    const t0 = Date.now();
    expect(await stack.runtime.stores.records.put([record])).toEqual(['emitted']);
    await page.waitForSelector(`#records li.fresh[data-story="${id}"]`, { timeout: 2_000 });
    measured.liveRecordMs = Date.now() - t0;
    expect(navigations).toEqual([]);
    expect(await page.textContent(`#records li[data-story="${id}"] .title`)).toBe(record.title);
    expect(await page.getAttribute('html', 'data-fresh')).toBe('1');
  });

  it("the world map shows the demo's earthquakes where they are, with magnitude and alert level", async () => {
    const stored = await stack.runtime.stores.records.storiesBetween(0, Number.MAX_SAFE_INTEGER);
    const quakes = stored.filter((r) => r.source.id === 'usgs-earthquakes' && r.geo);
    expect(quakes.length).toBeGreaterThanOrEqual(5);
    const located = new Map(stored.filter((r) => r.geo).map((r) => [r.storyId, r]));
    const circles = await page.$$eval('#events circle', (els) =>
      els.map((e) => ({
        story: e.getAttribute('data-story') ?? '',
        cx: Number(e.getAttribute('cx')),
        cy: Number(e.getAttribute('cy')),
        magnitude: e.getAttribute('data-magnitude'),
        alert: e.getAttribute('data-alert'),
      })),
    );
    const byStory = new Map(circles.map((c) => [c.story, c]));
    for (const q of quakes) {
      const c = byStory.get(q.storyId);
      expect(c, q.title).toBeDefined();
      const [x, y] = projectPoint(q.geo!.lon, q.geo!.lat);
      expect(Math.abs(c!.cx - x), q.title).toBeLessThan(0.2);
      expect(Math.abs(c!.cy - y), q.title).toBeLessThan(0.2);
      if (q.geo!.magnitude !== undefined) expect(Number(c!.magnitude)).toBe(q.geo!.magnitude);
      const alert = q.geo!.alertLevel?.toLowerCase();
      expect(c!.alert).toBe(alert === 'green' || alert === 'orange' || alert === 'red' ? alert : null);
    }
    // Every point on the map is a stored located story.
    for (const c of circles) expect(located.has(c.story), c.story).toBe(true);
    measured.mapPoints = circles.length;
    measured.demoEarthquakes = quakes.length;
    const listed = await page.locator('#event-list li[data-story]').count();
    expect(listed).toBe(circles.length);
    await page.locator('#map').screenshot({ path: `${SCREENSHOTS}/map.png` });
  });

  it('counts per topic, commodity and country switch between 24 h and 7 days', async () => {
    const week = await apiAs<{ topics: Record<string, number> }>('viewer', '/v1/counts?window=7d');
    await page.click('#windows button[data-window="7d"]');
    await page.waitForSelector('#counts[data-window="7d"]');
    for (const [topic, n] of Object.entries(week.topics).filter(([, n]) => n > 0))
      expect(await page.textContent(`#counts tr[data-key="${topic}"] td.num`)).toBe(String(n));
    await page.close();
  });

  it("a topic's dashboard counts that topic's commodities and countries, not the other topics'", async () => {
    const base = await template();
    const fresh = (topic: string, commodity: string, country: string): DigestRecord => {
      const id = `web-count-${topic}-${Date.now()}`;
      return {
        ...base,
        id,
        storyId: id,
        canonicalId: id,
        relevant: true,
        topic,
        topics: [{ id: topic, score: 0.9, evidence: [] }],
        tags: { commodities: [commodity], countries: [country] },
        publishedAt: new Date().toISOString(),
        duplicates: [],
      };
    };
    // Tags of the other topic's story that no other story of the last day carries (the template's are reused).
    const other = ['uranium', 'helium', 'potash'].find((c) => !base.tags.commodities.includes(c))!;
    const where = ['NA', 'IS', 'NZ'].find((c) => !base.tags.countries.includes(c))!;
    await stack.runtime.stores.records.put([
      fresh('marine', 'cobalt', 'NO'),
      fresh('energy-minerals', other, where),
    ]);
    const mine = await apiAs<Record<string, Record<string, number>>>('viewer', '/v1/counts?topic=marine');
    const all = await apiAs<Record<string, Record<string, number>>>('viewer', '/v1/counts');
    expect(all.commodities![other]).toBeGreaterThan(0);
    expect(mine.commodities![other]).toBeUndefined();
    expect(mine.countries![where]).toBeUndefined();
    const topicPage = await chrome.newPage();
    await topicPage.goto(`${origin}/dashboard?topic=marine`);
    await topicPage.waitForSelector('#counts table');
    for (const [key, n] of [...Object.entries(mine.commodities!), ...Object.entries(mine.countries!)])
      expect(await topicPage.textContent(`#counts tr[data-key="${key}"] td.num`), key).toBe(String(n));
    expect(await topicPage.locator('#counts tr[data-key="cobalt"]').count()).toBe(1);
    expect(
      await topicPage.locator(`#counts tr[data-key="${other}"], #counts tr[data-key="${where}"]`).count(),
    ).toBe(0);
    await topicPage.close();
  });
});

describe("the digest builder's event box", () => {
  it("shows each section's event sequences of the demo's earthquakes, read-only, as the digest JSON gives them", async () => {
    const { digest } = stack.runtime.config.app;
    type Box = {
      id: string;
      items: unknown[];
      eventsTitle: string;
      events: Array<{ line: string; region: string; url: string; count: number }>;
    };
    const stored = await stack.runtime.stores.records.storiesBetween(0, Number.MAX_SAFE_INTEGER);
    const quakes = stored.filter((r) => r.source.id === 'usgs-earthquakes');
    expect(quakes.length).toBeGreaterThanOrEqual(5);
    // The truth: the API's draft of each day that holds an earthquake; the day with the most event lines.
    const days = [
      ...new Set(quakes.map((r) => digestDateAt(candidateTime(r), digest.timeZone, digest.cutoffHour))),
    ];
    let best: { date: string; en: Box[] } | undefined;
    for (const d of days.sort()) {
      const { sections } = await apiAs<{ sections: Box[] }>('viewer', `/v1/digests/${d}?format=json&lang=en`);
      const boxes = sections.filter((s) => s.events.length > 0);
      const lines = (b: Box[]) => b.reduce((n, s) => n + s.events.length, 0);
      if (boxes.length > 0 && (!best || lines(boxes) > lines(best.en))) best = { date: d, en: boxes };
    }
    expect(best, "a day whose digest has an event box of the demo's earthquakes").toBeDefined();
    const { date, en } = best!;
    const zh = (await apiAs<{ sections: Box[] }>('viewer', `/v1/digests/${date}?format=json&lang=zh`))
      .sections;

    const page = await chrome.newPage();
    await signIn(page, 'editor', `/digest?date=${date}`);
    // Time from navigation to the boxes drawn (loopback, the API's JSON and the page's script).
    const started = Date.now();
    await page.goto(`${origin}/digest?date=${date}`);
    await page.waitForSelector('#bulletin[data-version] aside.events', { timeout: 10_000 });
    measured.eventBoxMs = Date.now() - started;
    await page.click('#bulletin button[data-lang="en"]');
    await page.waitForSelector('#bulletin button[data-lang="en"][aria-pressed="true"]');
    await page.waitForSelector('#bulletin aside.events');
    /** The page's boxes: heading, lines, links (href, rel, target) and any control inside. */
    const read = (id: string) =>
      page.$eval(`#bulletin section[data-section="${id}"] aside.events`, (el) => ({
        title: el.querySelector('h3')?.textContent ?? '',
        lines: [...el.querySelectorAll('li')].map((li) => li.textContent ?? ''),
        links: [...el.querySelectorAll('a')].map((a) => ({
          text: a.textContent ?? '',
          href: a.getAttribute('href'),
          rel: a.getAttribute('rel'),
          target: a.getAttribute('target'),
        })),
        controls: el.querySelectorAll('button, input, select, [draggable]').length,
      }));
    const check = async (boxes: Box[]) => {
      for (const s of boxes.filter((b) => b.events.length > 0)) {
        const got = await read(s.id);
        expect(got.title).toBe(s.eventsTitle);
        expect(got.lines).toEqual(s.events.map((q) => q.line));
        expect(got.controls, 'read-only: no move, no order').toBe(0);
        const linked = s.events.filter((q) => /^https?:/i.test(q.url));
        expect(got.links).toEqual(
          linked.map((q) => ({
            text: q.region,
            href: new URL(q.url).href,
            rel: 'noopener noreferrer',
            target: '_blank',
          })),
        );
      }
    };
    // Exactly the sections with events carry a box.
    const boxed = await page.$$eval('#bulletin section[data-section]:has(aside.events)', (els) =>
      els.map((e) => e.getAttribute('data-section') ?? ''),
    );
    expect(boxed.sort()).toEqual(en.map((s) => s.id).sort());
    await check(en);
    measured.eventLines = en.reduce((n, s) => n + s.events.length, 0);
    measured.eventsInLines = en.reduce((n, s) => n + s.events.reduce((m, q) => m + q.count, 0), 0);
    await chrome.screenshot(page, 'digest-events');
    // The Chinese bulletin: the box as the zh digest gives it (地震事件 …); the note stays in the interface's language.
    await page.click('#bulletin button[data-lang="zh"]');
    const zhBoxes = zh.filter((s) => s.events.length > 0);
    await waitText(
      page,
      `#bulletin section[data-section="${zhBoxes[0]!.id}"] aside.events h3`,
      zhBoxes[0]!.eventsTitle,
    );
    await check(zhBoxes);
    expect(await page.textContent('#bulletin aside.events .events-note')).toBe(
      MESSAGES.en['digest.eventsNote'],
    );
    await page.close();
  });
});

describe("the editors' workflow", () => {
  it('claims, edits the zh fields of and accepts candidates, reorders the draft and publishes it', async () => {
    const { digest } = stack.runtime.config.app;
    // Two open candidates of one topic whose digest day is the same: both land in that day's edition.
    type Cand = { storyId: string; claim: unknown; record: DigestRecord };
    let pick: { topic: string; date: string; a: Cand; b: Cand } | undefined;
    for (const t of stack.runtime.config.topics.topics) {
      const { items } = await apiAs<{ items: Cand[] }>('editor', `/v1/candidates?topic=${t.id}&limit=200`);
      const byDate = new Map<string, Cand[]>();
      for (const c of items.filter((x) => !x.claim && x.record.topic === t.id)) {
        const d = digestDateAt(candidateTime(c.record), digest.timeZone, digest.cutoffHour);
        byDate.set(d, [...(byDate.get(d) ?? []), c]);
      }
      const pair = [...byDate.entries()].find(([, cs]) => cs.length >= 2);
      if (pair) {
        pick = { topic: t.id, date: pair[0], a: pair[1][0]!, b: pair[1][1]! };
        break;
      }
    }
    expect(pick, 'a topic with two candidates of one digest day').toBeDefined();
    const { topic, date, a, b } = pick!;

    const page = await chrome.newPage();
    await signIn(page, 'editor', `/editor?topic=${topic}`);
    await page.waitForSelector('#queue[data-loaded] li[data-story]');
    // Keyboard: c claims, Ctrl+Enter accepts from inside a field.
    await page.click(`#queue li[data-story="${a.storyId}"]`);
    await page.waitForSelector(`.source-text[data-story="${a.storyId}"]`);
    await page.keyboard.press('c');
    await waitText(page, '#claim-state', MESSAGES.en['editor.claimedByYou']);
    const titleZh = '美国地质调查局发布新的地质评估';
    const summaryZh = '评估报告介绍了该地区的地质构造与资源潜力。';
    await page.fill('#f-titleZh', titleZh);
    await page.fill('#f-summaryZh', summaryZh);
    await page.waitForSelector('#evidence li');
    await chrome.screenshot(page, 'editor-queue');
    await page.focus('#f-summaryZh');
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('#open-digest');
    // The other one with the buttons.
    await page.click(`#queue li[data-story="${b.storyId}"]`);
    await page.waitForSelector(`.source-text[data-story="${b.storyId}"]`);
    await page.click('#claim');
    await waitText(page, '#claim-state', MESSAGES.en['editor.claimedByYou']);
    await page.click('#accept');
    await page.waitForSelector(`#queue li[data-story="${b.storyId}"]`, { state: 'detached' });

    // The API's view: both accepted into the day's edition, A with the editor's zh texts; the audit trail.
    const state = await apiAs<{
      entries: Array<{ storyId: string; section: string; edits: Record<string, string> }>;
    }>('editor', `/v1/editions/${date}`);
    const entryA = state.entries.find((e) => e.storyId === a.storyId);
    expect(entryA?.edits).toEqual({ titleZh, summaryZh });
    expect(state.entries.map((e) => e.storyId)).toContain(b.storyId);
    const trail = await apiAs<{ items: Array<{ action: string; actor: { name: string } }> }>(
      'editor',
      `/v1/stories/${a.storyId}/audit`,
    );
    expect(trail.items.map((e) => e.action)).toEqual(['candidate.claim', 'candidate.accept']);
    expect(trail.items.every((e) => e.actor.name === 'web-editor')).toBe(true);

    // The digest builder: the section holds both; move the first down.
    await page.goto(`${origin}/digest?date=${date}`);
    await page.waitForSelector(`#bulletin[data-version] section[data-section="${topic}"] li[data-story]`);
    const order = () =>
      page.$$eval(`#bulletin section[data-section="${topic}"] li[data-story]`, (els) =>
        els.map((e) => e.getAttribute('data-story') ?? ''),
      );
    const before = await order();
    expect(new Set(before)).toEqual(new Set([a.storyId, b.storyId]));
    await page.click(`#bulletin li[data-story="${before[0]}"] button[data-move="1"]`);
    await waitText(page, '#digest-message', MESSAGES.en['digest.orderSaved']);
    const after = await order();
    expect(after).toEqual([before[1], before[0]]);
    const reordered = await apiAs<{ order: Record<string, string[]> }>('editor', `/v1/editions/${date}`);
    expect(reordered.order[topic]).toEqual(after);
    // The Chinese bulletin shows the editor's zh title.
    await page.click('#bulletin button[data-lang="zh"]');
    await waitText(page, `#bulletin li[data-story="${a.storyId}"] .item-title`, titleZh);
    await chrome.screenshot(page, 'digest-builder');

    // Publish (two clicks: the second confirms); the issue number is the bulletin's counter.
    const lastIssue =
      (await apiAs<{ items: Array<{ issue: number }> }>('viewer', '/v1/editions?limit=1')).items[0]?.issue ??
      0;
    await page.click('#publish');
    expect(await page.getAttribute('#publish', 'data-confirm')).toBe('true');
    await page.click('#publish');
    await page.waitForSelector('#edition-status[data-status="published"]');
    const issue = Number(await page.getAttribute('#edition-status', 'data-issue'));
    expect(issue).toBe(lastIssue + 1);
    await page.waitForSelector(`#archive li[data-date="${date}"][data-issue="${issue}"]`);
    const final = await fetch(`${origin}/v1/digests/${date}?format=json&lang=zh`, {
      headers: { authorization: `Bearer ${stack.token.viewer}` },
    });
    expect(final.headers.get('x-geointel-edition')).toBe('final');
    expect(final.headers.get('x-geointel-issue')).toBe(String(issue));
    const body = (await final.json()) as {
      sections: Array<{ id: string; items: Array<{ title: string; record: { storyId: string } }> }>;
    };
    const section = body.sections.find((s) => s.id === topic)!;
    expect(section.items.map((i) => i.record.storyId)).toEqual(after);
    expect(section.items.find((i) => i.record.storyId === a.storyId)?.title).toBe(titleZh);
    measured.publishedIssue = issue;
    await chrome.screenshot(page, 'digest-published');
    // Without a date the builder opens today's edition (the window that closed last) until it is published,
    // then the next one.
    const closed = digestDateAt(Date.now(), digest.timeZone, digest.cutoffHour);
    const next = new Date(Date.parse(`${closed}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    await page.goto(`${origin}/digest`);
    await page.waitForSelector('#bulletin[data-version]');
    expect(await page.inputValue('#date')).toBe(date === closed ? next : closed);
    await page.close();
  });
});

/** Regular expressions of a catalogue's templates (`{name}` matches any text, data or nothing). */
function templates(lang: 'zh' | 'en'): RegExp[] {
  return Object.values(MESSAGES[lang]).map(
    (v) => new RegExp(`^${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\{\w+\\\}/g, '.*?')}$`, 's'),
  );
}

/** Punctuation, digits and arrows alone are not words of any language. */
const NOT_WORDS = /^[\s\d.,:;·•()（）：，。\-–—/↑↓…%+×|]*$/;

describe('the Chinese interface', () => {
  it('has every key of the en catalogue, and no visible interface string is left untranslated', async () => {
    const enKeys = Object.keys(MESSAGES.en).sort();
    expect(Object.keys(MESSAGES.zh).sort()).toEqual(enKeys);
    const zh = templates('zh');
    const page = await chrome.newPage();
    await signIn(page, 'admin', '/dashboard');
    await page.waitForSelector('html[lang="en"]');
    // The switch: a cookie, then the page again in Chinese.
    await Promise.all([page.waitForNavigation(), page.click('#gi-lang')]);
    await page.waitForSelector('html[lang="zh-CN"]');
    expect((await chrome.context.cookies()).find((c) => c.name === 'gi_lang')?.value).toBe('zh');
    const { date } = await apiAs<{ items: Array<{ date: string }> }>('viewer', '/v1/editions?limit=1').then(
      (r) => ({
        date: r.items[0]?.date ?? '2025-12-13',
      }),
    );
    const editorTopic = stack.runtime.config.topics.topics[0]!.id;
    const pages: Array<{ path: string; ready: string; name: string; prepare?: (p: Page) => Promise<void> }> =
      [
        {
          path: '/dashboard',
          ready: 'html[data-records-at][data-map-at] #counts table',
          name: 'dashboard-zh',
        },
        {
          path: '/dashboard?topic=basic-geology',
          ready: 'html[data-records-at][data-map-at] #counts > *',
          name: 'dashboard-topic-zh',
        },
        {
          path: `/editor?topic=${editorTopic}`,
          ready: '#queue[data-loaded]',
          name: 'editor-zh',
          prepare: async (p) => {
            const first = await p.$('#queue li[data-story]');
            if (!first) return;
            await first.click();
            await p.waitForSelector('#history li');
            await p.waitForSelector('#others li');
          },
        },
        { path: `/digest?date=${date}`, ready: '#bulletin[data-version] #edition-status', name: 'digest-zh' },
        { path: '/sources', ready: '#sources tbody[data-loaded]', name: 'sources-zh' },
      ];
    const problems: string[] = [];
    const scan = async (label: string, p: Page) => {
      const cat = await p.evaluate(catalogueKeys);
      expect(cat.lang, label).toBe('zh');
      expect(cat.keys.sort(), label).toEqual(enKeys);
      expect(cat.messages, label).toEqual(MESSAGES.zh);
      for (const v of await p.evaluate(visibleTexts)) {
        if (v.data || NOT_WORDS.test(v.text)) continue;
        const text = v.text.replace(/^[\s:：·]+|[\s:：·]+$/g, '');
        if (!zh.some((re) => re.test(text))) problems.push(`${label} <${v.tag}>: ${v.text}`);
      }
    };
    for (const spec of pages) {
      await page.goto(`${origin}${spec.path}`);
      await page.waitForSelector(spec.ready, { timeout: 15_000 });
      await spec.prepare?.(page);
      await scan(spec.path, page);
      await chrome.screenshot(page, spec.name);
    }
    // The page a role too low gets, and the login page.
    await signIn(page, 'viewer', '/dashboard');
    await page.goto(`${origin}/editor`);
    await scan('forbidden', page);
    await chrome.context.clearCookies({ name: 'gi_session' });
    await page.goto(`${origin}/login`);
    await scan('/login', page);
    await chrome.screenshot(page, 'login-zh');
    expect(problems).toEqual([]);
    // Back to English for the tests after this one.
    await chrome.context.addCookies([{ name: 'gi_lang', value: 'en', url: origin }]);
    await page.close();
  });
});

describe('@bull-board', () => {
  it('is served to admins at /admin/queues, read-only, with the queues of the runtime', async () => {
    const page = await chrome.newPage();
    await signIn(page, 'admin', '/admin/queues');
    const queues = await page.evaluate(async () => {
      const res = await fetch('/admin/queues/api/queues', { credentials: 'same-origin' });
      return {
        status: res.status,
        body: (await res.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> },
      };
    });
    expect(queues.status).toBe(200);
    const names = queues.body.queues.map((q) => q.name);
    for (const q of Object.values(stack.runtime.queues)) expect(names).toContain(q.name);
    expect(queues.body.queues.every((q) => q.readOnlyMode)).toBe(true);
    await page.waitForSelector('text=geointel', { timeout: 15_000 });
    await page.click('text=process');
    await page.waitForLoadState('networkidle');
    await chrome.screenshot(page, 'bull-board');
    await page.close();
  });
});

describe('a token revoked while its dashboard is open', () => {
  it('ends the live stream; the page goes to the login page without reconnecting', async () => {
    const res = await fetch(`${origin}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'web-revoked-live', role: 'viewer' }),
    });
    expect(res.status).toBe(201);
    const { token } = (await res.json()) as { token: string };
    await chrome.context.clearCookies();
    await chrome.context.addCookies([{ name: 'gi_lang', value: 'en', url: origin }]);
    const page = await chrome.newPage();
    await page.goto(`${origin}/dashboard`);
    await page.fill('#token', token);
    await Promise.all([page.waitForURL(`${origin}/dashboard`), page.click('#login-submit')]);
    await page.waitForSelector('html[data-sse-open-at]', { timeout: 15_000 });
    const streams: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/v1/streams/')) streams.push(r.url());
    });
    const t0 = Date.now();
    const revoke = await fetch(`${origin}/v1/tokens/web-revoked-live`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${stack.token.admin}` },
    });
    expect(revoke.status).toBe(204);
    await page.waitForURL(`${origin}/login?next=${encodeURIComponent('/dashboard')}`, { timeout: 5_000 });
    measured.revokedDashboardToLoginMs = Date.now() - t0;
    expect(streams).toEqual([]);
    await page.close();
  });
});
