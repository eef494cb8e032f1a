/**
 * Digest editions on real Redis (own key prefix), through the API built with buildApi and real tokens: drafts
 * from accepted entries (zh edits in md/html/json), the automatic draft from the day's best records, the
 * editors' order, removal, publication with per-bulletin issue numbers (1, 2, … — not the day of the year),
 * publishing twice, late accepts landing in the next unpublished edition, concurrent place vs publish, the
 * frozen final edition, the archive, the audit trail and the roles. Records go through the real record store;
 * entries are placed through the edition store (as the candidates workflow does).
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiInstance, buildApi } from '../../src/api/app.js';
import { whenReady } from '../../src/api/redis-ready.js';
import { createLogger } from '../../src/log.js';
import { buildEdition } from '../../src/pipeline/digest/edition.js';
import { buildDigest, dayOfYear, renderDigest, selectionOptions } from '../../src/pipeline/digest/index.js';
import { createKeywords } from '../../src/pipeline/digest/keywords.js';
import type { DigestRecord } from '../../src/pipeline/types.js';
import { connect } from '../../src/runtime/redis.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { type AuditStore, createRedisAuditStore } from '../../src/store/audit.js';
import { createRedisEditionStore, type EditionStore } from '../../src/store/editions.js';
import { createRedisTokenStore, type TokenStore } from '../../src/store/tokens.js';
import type { AcceptedEntry } from '../../src/store/types.js';
import { baseConfig, cleanup, startRuntime, withPrefix } from '../helpers/runtime.js';
import { dayRecords } from '../unit/digest-fixture-records.js';

const NOW = Date.parse('2023-10-25T12:00:00Z');
const log = createLogger({ level: process.env.TEST_LOG ?? 'silent' });

/** Dates of the editions the tests use (each test its own, in file order: the issue counter is shared). */
const FIXTURE_DAY = '2023-10-06';
const A = '2023-10-10';
const B = '2023-10-11';
const AFTER_B = '2023-10-12';
const TWICE = '2023-10-13';
const EMPTY = '2023-10-22';
const ROUNDS = ['2023-11-01', '2023-11-03', '2023-11-05', '2023-11-07', '2023-11-09'];
const HTTP_ROUND = '2023-11-20';
const PER_ROUND = 40;

