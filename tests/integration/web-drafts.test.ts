/**
 * Machine drafts and the runner-up section in the pages (issues #11, #12), in Debian's chromium on the real
 * Redis (own key prefix; no intake: the test stores its own records and drafts):
 * - the editor queue shows a candidate's machine draft beside the zh fields, marked as one (backend, model),
 *   leaves the zh fields empty until "use draft", and only the editor's accept stores the text — checked
 *   through the API (the edition's entry and the draft digest in Chinese); a candidate whose draft was not
 *   used publishes no zh title; a failed draft's note is shown;
 * - "also fits <section>" with the runner-up's score, and "move to that section" in the editor queue (the
 *   section select) and in the digest builder (PUT /v1/editions/:date/items/:storyId/section, edits kept);
 * - the new strings in the zh interface come from the zh catalogue;
 * - the move route's refusals (400, 404, 403, 409 once published) and its audit entry.
 * Truth comes from the API, never from the pages.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidateTime } from '../../src/pipeline/candidates.js';
import { digestDateAt } from '../../src/pipeline/digest/zoned.js';
import type { DigestRecord } from '../../src/pipeline/types.js';
import type { MachineDraft } from '../../src/store/drafts.js';
import type { TokenRole } from '../../src/store/tokens.js';
import { MESSAGES } from '../../src/web/messages.js';
import { type Chromium, launchChromium } from '../helpers/browser.js';
import { catalogueKeys, visibleTexts } from '../helpers/page-scan.js';
import { startWebStack, type WebStack } from '../helpers/web.js';

const TOPIC = 'basic-geology';
let stack: WebStack;
let chrome: Chromium;
let origin = '';
let date = '';
const measured: Record<string, number> = {};

/** Every record is two hours old: one digest day for all of them. */
const AT = new Date(Date.now() - 2 * 3_600_000).toISOString();

function rec(key: string, title: string, over: Partial<DigestRecord> = {}): DigestRecord {
  const id = `wd-${key}`;
  return {
    schema: 'geointel.record/1',
    id,
    storyId: id,
    canonicalId: id,
    title,
    summary: `${title}: what the survey found and where.`,
    url: `https://www.usgs.gov/news/${id}`,
    source: { id: 'usgs-news', name: 'U.S. Geological Survey', nameZh: '美国地质调查局', shortName: 'USGS' },
    publishedAt: AT,
    fetchedAt: AT,
    language: 'en',
    relevant: true,
    topic: TOPIC,
    topics: [{ id: TOPIC, score: 0.81, evidence: ['fault'] }],
    tags: { commodities: [], countries: ['US'] },
    duplicates: [],
    citation: { zh: '（美国地质调查局）', en: '(USGS)' },
    ...over,
  };
}

const R = {
  /** A draft by an OpenAI-compatible backend, used by the editor. */
  used: rec('used', 'Survey maps a new fault zone in Nevada', {
    runnerUp: { id: 'hydrogeology', score: 0.41 },
  }),
  /** A LibreTranslate draft with a note the editor does not use; a record stored before #12 (no runnerUp). */
  unused: rec('unused', 'Geologists date volcanic ash layers in Oregon'),
  /** A failed draft: a note, no text; runnerUp null. */
  failed: rec('failed', 'Landslide inventory updated for Alaska', { runnerUp: null }),
  /** Moved to its runner-up in the editor queue. */
  move: rec('move', 'Seafloor sediment cores reveal past tsunamis', {
    runnerUp: { id: 'marine', score: 0.487 },
  }),
  /** Accepted through the API, moved in the digest builder (with an edited title that must stay). */
  builder: rec('builder', 'Groundwater study finds deep aquifer recharge', {
    runnerUp: { id: 'hydrogeology', score: 0.52 },
  }),
  /** Stays in the queue for the zh interface. */
  zh: rec('zh', 'New geological map of the Appalachian basin released', {
    runnerUp: { id: 'marine', score: 0.333 },
  }),
};

