/**
 * RELIABILITY.md T-O1 in Debian's chromium: ~60 XSS payloads (OWASP-style) stored as records — in the title,
 * summary, editors' zh texts, source name (the author a page shows), link, matched terms, tags, alert level,
 * runner-up section and duplicates' sources, and as machine drafts (text, backend, model, note) — rendered by every page (dashboard lists, map and live stream, editor queue and
 * detail, digest builder, sources, login, the role page) and by the HTML digest. Pass: no dialog opened, no
 * script element but the page's own (nonce'd modules and the JSON boot block), no on* attribute, no
 * href/src with a scheme other than http(s), every outside link with rel="noopener noreferrer", no frame,
 * object, embed, base or meta refresh; the CSP header on every page; and the payloads shown as inert text.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidateTime } from '../../src/pipeline/candidates.js';
import { digestDateAt } from '../../src/pipeline/digest/zoned.js';
import type { DigestRecord } from '../../src/pipeline/types.js';
import { type Chromium, launchChromium } from '../helpers/browser.js';
import { reportFigures } from '../helpers/hardening.js';
import { type DomSafety, domSafety } from '../helpers/page-scan.js';
import { startWebStack, type WebStack } from '../helpers/web.js';
import { LINKS, PAYLOADS } from '../helpers/xss-corpus.js';

let stack: WebStack;
let chrome: Chromium;
let origin = '';
let records: DigestRecord[] = [];
const TOPIC = 'basic-geology';
const checked: string[] = [];

beforeAll(async () => {
  stack = await startWebStack();
  origin = stack.origin;
  const all = await stack.runtime.stores.records.storiesBetween(0, Number.MAX_SAFE_INTEGER);
  const base = all.find((r) => r.relevant && r.topic === TOPIC);
  if (!base) throw new Error(`no relevant ${TOPIC} record in the demo`);
  const now = Date.now();
  records = PAYLOADS.map((p, i): DigestRecord => {
    const id = `xss-${i}`;
    return {
      ...base,
      id,
      storyId: id,
      canonicalId: id,
      title: p,
      summary: `${p} summary`,
      titleZh: p,
      summaryZh: p,
      url: LINKS[i % LINKS.length]!,
      source: { ...base.source, name: p, nameZh: p },
      // Newer than every demo record (the journals carry no date: their fetch time), so first in every list.
      publishedAt: new Date(now + 600_000 - i * 1_000).toISOString(),
      relevant: true,
      topic: TOPIC,
      topics: [{ id: TOPIC, score: 0.9, evidence: [p, 'magma*'] }],
      // A runner-up the pages show ("also fits …"), or a hostile id they must ignore.
      runnerUp: i % 2 === 0 ? { id: 'marine', score: 0.5 } : { id: p, score: 0.5 },
      tags: { commodities: ['lithium', p.slice(0, 30)], countries: ['CN'] },
      ...(i % 3 === 0
        ? { geo: { lat: (i % 170) - 85, lon: ((i * 11) % 360) - 180, magnitude: 5.5, alertLevel: p } }
        : {}),
      duplicates: [{ id: `${id}-dup`, sourceId: p, url: LINKS[(i + 3) % LINKS.length]! }],
      citation: { zh: p, en: p },
    };
  });
  // Half stored before the pages load (lists, candidates, drafts), half while the dashboard is open (SSE).
  await stack.runtime.stores.records.put(records.slice(0, 40));
  // Hostile machine drafts (text, backend, model, language, note) beside every payload candidate.
  for (const [i, p] of PAYLOADS.entries())
    await stack.runtime.stores.drafts.put({
      storyId: `xss-${i}`,
      titleZh: p,
      summaryZh: `${p} 摘要`,
      backend: p as 'openai',
      model: p,
      from: p,
      at: new Date(now).toISOString(),
      note: p,
    });
  chrome = await launchChromium();
}, 120_000);

afterAll(async () => {
  console.log(
    `web-xss: ${PAYLOADS.length} payloads, ${LINKS.length} links; pages checked: ${checked.join(', ')}; dialogs: ${chrome?.dialogs.length}`,
  );
  await chrome?.close();
  await stack?.close();
});

async function signIn(page: Page, role: 'admin' | 'viewer'): Promise<void> {
  await chrome.context.clearCookies();
  await page.goto(`${origin}/login`);
  await page.fill('#token', stack.token[role]);
  await Promise.all([page.waitForURL(`${origin}/dashboard`), page.click('#login-submit')]);
}

/** The T-O1 checks on a page of ours: its own scripts only, no handler, no bad URL, rel on outside links. */
function expectSafe(label: string, s: DomSafety, own: boolean): void {
  const foreign = own
    ? s.scripts.filter(
        (x) =>
          !(x.id === 'gi-boot' && x.type === 'application/json') &&
          !(x.nonce && x.src.startsWith('/web/assets/')),
      )
    : s.scripts;
  reportFigures({ xssPages: 1, xssForeignScripts: foreign.length, xssOnAttributes: s.onAttrs.length });
  expect(foreign, `${label}: scripts`).toEqual([]);
  expect(s.onAttrs, `${label}: on* attributes`).toEqual([]);
  expect(s.badUrls, `${label}: non-http(s) URLs`).toEqual([]);
  expect(s.relMissing, `${label}: outside links without noopener noreferrer`).toEqual([]);
  expect(s.forbidden, `${label}: frames, objects, base, meta refresh`).toEqual([]);
  checked.push(label);
}