let runtime: Runtime;
let redis: Redis;
let redis2: Redis;
let tokens: TokenStore;
let app: ApiInstance;
let editions: EditionStore;
let audit: AuditStore;
const token = { viewer: '', editor: '', editor2: '' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A relevant record of digest day `date` (published at 20:00 Shanghai the evening before). */
function rec(id: string, date: string, topic: string, score: number): DigestRecord {
  const base = dayRecords()[0]!;
  const at = new Date(Date.parse(`${date}T00:00:00Z`) - 12 * 3_600_000).toISOString();
  return {
    ...base,
    id,
    storyId: id,
    canonicalId: id,
    title: `Story ${id} <b>in English</b>`,
    summary: `Summary of ${id}.`,
    url: `https://example.org/news/${id}`,
    publishedAt: at,
    relevant: true,
    topic,
    topics: [{ id: topic, score, evidence: [] }],
    duplicates: [],
  };
}

function entry(
  storyId: string,
  date: string,
  section: string,
  edits: AcceptedEntry['edits'] = {},
): AcceptedEntry {
  return { storyId, date, section, edits, by: 'test-editor', at: new Date(NOW).toISOString() };
}

/** The 关键词 line of zh renderings, as the API builds it from the configured glossary and tags. */
const keywords = () => createKeywords(runtime.config.glossary, runtime.config.tags);

const roundIds = (r: number) => Array.from({ length: PER_ROUND + 3 }, (_, i) => `r${r}-${i}`);

const records: DigestRecord[] = [
  rec('a1', A, 'energy-minerals', 0.9),
  rec('a2', A, 'energy-minerals', 0.8),
  rec('a3', A, 'basic-geology', 0.7),
  rec('a4', A, 'hydrogeology', 0.6),
  rec('a5', A, 'marine', 0.99),
  rec('a6', A, 'basic-geology', 0.5),
  rec('b1', B, 'marine', 0.9),
  rec('b2', B, 'energy-minerals', 0.7),
  rec('t1', TWICE, 'marine', 0.9),
  ...ROUNDS.flatMap((d, r) =>
    roundIds(r).map((id, i) => rec(id, d, i % 2 ? 'marine' : 'basic-geology', 0.5)),
  ),
  ...Array.from({ length: PER_ROUND }, (_, i) => rec(`h-${i}`, HTTP_ROUND, 'energy-minerals', 0.5)),
  rec('h-seed', HTTP_ROUND, 'energy-minerals', 0.5),
];

beforeAll(async () => {
  runtime = await startRuntime(withPrefix(baseConfig()), { roles: [], now: () => NOW });
  redis = connect(runtime.redisTarget, 'producer', log);
  redis2 = connect(runtime.redisTarget, 'producer', log);
  expect(await whenReady(redis, 5_000)).toBe(true);
  expect(await whenReady(redis2, 5_000)).toBe(true);
  const prefix = runtime.keys.prefix;
  tokens = createRedisTokenStore({ redis, prefix });
  token.viewer = (await tokens.create('ed-viewer', 'viewer')).token;
  token.editor = (await tokens.create('ed-editor', 'editor')).token;
  token.editor2 = (await tokens.create('ed-editor-2', 'editor')).token;
  const outcomes = await runtime.stores.records.put([...dayRecords(), ...records]);
  expect(outcomes.filter((o) => o === 'emitted').length).toBeGreaterThan(records.length);
  editions = createRedisEditionStore({ redis, prefix });
  audit = createRedisAuditStore({ redis, prefix });
  app = await buildApi({ runtime, log, tokens, redis, now: () => NOW });
}, 30_000);

afterAll(async () => {
  await app?.close();
  await cleanup(runtime);
  redis?.disconnect();
  redis2?.disconnect();
  await runtime?.close();
});

const auth = (who?: keyof typeof token): Record<string, string> =>
  who ? { authorization: `Bearer ${token[who]}` } : {};
const digestOpts = () => ({
  timeZone: runtime.config.app.digest.timeZone,
  cutoffHour: runtime.config.app.digest.cutoffHour,
  perSection: runtime.config.app.digest.perSection,
  topics: runtime.config.topics.topics,
  // The registry's publishes and the selection settings, as the API's drafts use them.
  ...selectionOptions(runtime.config.app.digest, runtime.sources()),
});
const title = (lang: 'zh' | 'en') =>
  lang === 'zh' ? runtime.config.app.digest.titleZh : runtime.config.app.digest.titleEn;

async function digest(date: string, query = '', who: keyof typeof token = 'viewer') {
  return app.inject({ url: `/v1/digests/${date}${query}`, headers: auth(who) });
}
async function state(date: string) {
  const res = await app.inject({ url: `/v1/editions/${date}`, headers: auth('editor') });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}
async function publish(date: string, version: number, who: keyof typeof token = 'editor') {
  return app.inject({
    method: 'POST',
    url: `/v1/editions/${date}/publish`,
    headers: auth(who),
    payload: { version },
  });
}
async function reorder(date: string, section: string, storyIds: unknown, who: keyof typeof token = 'editor') {
  return app.inject({
    method: 'PUT',
    url: `/v1/editions/${date}/sections/${section}/order`,
    headers: auth(who),
    payload: { storyIds },
  });
}
const storyIdsOf = (json: { sections: Array<{ items: Array<{ record: DigestRecord }> }> }) =>
  json.sections.flatMap((s) => s.items.map((i) => i.record.storyId));

describe('drafts', () => {
  it('built from the accepted entries with the editors’ edits: md, html and json, zh and en', async () => {
    expect(
      await editions.place(
        entry('a1', A, 'energy-minerals', { titleZh: '锂矿评估（编辑）', summaryZh: '编辑撰写的中文摘要' }),
      ),
    ).toEqual({ edition: A });
    await editions.place(
      entry('a2', A, 'energy-minerals', { title: 'Edited English title', summary: 'Edited summary' }),
    );
    await editions.place(entry('a3', A, 'basic-geology'));
    // The editor put a hydrogeology story under marine geology.
    await editions.place(entry('a4', A, 'marine'));
    await editions.place(entry('a6', A, 'basic-geology'));

    const st = await state(A);
    expect(st).toMatchObject({ date: A, status: 'draft', issue: null, draft: { source: 'picks', count: 5 } });
    expect(st.order).toEqual({
      'energy-minerals': ['a1', 'a2'],
      'basic-geology': ['a3', 'a6'],
      marine: ['a4'],
    });

    const byId = new Map(records.map((r) => [r.storyId, r]));
    const expected = buildEdition({
      date: A,
      issue: 1,
      picks: st.entries,
      records: byId,
      order: st.order,
      dayRecords: [],
      ...digestOpts(),
    }).digest;
    for (const lang of ['zh', 'en'] as const) {
      for (const format of ['md', 'html'] as const) {
        const res = await digest(A, `?format=${format}&lang=${lang}`);
        expect(res.statusCode).toBe(200);
        expect(res.headers['x-geointel-edition']).toBe('draft');
        expect(res.headers['x-geointel-issue']).toBeUndefined();
        expect(res.body).toBe(
          renderDigest(expected, { format, lang, title: title(lang), keywords: keywords() }),
        );
      }
    }
    const zhMd = (await digest(A, '?format=md&lang=zh')).body;
    expect(zhMd).toContain('锂矿评估（编辑）');
    expect(zhMd).toContain('编辑撰写的中文摘要');
    // a5 scores best of the day, but nobody accepted it.
    expect(zhMd).not.toContain('a5');
    expect(zhMd).toContain('2023年第1期');
    expect((await digest(A, '?format=html&lang=zh')).body).toContain('锂矿评估（编辑）');
    expect((await digest(A, '?format=md&lang=en')).body).toContain('Edited English title');

    const json = (await digest(A, '?format=json&lang=zh')).json();
    expect(json).toMatchObject({
      schema: 'geointel.digest/1',
      edition: 'draft',
      date: A,
      issue: 1,
      count: 5,
    });
    const items = json.sections.flatMap((s: { items: unknown[] }) => s.items);
    expect(items.find((i: { record: DigestRecord }) => i.record.storyId === 'a1')).toMatchObject({
      title: '锂矿评估（编辑）',
      summary: '编辑撰写的中文摘要',
    });
    expect(json.sections.find((s: { id: string }) => s.id === 'marine').items[0].record.storyId).toBe('a4');
    expect(storyIdsOf(json)).toEqual(['a3', 'a6', 'a1', 'a2', 'a4']);
  });

  it('with no accepted entries: the day’s best records (as buildDigest), with the next issue number', async () => {
    const res = await digest(FIXTURE_DAY, '?format=md&lang=zh');
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-geointel-edition']).toBe('draft');
    const day = await runtime.stores.records.storiesBetween(0, Number.MAX_SAFE_INTEGER);
    const expected = buildDigest(day, { date: FIXTURE_DAY, issue: 1, ...digestOpts() });
    expect(expected.count).toBeGreaterThan(0);
    expect(res.body).toBe(
      renderDigest(expected, { format: 'md', lang: 'zh', title: title('zh'), keywords: keywords() }),
    );
    expect((await state(FIXTURE_DAY)).draft).toEqual({ source: 'auto', count: expected.count, omitted: [] });
  });

  it('edition=final before publication is 404; edition=draft is the draft', async () => {
    const final = await digest(A, '?edition=final');
    expect(final.statusCode).toBe(404);
    expect(final.json().error.code).toBe('NOT_FOUND');
    expect((await digest(A, '?edition=draft')).headers['x-geointel-edition']).toBe('draft');
    expect((await digest(A, '?edition=latest')).statusCode).toBe(400);
  });
});

describe('editing a draft', () => {
  it('reorders a section; anything but a permutation of its items is 400; an unknown section 404', async () => {
    const ok = await reorder(A, 'energy-minerals', ['a2', 'a1']);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ date: A, section: 'energy-minerals', storyIds: ['a2', 'a1'] });
    const json = (await digest(A, '?format=json')).json();
    expect(storyIdsOf(json)).toEqual(['a3', 'a6', 'a2', 'a1', 'a4']);
    expect(
      json.sections
        .find((s: { id: string }) => s.id === 'energy-minerals')
        .items.map((i: { n: number }) => i.n),
    ).toEqual([3, 4]);

    for (const bad of [['a2'], ['a2', 'a2'], ['a2', 'a1', 'a3'], ['a2', 'zz'], []]) {
      const res = await reorder(A, 'energy-minerals', bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().error.code).toBe('INPUT_INVALID');
    }
    expect((await reorder(A, 'energy-minerals', 'a1')).statusCode).toBe(400);
    const unknown = await reorder(A, 'no-such-topic', []);
    expect(unknown.statusCode).toBe(404);
    expect((await state(A)).order['energy-minerals']).toEqual(['a2', 'a1']);
  });

  it('placing a story again replaces its entry where it is (new section and edits)', async () => {
    expect(await editions.place(entry('a4', B, 'hydrogeology', { titleZh: '地下水新标题' }))).toEqual({
      edition: A,
    });
    const st = await state(A);
    expect(st.order.marine).toBeUndefined();
    expect(st.order.hydrogeology).toEqual(['a4']);
    expect(st.entries.find((e: AcceptedEntry) => e.storyId === 'a4').edits).toEqual({
      titleZh: '地下水新标题',
    });
    expect((await digest(A, '?format=md&lang=zh')).body).toContain('地下水新标题');
  });

  it('removes an accepted story from a draft (404 when it holds none)', async () => {
    const del = await app.inject({
      method: 'DELETE',
      url: `/v1/editions/${A}/items/a6`,
      headers: auth('editor2'),
    });
    expect(del.statusCode, del.body).toBe(200);
    expect(del.json().removed).toMatchObject({ storyId: 'a6', section: 'basic-geology' });
    expect((await state(A)).order['basic-geology']).toEqual(['a3']);
    const again = await app.inject({
      method: 'DELETE',
      url: `/v1/editions/${A}/items/a6`,
      headers: auth('editor'),
    });
    expect(again.statusCode).toBe(404);
    expect(storyIdsOf((await digest(A, '?format=json')).json())).toEqual(['a3', 'a2', 'a1', 'a4']);
  });
});