const DRAFTS: Record<string, Omit<MachineDraft, 'storyId'>> = {
  [R.used.storyId]: {
    titleZh: '调查发现内华达州新断裂带',
    summaryZh: '美国地质调查局绘制了内华达州一条新断裂带的分布图。',
    backend: 'openai',
    model: 'qwen2.5-7b-instruct',
    from: 'en',
    at: AT,
  },
  [R.unused.storyId]: {
    titleZh: '地质学家测定俄勒冈州火山灰层年代',
    summaryZh: '研究人员测定了俄勒冈州多层火山灰的年代。',
    backend: 'libretranslate',
    from: 'en',
    at: AT,
    note: 'summary shortened to 2 000 characters for the backend',
  },
  [R.failed.storyId]: {
    titleZh: null,
    summaryZh: null,
    backend: 'libretranslate',
    from: 'en',
    at: AT,
    note: 'translation failed: TIMEOUT',
  },
  [R.zh.storyId]: {
    titleZh: '阿巴拉契亚盆地新地质图发布',
    summaryZh: '新版地质图覆盖整个阿巴拉契亚盆地。',
    backend: 'openai',
    model: 'qwen2.5-7b-instruct',
    from: 'en',
    at: AT,
  },
};

const topicName = (id: string, lang: 'en' | 'zh' = 'en') => {
  const t = stack.runtime.config.topics.topics.find((x) => x.id === id)!;
  return lang === 'zh' ? t.nameZh : t.name;
};

beforeAll(async () => {
  stack = await startWebStack({ intake: false });
  origin = stack.origin;
  const records = Object.values(R);
  expect(await stack.runtime.stores.records.put(records)).toEqual(records.map(() => 'emitted'));
  for (const [storyId, d] of Object.entries(DRAFTS)) await stack.runtime.stores.drafts.put({ storyId, ...d });
  const { digest } = stack.runtime.config.app;
  date = digestDateAt(candidateTime(R.used), digest.timeZone, digest.cutoffHour);
  chrome = await launchChromium();
}, 120_000);

afterAll(async () => {
  console.log(`web-drafts measurements: ${JSON.stringify(measured)}`);
  await chrome?.close();
  await stack?.close();
});