async function visit(page: Page, path: string, ready: string): Promise<void> {
  const res = await page.goto(`${origin}${path}`);
  expect(res?.status(), path).toBe(200);
  expect(res?.headers()['content-security-policy'], path).toMatch(
    /^default-src 'none'; script-src 'nonce-[A-Za-z0-9+/=]{24}' 'strict-dynamic';.*require-trusted-types-for 'script'/,
  );
  await page.waitForSelector(ready, { timeout: 15_000 }).catch(async (err: Error) => {
    await chrome.screenshot(page, `failed-${path.replace(/[^a-z0-9]+/gi, '-')}`);
    throw new Error(`${path}: ${err.message}\npage errors: ${chrome.errors.join('\n')}`);
  });
}

describe('T-O1: XSS payloads in stored records are inert on every page and in the HTML digest', () => {
  it('the checks find what they look for (payloads injected as markup into a blank page without CSP)', async () => {
    const page = await chrome.newPage();
    await page.setContent(
      `<p>${PAYLOADS[4]}</p><a href="javascript:alert(1)">j</a><a href="https://example.org/" target="_blank">t</a>` +
        `<script>alert('dialog')</script><iframe srcdoc="x"></iframe>`,
    );
    const s = await page.evaluate(domSafety);
    expect(s.scripts.length).toBe(1);
    expect(s.onAttrs).toEqual(['IMG@onerror']);
    expect(s.badUrls.some((u) => u.includes('javascript:'))).toBe(true);
    expect(s.relMissing).toEqual(['https://example.org/']);
    expect(s.forbidden.length).toBe(1);
    await page.waitForTimeout(200);
    expect(chrome.dialogs.length).toBeGreaterThanOrEqual(2);
    // Those were the probe's own: every page of geointel below must open none.
    chrome.dialogs.length = 0;
    await page.close();
  });

  it('dashboard: list, map and records arriving over SSE', async () => {
    const page = await chrome.newPage();
    await signIn(page, 'admin');
    await visit(
      page,
      '/dashboard',
      'html[data-records-at][data-map-at][data-sse-open-at] #records li[data-story^="xss-"]',
    );
    // The second half arrives while the page is open.
    await stack.runtime.stores.records.put(records.slice(40));
    await page.waitForSelector(`#records li.fresh[data-story="xss-${records.length - 1}"]`, {
      timeout: 5_000,
    });
    const titles = await page.$$eval('#records li[data-story^="xss-"] .title', (els) =>
      els.map((e) => e.textContent),
    );
    expect(titles.length).toBeGreaterThanOrEqual(30);
    // Shown as the text it is (trimmed, as every title is).
    for (const t of titles) expect(PAYLOADS.map((p) => p.trim())).toContain(t);
    expect(await page.locator('#events circle[data-story^="xss-"]').count()).toBeGreaterThan(5);
    expectSafe('/dashboard', await page.evaluate(domSafety), true);
    // Safe links stay links, unsafe ones are text.
    const hrefs = await page.$$eval('#records li[data-story^="xss-"] a.title', (els) =>
      els.map((e) => e.getAttribute('href')),
    );
    expect(hrefs.length).toBeGreaterThan(0);
    for (const h of hrefs) expect(h).toMatch(/^https?:\/\/example\.org\//);
    await chrome.screenshot(page, 'xss-dashboard');
    await visit(
      page,
      `/dashboard?topic=${TOPIC}`,
      'html[data-records-at][data-map-at] #records li[data-story^="xss-"]',
    );
    expectSafe(`/dashboard?topic=${TOPIC}`, await page.evaluate(domSafety), true);
    await page.close();
  });

  it('editor queue and the detail of payload candidates (source text, other sources, terms, history)', async () => {
    const page = await chrome.newPage();
    await signIn(page, 'admin');
    await visit(page, `/editor?topic=${TOPIC}`, '#queue[data-loaded] li[data-story^="xss-"]');
    const ids = await page.$$eval('#queue li[data-story^="xss-"]', (els) =>
      els.map((e) => e.getAttribute('data-story') ?? ''),
    );
    expect(ids.length).toBeGreaterThanOrEqual(10);
    for (const id of ids.slice(0, 12)) {
      await page.click(`#queue li[data-story="${id}"]`);
      await page.waitForSelector(`.source-text[data-story="${id}"] #others li:not(.muted)`);
      expect(await page.inputValue('#f-title')).toBe(records.find((r) => r.storyId === id)!.title);
      // The hostile machine draft is text; "use draft" copies it into the fields as a value.
      const payload = PAYLOADS[Number(id.slice('xss-'.length))]!;
      expect(await page.textContent('#draft-titleZh')).toBe(payload.trim());
      expect(await page.textContent('#draft-note span')).toBe(payload.trim());
      await page.click('#use-draft');
      expect(await page.inputValue('#f-summaryZh')).toBe(`${payload} 摘要`.trim());
      expectSafe(`/editor ${id}`, await page.evaluate(domSafety), true);
    }
    // Claim and accept two payload candidates (texts unchanged: the payloads go to the draft as they are).
    for (const id of ids.slice(0, 2)) {
      await page.click(`#queue li[data-story="${id}"]`);
      await page.waitForSelector(`.source-text[data-story="${id}"]`);
      await page.keyboard.press('c');
      await page.waitForSelector('#claim-state');
      await page.click('#accept');
      await page.waitForSelector(`#queue li[data-story="${id}"]`, { state: 'detached' });
    }
    await chrome.screenshot(page, 'xss-editor');
    await page.close();
  });

  it('digest builder, sources, login and the role page', async () => {
    const { digest } = stack.runtime.config.app;
    const date = digestDateAt(candidateTime(records[0]!), digest.timeZone, digest.cutoffHour);
    const page = await chrome.newPage();
    await signIn(page, 'admin');
    await visit(page, `/digest?date=${date}`, '#bulletin[data-version] #edition-status');
    const shown = await page.$$eval('#bulletin .item-title', (els) => els.map((e) => e.textContent));
    expect(shown.some((t) => (PAYLOADS as readonly string[]).includes(t ?? ''))).toBe(true);
    // The runner-up line shows for a known section only (a hostile runner-up id is not a section).
    const fits = await page.$$eval('#bulletin .also-fits', (els) =>
      els.map((e) => e.getAttribute('data-runner-up')),
    );
    expect(fits.length).toBeGreaterThan(0);
    expect(new Set(fits)).toEqual(new Set(['marine']));
    expectSafe('/digest', await page.evaluate(domSafety), true);
    await page.click('#bulletin button[data-lang="zh"]');
    await page.waitForSelector('#bulletin button[data-lang="zh"][aria-pressed="true"]');
    expectSafe('/digest (zh bulletin)', await page.evaluate(domSafety), true);
    await chrome.screenshot(page, 'xss-digest-builder');
    await visit(page, '/sources', '#sources tbody[data-loaded]');
    expectSafe('/sources', await page.evaluate(domSafety), true);
    await visit(page, '/login', '#login');
    expectSafe('/login', await page.evaluate(domSafety), true);
    await signIn(page, 'viewer');
    const res = await page.goto(`${origin}/editor?topic=${TOPIC}`);
    expect(res?.status()).toBe(403);
    expect(res?.headers()['content-security-policy']).toMatch(/^default-src 'none'/);
    expectSafe('forbidden page', await page.evaluate(domSafety), true);
    await page.close();
  });

  it('the HTML digest (draft and final, zh and en) in the browser', async () => {
    const { digest } = stack.runtime.config.app;
    const date = digestDateAt(candidateTime(records[0]!), digest.timeZone, digest.cutoffHour);
    // Publish the edition (the two payload stories accepted above): the final edition is frozen from them.
    const editor = { authorization: `Bearer ${stack.token.editor}`, 'content-type': 'application/json' };
    const state = (await (await fetch(`${origin}/v1/editions/${date}`, { headers: editor })).json()) as {
      version: number;
    };
    const published = await fetch(`${origin}/v1/editions/${date}/publish`, {
      method: 'POST',
      headers: editor,
      body: JSON.stringify({ version: state.version }),
    });
    expect(published.status, await published.clone().text()).toBe(200);
    const page = await chrome.newPage();
    await signIn(page, 'viewer');
    for (const [lang, edition] of [
      ['zh', 'draft'],
      ['en', 'draft'],
      ['zh', 'final'],
      ['en', 'final'],
    ]) {
      const path = `/v1/digests/${date}?format=html&lang=${lang}&edition=${edition}`;
      const res = await page.goto(`${origin}${path}`);
      expect(res?.status(), path).toBe(200);
      expect(res?.headers()['content-security-policy'], path).toMatch(/default-src 'none'/);
      const text = await page.textContent('body');
      expect(
        PAYLOADS.some((p) => text?.includes(p.trim().slice(0, 20))),
        path,
      ).toBe(true);
      expectSafe(path, await page.evaluate(domSafety), false);
      await chrome.screenshot(page, `xss-digest-html-${edition}-${lang}`);
    }
    await page.close();
  });

  it('no page opened a dialog', () => {
    reportFigures({ xssDialogs: chrome.dialogs.length, xssPayloads: PAYLOADS.length });
    expect(chrome.dialogs).toEqual([]);
    expect(checked.length).toBeGreaterThanOrEqual(20);
  });
});