describe('publication', () => {
  let finalA = '';

  it('publishes with issue 1, then 2 for the next date (a counter, not the day of the year)', async () => {
    const { version } = await state(A);
    const stale = await publish(A, version - 1);
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('EDITION_CHANGED');

    const res = await publish(A, version);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ issue: 1, date: A, publishedAt: new Date(NOW).toISOString() });

    const b = await publish(B, (await state(B)).version);
    expect(b.statusCode, b.body).toBe(200);
    expect(b.json().issue).toBe(2);
    expect(dayOfYear(B)).not.toBe(2);

    const fin = await digest(A, '?format=md&lang=zh');
    expect(fin.headers['x-geointel-edition']).toBe('final');
    expect(fin.headers['x-geointel-issue']).toBe('1');
    expect(fin.body).toContain('2023年第1期');
    expect(fin.body).toContain('地下水新标题');
    finalA = fin.body;
    const json = (await digest(A, '?format=json&lang=en&edition=final')).json();
    expect(json).toMatchObject({
      edition: 'final',
      issue: 1,
      date: A,
      publishedAt: new Date(NOW).toISOString(),
    });
    expect(storyIdsOf(json)).toEqual(['a3', 'a2', 'a1', 'a4']);
    const finB = await digest(B, '?format=md&lang=en');
    expect(finB.headers['x-geointel-issue']).toBe('2');
    expect(finB.body).toContain('No. 2, 2023');
    expect(await editions.lastIssue()).toBe(2);
  });

  it('publishing twice is 409 EDITION_PUBLISHED; an empty edition 409 EDITION_EMPTY; a published edition cannot change', async () => {
    const again = await publish(A, (await state(A)).version);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('EDITION_PUBLISHED');
    const empty = await publish(EMPTY, 0);
    expect(empty.statusCode).toBe(409);
    expect(empty.json().error.code).toBe('EDITION_EMPTY');
    expect(await editions.lastIssue()).toBe(2);

    const re = await reorder(A, 'energy-minerals', ['a1', 'a2']);
    expect(re.statusCode).toBe(409);
    expect(re.json().error.code).toBe('EDITION_PUBLISHED');
    const del = await app.inject({
      method: 'DELETE',
      url: `/v1/editions/${A}/items/a1`,
      headers: auth('editor'),
    });
    expect(del.json().error.code).toBe('EDITION_PUBLISHED');
    await expect(editions.place(entry('a1', A, 'marine', { titleZh: '改了' }))).rejects.toMatchObject({
      code: 'EDITION_PUBLISHED',
    });
  });

  it('two editors publishing the same edition at once: one issue, one 409', async () => {
    await editions.place(entry('t1', TWICE, 'marine'));
    const { version } = await state(TWICE);
    const res = await Promise.all([publish(TWICE, version, 'editor'), publish(TWICE, version, 'editor2')]);
    expect(res.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(res.find((r) => r.statusCode === 409)!.json().error.code).toBe('EDITION_PUBLISHED');
    expect(res.find((r) => r.statusCode === 200)!.json().issue).toBe(3);
  });

  it('a story accepted after its day was published lands in the first unpublished edition after it; the final is frozen', async () => {
    // A and B (the day after) are published: a late accept of A goes to the day after B.
    expect(await editions.place(entry('a5', A, 'marine', { titleZh: '迟到的故事' }))).toEqual({
      edition: AFTER_B,
    });
    expect((await state(AFTER_B)).entries.map((e: AcceptedEntry) => e.storyId)).toEqual(['a5']);
    expect((await digest(AFTER_B, '?format=md&lang=zh')).body).toContain('迟到的故事');
    const fin = await digest(A, '?format=md&lang=zh');
    expect(fin.body).toBe(finalA);
    expect(fin.body).not.toContain('迟到的故事');
    // The draft view of a published date is rebuilt from its entries; the final stays as published.
    expect((await digest(A, '?format=md&lang=zh&edition=draft')).headers['x-geointel-edition']).toBe('draft');
  });
});