async function call(role: TokenRole, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${origin}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${stack.token[role]}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function apiAs<T>(role: TokenRole, method: string, path: string, body?: unknown): Promise<T> {
  const res = await call(role, method, path, body);
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface EditionState {
  version: number;
  status: string;
  entries: Array<{ storyId: string; section: string; edits: Record<string, string> }>;
  order: Record<string, string[]>;
}
interface DigestJson {
  sections: Array<{ id: string; items: Array<{ title: string; summary: string; record: DigestRecord }> }>;
}
const edition = () => apiAs<EditionState>('editor', 'GET', `/v1/editions/${date}`);
const draftDigest = (lang: 'zh' | 'en') =>
  apiAs<DigestJson>('viewer', 'GET', `/v1/digests/${date}?format=json&lang=${lang}&edition=draft`);
const itemOf = (d: DigestJson, storyId: string) =>
  d.sections
    .flatMap((s) => s.items.map((i) => ({ section: s.id, ...i })))
    .find((i) => i.record.storyId === storyId);

async function signIn(page: Page, role: TokenRole, path: string): Promise<void> {
  const lang = (await chrome.context.cookies()).filter((c) => c.name === 'gi_lang');
  await chrome.context.clearCookies();
  if (lang.length) await chrome.context.addCookies(lang);
  await page.goto(`${origin}/login?next=${encodeURIComponent(path)}`);
  await page.fill('#token', stack.token[role]);
  await Promise.all([page.waitForURL(`${origin}${path}`), page.click('#login-submit')]);
}

/** Waits until an element's text is `want` (10 s at most). */
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

async function openCandidate(page: Page, storyId: string): Promise<void> {
  await page.click(`#queue li[data-story="${storyId}"]`);
  await page.waitForSelector(`.source-text[data-story="${storyId}"]`);
}

async function claimAndAccept(page: Page, storyId: string): Promise<void> {
  await page.click('#claim');
  await waitText(page, '#claim-state', MESSAGES.en['editor.claimedByYou']);
  await page.click('#accept');
  await page.waitForSelector(`#queue li[data-story="${storyId}"]`, { state: 'detached' });
}

describe('machine drafts in the editor queue', () => {
  it('shows the draft marked as one; the zh fields stay empty until "use draft"; only accept stores it', async () => {
    const page = await chrome.newPage();
    await signIn(page, 'editor', `/editor?topic=${TOPIC}`);
    await page.waitForSelector(`#queue[data-loaded] li[data-story="${R.used.storyId}"]`);
    // The queue marks the candidates with a draft that has text (not the failed one).
    for (const [r, badge] of [
      [R.used, true],
      [R.unused, true],
      [R.failed, false],
      [R.move, false],
    ] as const)
      expect(await page.locator(`#queue li[data-story="${r.storyId}"] .draft-badge`).count(), r.storyId).toBe(
        badge ? 1 : 0,
      );

    const d = DRAFTS[R.used.storyId]!;
    await openCandidate(page, R.used.storyId);
    await page.waitForSelector('#machine-draft');
    expect(await page.textContent('#machine-draft h3')).toBe(MESSAGES.en['editor.draft']);
    const by = (await page.textContent('#draft-by')) ?? '';
    expect(by).toContain('openai');
    expect(by).toContain('qwen2.5-7b-instruct');
    expect(await page.textContent('#draft-titleZh')).toBe(d.titleZh);
    expect(await page.textContent('#draft-summaryZh')).toBe(d.summaryZh);
    // Never prefilled silently.
    expect(await page.inputValue('#f-titleZh')).toBe('');
    expect(await page.inputValue('#f-summaryZh')).toBe('');
    await page.click('#claim');
    await waitText(page, '#claim-state', MESSAGES.en['editor.claimedByYou']);
    // Still nothing stored: the candidate is open, no edition holds it.
    expect((await edition()).entries.map((e) => e.storyId)).not.toContain(R.used.storyId);
    await page.click('#use-draft');
    expect(await page.inputValue('#f-titleZh')).toBe(d.titleZh);
    expect(await page.inputValue('#f-summaryZh')).toBe(d.summaryZh);
    await waitText(page, '#editor-message', MESSAGES.en['editor.draftUsed']);
    // The editor edits the draft, then accepts.
    const summaryZh = `${d.summaryZh}该断裂带长约四十千米。`;
    await page.fill('#f-summaryZh', summaryZh);
    await chrome.screenshot(page, 'editor-machine-draft');
    await page.click('#accept');
    await page.waitForSelector('#open-digest');
    const entry = (await edition()).entries.find((e) => e.storyId === R.used.storyId);
    expect(entry?.edits).toEqual({ titleZh: d.titleZh, summaryZh });
    const zh = itemOf(await draftDigest('zh'), R.used.storyId);
    expect(zh?.title).toBe(d.titleZh);
    expect(zh?.summary).toBe(summaryZh);

    // A candidate whose draft is not used: accepted with empty zh fields, it publishes no zh title.
    await openCandidate(page, R.unused.storyId);
    await page.waitForSelector('#machine-draft');
    expect(await page.textContent('#draft-note span')).toBe(DRAFTS[R.unused.storyId]!.note);
    expect(await page.textContent('#draft-by')).toContain('libretranslate');
    expect(await page.inputValue('#f-titleZh')).toBe('');
    // A record stored before #12 has no runner-up: no "also fits" line.
    expect(await page.isHidden('#also-fits')).toBe(true);
    await claimAndAccept(page, R.unused.storyId);
    const unused = (await edition()).entries.find((e) => e.storyId === R.unused.storyId);
    expect(unused?.edits).toEqual({});
    const plain = itemOf(await draftDigest('zh'), R.unused.storyId);
    expect(plain?.title).toBe(R.unused.title);
    expect(plain?.record.titleZh).toBeUndefined();
    const story = await apiAs<DigestRecord>('viewer', 'GET', `/v1/stories/${R.unused.storyId}`);
    expect(story.titleZh).toBeUndefined();
    expect(story.summaryZh).toBeUndefined();

    // A failed draft: its note, no text and no "use draft".
    await openCandidate(page, R.failed.storyId);
    await page.waitForSelector('#draft-note');
    expect(await page.textContent('#draft-note span')).toBe('translation failed: TIMEOUT');
    expect(await page.locator('#use-draft').count()).toBe(0);
    expect(await page.locator('#draft-titleZh').count()).toBe(0);
    expect(await page.textContent('#machine-draft')).toContain(MESSAGES.en['editor.draftEmpty']);
    expect(await page.inputValue('#f-titleZh')).toBe('');
    expect(await page.isHidden('#also-fits')).toBe(true);
    await chrome.screenshot(page, 'editor-machine-draft-failed');
    await page.close();
  });
});

describe('the runner-up section', () => {
  it('the editor queue offers "also fits <section>" and moves the section select there in one click', async () => {
    const page = await chrome.newPage();
    await signIn(page, 'editor', `/editor?topic=${TOPIC}`);
    await page.waitForSelector(`#queue[data-loaded] li[data-story="${R.move.storyId}"]`);
    await openCandidate(page, R.move.storyId);
    const line = MESSAGES.en['editor.alsoFits']
      .replace('{section}', topicName('marine'))
      .replace('{score}', '0.49');
    await waitText(page, '#also-fits span', line);
    expect(await page.inputValue('#f-section')).toBe(TOPIC);
    await page.click('#move-section');
    expect(await page.inputValue('#f-section')).toBe('marine');
    // Now in the runner-up's section, the line offers the first choice back.
    await waitText(
      page,
      '#also-fits span',
      MESSAGES.en['editor.alsoFits'].replace('{section}', topicName(TOPIC)).replace('{score}', '0.81'),
    );
    await chrome.screenshot(page, 'editor-runner-up');
    await claimAndAccept(page, R.move.storyId);
    const entry = (await edition()).entries.find((e) => e.storyId === R.move.storyId);
    expect(entry?.section).toBe('marine');
    expect(itemOf(await draftDigest('en'), R.move.storyId)?.section).toBe('marine');
    await page.close();
  });

  it('the digest builder shows it on each item and moves an accepted item there, edits kept', async () => {
    // Accepted through the API with an edited title, in its first-choice section.
    const title = 'Deep aquifer recharge measured in Groundwater study';
    await apiAs('editor', 'POST', `/v1/candidates/${R.builder.storyId}/accept`, { title });
    const page = await chrome.newPage();
    await signIn(page, 'editor', `/digest?date=${date}`);
    const li = (section: string, storyId: string) =>
      `#bulletin section[data-section="${section}"] li[data-story="${storyId}"]`;
    await page.waitForSelector(`${li(TOPIC, R.builder.storyId)} .also-fits`);
    expect(await page.getAttribute(`${li(TOPIC, R.builder.storyId)} .also-fits`, 'data-runner-up')).toBe(
      'hydrogeology',
    );
    expect(await page.textContent(`${li(TOPIC, R.builder.storyId)} .also-fits`)).toBe(
      `${MESSAGES.en['digest.alsoFits'].replace('{section}', topicName('hydrogeology')).replace('{score}', '0.52')} ${MESSAGES.en['digest.moveSection']}`,
    );
    // The item the editor moved to marine offers its first choice back; the item without a runner-up, nothing.
    expect(await page.getAttribute(`${li('marine', R.move.storyId)} .also-fits`, 'data-runner-up')).toBe(
      TOPIC,
    );
    expect(await page.locator(`${li(TOPIC, R.unused.storyId)} .also-fits`).count()).toBe(0);
    const before = await edition();
    const t0 = Date.now();
    await page.click(`${li(TOPIC, R.builder.storyId)} button.move-section`);
    await page.waitForSelector(li('hydrogeology', R.builder.storyId));
    measured.builderMoveMs = Date.now() - t0;
    await waitText(
      page,
      '#digest-message',
      MESSAGES.en['digest.sectionMoved'].replace('{section}', topicName('hydrogeology')),
    );
    expect(await page.locator(li(TOPIC, R.builder.storyId)).count()).toBe(0);
    const after = await edition();
    const entry = after.entries.find((e) => e.storyId === R.builder.storyId);
    expect(entry?.section).toBe('hydrogeology');
    expect(entry?.edits).toEqual({ title });
    expect(after.order.hydrogeology).toEqual([R.builder.storyId]);
    expect(after.order[TOPIC]).not.toContain(R.builder.storyId);
    expect(after.version).toBeGreaterThan(before.version);
    const moved = itemOf(await draftDigest('en'), R.builder.storyId);
    expect(moved?.section).toBe('hydrogeology');
    expect(moved?.title).toBe(title);
    await chrome.screenshot(page, 'digest-runner-up');
    // And back: the line now offers the first choice.
    await page.click(`${li('hydrogeology', R.builder.storyId)} button.move-section`);
    await page.waitForSelector(li(TOPIC, R.builder.storyId));
    expect((await edition()).entries.find((e) => e.storyId === R.builder.storyId)?.section).toBe(TOPIC);
    // Audited on the edition.
    const trail = await apiAs<{
      items: Array<{
        action: string;
        target: string;
        actor: { name: string };
        before: unknown;
        after: unknown;
      }>;
    }>('admin', 'GET', '/v1/audit?limit=20');
    const moves = trail.items.filter((e) => e.action === 'edition.move');
    expect(moves.map((e) => [e.target, e.actor.name, e.before, e.after])).toEqual([
      [
        `edition:${date}`,
        'web-editor',
        { storyId: R.builder.storyId, section: 'hydrogeology' },
        { storyId: R.builder.storyId, section: TOPIC },
      ],
      [
        `edition:${date}`,
        'web-editor',
        { storyId: R.builder.storyId, section: TOPIC },
        { storyId: R.builder.storyId, section: 'hydrogeology' },
      ],
    ]);
    await page.close();
  });
});

/** Regular expressions of a catalogue's templates (`{name}` matches any text). */
const templates = (lang: 'zh' | 'en') =>
  Object.values(MESSAGES[lang]).map(
    (v) => new RegExp(`^${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\{\w+\\\}/g, '.*?')}$`, 's'),
  );
const NOT_WORDS = /^[\s\d.,:;·•()（）：，。\-–—/↑↓…%+×|]*$/;

describe('the zh interface', () => {
  it('the draft, the runner-up line and the move are in Chinese, from the zh catalogue', async () => {
    const zh = templates('zh');
    const page = await chrome.newPage();
    await chrome.context.addCookies([{ name: 'gi_lang', value: 'zh', url: origin }]);
    await signIn(page, 'editor', `/editor?topic=${TOPIC}`);
    const problems: string[] = [];
    const scan = async (label: string) => {
      const cat = await page.evaluate(catalogueKeys);
      expect(cat.messages, label).toEqual(MESSAGES.zh);
      for (const v of await page.evaluate(visibleTexts)) {
        if (v.data || NOT_WORDS.test(v.text)) continue;
        const text = v.text.replace(/^[\s:：·]+|[\s:：·]+$/g, '');
        if (!zh.some((re) => re.test(text))) problems.push(`${label} <${v.tag}>: ${v.text}`);
      }
    };
    await page.waitForSelector(`#queue[data-loaded] li[data-story="${R.zh.storyId}"]`);
    await openCandidate(page, R.zh.storyId);
    await page.waitForSelector('#history li');
    expect(await page.textContent('#machine-draft h3')).toBe('机器草稿');
    expect(await page.textContent('#use-draft')).toBe(MESSAGES.zh['editor.useDraft']);
    await waitText(page, '#also-fits span', `也适合 ${topicName('marine', 'zh')}（得分 0.33）`);
    expect(await page.textContent('#move-section')).toBe(MESSAGES.zh['editor.moveSection']);
    await scan('/editor');
    await chrome.screenshot(page, 'editor-machine-draft-zh');
    await page.goto(`${origin}/digest?date=${date}`);
    await page.waitForSelector('#bulletin[data-version] .also-fits button.move-section');
    await scan('/digest');
    expect(problems).toEqual([]);
    await chrome.context.addCookies([{ name: 'gi_lang', value: 'en', url: origin }]);
    await page.close();
  });
});

describe('PUT /v1/editions/:date/items/:storyId/section', () => {
  it('refuses an unknown section, a story the edition does not hold, a viewer, and a published edition', async () => {
    const path = (storyId: string) => `/v1/editions/${date}/items/${storyId}/section`;
    const code = async (res: Response) => [
      res.status,
      ((await res.json()) as { error: { code: string } }).error.code,
    ];
    expect(
      await code(await call('editor', 'PUT', path(R.builder.storyId), { section: 'no-such-topic' })),
    ).toEqual([400, 'INPUT_INVALID']);
    expect(await code(await call('editor', 'PUT', path(R.zh.storyId), { section: 'marine' }))).toEqual([
      404,
      'NOT_FOUND',
    ]);
    expect(await code(await call('viewer', 'PUT', path(R.builder.storyId), { section: 'marine' }))).toEqual([
      403,
      'FORBIDDEN',
    ]);
    // Moving to the section it is in changes nothing.
    const state = await edition();
    const same = await apiAs<{ version: number; before: string }>('editor', 'PUT', path(R.builder.storyId), {
      section: TOPIC,
    });
    expect(same).toMatchObject({ version: state.version, before: TOPIC });
    // Published: frozen. The builder still shows the line, without the move.
    await apiAs('editor', 'POST', `/v1/editions/${date}/publish`, { version: state.version });
    expect(await code(await call('editor', 'PUT', path(R.builder.storyId), { section: 'marine' }))).toEqual([
      409,
      'EDITION_PUBLISHED',
    ]);
    const page = await chrome.newPage();
    await signIn(page, 'editor', `/digest?date=${date}`);
    await page.waitForSelector('#bulletin[data-status="published"] .also-fits');
    // used (runner-up hydrogeology), move (in marine, its runner-up: offers basic-geology back), builder.
    expect(await page.locator('#bulletin .also-fits').count()).toBe(3);
    expect(await page.locator('#bulletin button.move-section').count()).toBe(0);
    await page.close();
  });
});