describe('concurrency', () => {
  it('concurrent places and a publish never lose an entry (store level, two connections)', async () => {
    const publisher = createRedisEditionStore({ redis: redis2, prefix: runtime.keys.prefix });
    let builds = 0;
    let before = 0;
    let after = 0;
    const t0 = performance.now();
    for (const [r, date] of ROUNDS.entries()) {
      const ids = roundIds(r);
      // Three accepted beforehand, so the edition is never empty.
      for (const id of ids.slice(0, 3)) await editions.place(entry(id, date, 'basic-geology'));
      // The places spread over ~200 ms (5 ms apart: a publication commits in a gap between two places; it
      // rebuilds while they come faster); it starts at a different point of that spread each round.
      const places = ids.slice(3).map(async (id, i) => {
        await sleep(i * 5);
        return { id, ...(await editions.place(entry(id, date, i % 2 ? 'marine' : 'basic-geology'))) };
      });
      const pub = (async () => {
        await sleep(r * 40);
        return publisher.publish(date, {
          by: 'ed-editor',
          at: new Date(NOW).toISOString(),
          build: async (st, issue) => {
            builds++;
            const got = await Promise.all(st.entries.map((e) => runtime.stores.records.story(e.storyId)));
            return buildEdition({
              date,
              issue,
              picks: st.entries,
              records: new Map(st.entries.map((e, i) => [e.storyId, got[i] ?? null])),
              order: st.order,
              dayRecords: [],
              ...digestOpts(),
            }).digest;
          },
        });
      })();
      const [placed, published] = await Promise.all([Promise.all(places), pub]);
      const final = (await editions.final(date))!;
      expect(final.issue).toBe(published.issue);
      const inFinal = final.digest.sections.flatMap((s) => s.items.map((i) => i.record.storyId));
      const held = (await editions.get(date)).entries.map((e) => e.storyId);
      // The frozen digest is exactly the entries the edition holds.
      expect([...inFinal].sort()).toEqual([...held].sort());
      const next = (await editions.get(placed.find((p) => p.edition !== date)?.edition ?? date)).entries.map(
        (e) => e.storyId,
      );
      for (const p of placed) {
        if (p.edition === date) expect(inFinal, p.id).toContain(p.id);
        else expect(next, p.id).toContain(p.id);
      }
      expect(new Set([...inFinal, ...next]).size).toBe(ids.length);
      for (const id of ids) expect([...inFinal, ...next]).toContain(id);
      const landed = placed.filter((p) => p.edition === date).length;
      before += landed;
      after += placed.length - landed;
    }
    const ms = performance.now() - t0;
    // Numbers for the report: how the places split around the publication, and the publish rebuilds.
    console.log(
      JSON.stringify({
        bench: 'edition-place-vs-publish',
        rounds: ROUNDS.length,
        placesPerRound: PER_ROUND,
        landedBefore: before,
        landedAfter: after,
        publishBuilds: builds,
        ms: Math.round(ms),
      }),
    );
    expect(before + after).toBe(ROUNDS.length * PER_ROUND);
    // Both sides of the race happened: places that made it into a final edition, and places after it.
    expect(before).toBeGreaterThan(0);
    expect(after).toBeGreaterThan(0);
    expect(ms).toBeLessThan(20_000);
  }, 30_000);

  it('over HTTP: a publish racing places either succeeds with every entry or is refused (409) and loses none', async () => {
    await editions.place(entry('h-seed', HTTP_ROUND, 'energy-minerals'));
    const { version } = await state(HTTP_ROUND);
    const ids = Array.from({ length: PER_ROUND }, (_, i) => `h-${i}`);
    const [res, placed] = await Promise.all([
      (async () => {
        await sleep(3);
        return publish(HTTP_ROUND, version);
      })(),
      Promise.all(
        ids.map(async (id, i) => {
          await sleep(i % 8);
          return { id, ...(await editions.place(entry(id, HTTP_ROUND, 'energy-minerals'))) };
        }),
      ),
    ]);
    let final = await editions.final(HTTP_ROUND);
    if (res.statusCode === 409) {
      expect(res.json().error.code).toBe('EDITION_CHANGED');
      expect(final).toBeNull();
      expect(placed.every((p) => p.edition === HTTP_ROUND)).toBe(true);
      const again = await publish(HTTP_ROUND, (await state(HTTP_ROUND)).version);
      expect(again.statusCode, again.body).toBe(200);
      final = await editions.final(HTTP_ROUND);
    } else expect(res.statusCode, res.body).toBe(200);
    const inFinal = final!.digest.sections.flatMap((s) => s.items.map((i) => i.record.storyId));
    expect(inFinal).toContain('h-seed');
    for (const p of placed) {
      if (p.edition === HTTP_ROUND) expect(inFinal).toContain(p.id);
      else expect((await editions.get(p.edition)).entries.map((e) => e.storyId)).toContain(p.id);
    }
    console.log(
      JSON.stringify({ bench: 'edition-http-publish-race', status: res.statusCode, inFinal: inFinal.length }),
    );
  }, 30_000);
});

describe('archive, audit, roles', () => {
  it('lists published editions newest first with their issue numbers, in pages', async () => {
    const res = await app.inject({ url: '/v1/editions', headers: auth('viewer') });
    expect(res.statusCode, res.body).toBe(200);
    const { items, next } = res.json();
    expect(next).toBeNull();
    const dates = items.map((i: { date: string }) => i.date);
    expect(dates).toEqual([HTTP_ROUND, ...[...ROUNDS].reverse(), TWICE, B, A]);
    expect(items.at(-1)).toEqual({ date: A, issue: 1, publishedAt: new Date(NOW).toISOString() });
    expect(items.find((i: { date: string }) => i.date === B).issue).toBe(2);
    expect(new Set(items.map((i: { issue: number }) => i.issue)).size).toBe(items.length);

    const seen: string[] = [];
    let before: string | null = null;
    do {
      const page = await app.inject({
        url: `/v1/editions?limit=3${before ? `&before=${before}` : ''}`,
        headers: auth('viewer'),
      });
      const body = page.json() as { items: Array<{ date: string }>; next: string | null };
      expect(body.items.length).toBeLessThanOrEqual(3);
      seen.push(...body.items.map((i: { date: string }) => i.date));
      before = body.next;
    } while (before && seen.length < 50);
    expect(seen).toEqual(dates);
    expect((await app.inject({ url: '/v1/editions?limit=0', headers: auth('viewer') })).statusCode).toBe(400);
  });

  it('every editor action is in the audit trail of edition:<date>, with actor, before and after', async () => {
    const trail = await audit.of(`edition:${A}`);
    const actions = trail.map((e) => `${e.action} ${e.actor.name}`);
    expect(actions).toEqual([
      'edition.reorder ed-editor',
      'edition.remove ed-editor-2',
      'edition.publish ed-editor',
    ]);
    expect(trail[0]).toMatchObject({
      target: `edition:${A}`,
      before: { section: 'energy-minerals', storyIds: ['a1', 'a2'] },
      after: { section: 'energy-minerals', storyIds: ['a2', 'a1'] },
      actor: { name: 'ed-editor', role: 'editor' },
    });
    expect(trail[1]).toMatchObject({ before: { storyId: 'a6' }, after: null });
    expect(trail[2]).toMatchObject({
      after: { status: 'published', issue: 1, storyIds: ['a3', 'a2', 'a1', 'a4'] },
    });
  });

  it('viewers read digests and the archive but cannot see, reorder, publish or remove; no token is 401', async () => {
    const calls = [
      { method: 'GET' as const, url: `/v1/editions/${EMPTY}` },
      {
        method: 'PUT' as const,
        url: `/v1/editions/${EMPTY}/sections/marine/order`,
        payload: { storyIds: [] },
      },
      { method: 'POST' as const, url: `/v1/editions/${EMPTY}/publish`, payload: { version: 0 } },
      { method: 'DELETE' as const, url: `/v1/editions/${EMPTY}/items/a1` },
    ];
    for (const c of calls) {
      const viewer = await app.inject({ ...c, headers: auth('viewer') });
      expect(viewer.statusCode, `${c.method} ${c.url}`).toBe(403);
      const nobody = await app.inject({ ...c });
      expect(nobody.statusCode, `${c.method} ${c.url}`).toBe(401);
    }
    expect((await app.inject({ url: '/v1/editions' })).statusCode).toBe(401);
    expect((await digest(EMPTY)).statusCode).toBe(200);
    expect(await editions.final(EMPTY)).toBeNull();
    expect((await audit.of(`edition:${EMPTY}`)).length).toBe(0);
  });
});

describe('move (one script)', () => {
  const MOVE_DAY = '2023-12-01';
  it('moves a draft item to another section with its edits, appended; same section is a no-op', async () => {
    await editions.place(entry('mv-1', MOVE_DAY, 'marine', { titleZh: '海底火山' }));
    await editions.place(entry('mv-2', MOVE_DAY, 'basic-geology'));
    const v0 = (await editions.get(MOVE_DAY)).version;
    expect(await editions.move(MOVE_DAY, 'mv-1', 'basic-geology')).toEqual({
      before: 'marine',
      version: v0 + 1,
    });
    const s = await editions.get(MOVE_DAY);
    expect(s.order['basic-geology']).toEqual(['mv-2', 'mv-1']);
    expect(s.order.marine).toBeUndefined();
    expect(s.entries.find((e) => e.storyId === 'mv-1')).toMatchObject({
      section: 'basic-geology',
      edits: { titleZh: '海底火山' },
    });
    expect(await editions.move(MOVE_DAY, 'mv-1', 'basic-geology')).toEqual({
      before: 'basic-geology',
      version: v0 + 1,
    });
    await expect(editions.move(MOVE_DAY, 'absent', 'marine')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a move racing a remove never puts the story back', async () => {
    const day = '2023-12-02';
    for (let round = 0; round < 20; round++) {
      const id = `race-${round}`;
      await editions.place(entry(id, day, 'marine'));
      const [moved, removed] = await Promise.allSettled([
        editions.move(day, id, 'hydrogeology'),
        editions.remove(day, id),
      ]);
      expect(removed.status).toBe('fulfilled');
      if (moved.status === 'rejected') expect(moved.reason).toMatchObject({ code: 'NOT_FOUND' });
      const s = await editions.get(day);
      expect(s.entries.some((e) => e.storyId === id)).toBe(false);
      expect(Object.values(s.order).flat()).not.toContain(id);
    }
  });
});
