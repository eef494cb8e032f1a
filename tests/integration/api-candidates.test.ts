/**
 * The editors' workflow on real Redis (own key prefix) through the real API (`buildApi`, real tokens, real
 * sockets for the races): candidates best first by the documented score, claims as leases (many editors racing
 * for one candidate: exactly one holds it; an expired lease returns it to the pool), release, reject with a
 * reason, accept with a section change and zh edits (shown by the draft digest), the pool's age limit, the audit
 * trail of every action, role checks, and add by URL through the hardened fetcher (a loopback page becomes a
 * candidate only where fetch.allowPrivate lists loopback; loopback and metadata URLs are SSRF_BLOCKED otherwise).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiInstance, buildApi } from '../../src/api/app.js';
import { whenReady } from '../../src/api/redis-ready.js';
import type { Config } from '../../src/config/load.js';
import { relaySourceIds } from '../../src/config/sources-schema.js';
import { createLogger } from '../../src/log.js';
import { candidateScore } from '../../src/pipeline/candidates.js';
import { digestDateAt } from '../../src/pipeline/digest/zoned.js';
import type { DigestRecord } from '../../src/pipeline/types.js';
import { connect } from '../../src/runtime/redis.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { createRedisTokenStore, type TokenRole, type TokenStore } from '../../src/store/tokens.js';
import { baseConfig, cleanup, startRuntime, withPrefix } from '../helpers/runtime.js';

const HOUR = 3_600_000;
/** The API's clock: fixed for the test (leases still run on Redis's clock). */
const NOW = Math.floor(Date.now() / 1000) * 1000;
const log = createLogger({ level: process.env.TEST_LOG ?? 'silent' });
const EDITORS = ['ed-0', 'ed-1', 'ed-2', 'ed-3', 'ed-4', 'ed-5', 'ed-6', 'ed-7'];

let runtime: Runtime;
let redis: Redis;
let tokens: TokenStore;
/** Default settings: claimSeconds 900, no private addresses for the fetcher. */
let app: ApiInstance;
/** claimSeconds 1. */
let shortApp: ApiInstance;
/** fetch.allowPrivate = 127.0.0.0/8. */
let openApp: ApiInstance;
let base = '';
const token: Record<string, string> = {};
let pages: http.Server;
let pageOrigin = '';
const hits = new Map<string, number>();

/** A runtime view with other application settings (same Redis, same prefix). */
function runtimeWith(app: Partial<Config['app']>): Runtime {
  return { ...runtime, config: { ...runtime.config, app: { ...runtime.config.app, ...app } } };
}

const auth = (who: string): Record<string, string> => ({ authorization: `Bearer ${token[who]}` });

/** A relevant record of `topic` published `hoursAgo` before NOW. */
function rec(
  id: string,
  o: {
    topic?: string;
    relevance?: number;
    hoursAgo?: number;
    source?: string;
    url?: string;
    topics?: DigestRecord['topics'];
  } = {},
): DigestRecord {
  const topic = o.topic ?? 'hydrogeology';
  const source = o.source ?? 'usgs-news';
  return {
    schema: 'geointel.record/1',
    id,
    storyId: id,
    canonicalId: id,
    title: `Groundwater story ${id}`,
    summary: `Summary of ${id}.`,
    url: o.url ?? `https://www.usgs.gov/news/${id}`,
    source: { id: source, name: source },
    publishedAt: new Date(NOW - (o.hoursAgo ?? 1) * HOUR).toISOString(),
    fetchedAt: new Date(NOW).toISOString(),
    language: 'en',
    relevant: true,
    topic,
    topics: o.topics ?? [{ id: topic, score: o.relevance ?? 0.7, evidence: ['groundwater'] }],
    tags: { commodities: [], countries: [] },
    duplicates: [],
    citation: { zh: `（${source}）`, en: `(${source})` },
  };
}

async function put(...records: DigestRecord[]): Promise<void> {
  const out = await runtime.stores.records.put(records);
  expect(out.every((o) => o === 'emitted')).toBe(true);
}

/** A JSON answer as the tests read it (shapes are asserted field by field). */
// biome-ignore lint/suspicious/noExplicitAny: answers are JSON, checked by the assertions
type Json = any;
type Answer = { status: number; body: Json };

async function call(
  who: string | null,
  method: 'GET' | 'POST',
  url: string,
  payload?: unknown,
  api: ApiInstance = app,
): Promise<Answer> {
  const res = await api.inject({
    method,
    url,
    headers: who ? auth(who) : {},
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return {
    status: res.statusCode,
    body: String(res.headers['content-type'] ?? '').includes('json') ? res.json() : res.body,
  };
}

const list = (who: string, topic: string, api: ApiInstance = app) =>
  call(who, 'GET', `/v1/candidates?topic=${topic}&limit=200`, undefined, api);
const ids = (a: Answer): string[] => a.body.items.map((c: { storyId: string }) => c.storyId);
const claim = (who: string, id: string, api: ApiInstance = app) =>
  call(who, 'POST', `/v1/candidates/${id}/claim`, {}, api);
const trail = async (id: string) => (await call('ed-0', 'GET', `/v1/stories/${id}/audit`)).body.items;

const PAGE = (title: string, published: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>${title}</title>
<meta property="og:title" content="${title}">
<meta property="article:published_time" content="${published}">
<meta name="description" content="Hydrogeologists mapped groundwater levels across the Central Valley aquifer system and found that pumping during the drought lowered the water table by up to thirty metres, causing land subsidence and a permanent loss of aquifer storage.">
</head><body><nav><a href="/">Home</a></nav><article><h1>${title}</h1>
<p>Hydrogeologists mapped groundwater levels across the Central Valley aquifer system and found that pumping during the drought lowered the water table by up to thirty metres.</p>
<p>The decline caused land subsidence of more than a metre in places and a permanent loss of aquifer storage, because compacted clay layers cannot hold groundwater again.</p>
<p>The survey recommends managed aquifer recharge and groundwater monitoring wells to restore the aquifer and protect canals from subsidence.</p>
</article></body></html>`;

beforeAll(async () => {
  runtime = await startRuntime(withPrefix(baseConfig()), { roles: [], now: () => NOW });
  redis = connect(runtime.redisTarget, 'producer', log);
  expect(await whenReady(redis, 5_000)).toBe(true);
  tokens = createRedisTokenStore({ redis, prefix: runtime.keys.prefix });
  const roles: Array<[string, TokenRole]> = [
    ['viewer', 'viewer'],
    ['admin', 'admin'],
    ...EDITORS.map((e): [string, TokenRole] => [e, 'editor']),
  ];
  for (const [name, role] of roles) token[name] = (await tokens.create(name, role)).token;
  app = await buildApi({ runtime, log, tokens, redis, now: () => NOW });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  const editors = (claimSeconds: number) => ({ ...runtime.config.app.editors, claimSeconds });
  shortApp = await buildApi({
    runtime: runtimeWith({ editors: editors(1) }),
    log,
    tokens,
    redis,
    now: () => NOW,
  });
  openApp = await buildApi({
    runtime: runtimeWith({ fetch: { ...runtime.config.app.fetch, allowPrivate: ['127.0.0.0/8'] } }),
    log,
    tokens,
    redis,
    now: () => NOW,
  });

  const published = new Date(NOW - 2 * HOUR).toISOString();
  pages = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/robots.txt') res.writeHead(404).end();
    else if (path === '/news/aquifer' || path === '/mirror/aquifer')
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(PAGE('Drought pumping drains the Central Valley aquifer', published));
    else if (path === '/to-metadata')
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    else if (path === '/data.json') res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => pages.listen(0, '127.0.0.1', r));
  pageOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await Promise.all([app?.close(), shortApp?.close(), openApp?.close()]);
  await new Promise((r) => pages?.close(r));
  if (runtime) await cleanup(runtime);
  redis?.disconnect();
  await runtime?.close();
});

describe('GET /v1/candidates', () => {
  it('lists a topic’s candidates best first by the documented score, with its parts and each record', async () => {
    // docs/api.md §Candidates example: A (agency, 0.8, a day old) 0.78 > B (relay only, 0.8, fresh) 0.74 >
    // C (agency, 0.5, fresh) 0.70.
    const a = rec('rank-a', { topic: 'marine', relevance: 0.8, hoursAgo: 24 });
    const b = rec('rank-b', {
      topic: 'marine',
      relevance: 0.8,
      hoursAgo: 0,
      source: 'sciencedaily',
      url: 'https://www.sciencedaily.com/releases/2025/12/b.htm',
    });
    const c = rec('rank-c', { topic: 'marine', relevance: 0.5, hoursAgo: 0 });
    await put(c, b, a);
    const res = await list('ed-0', 'marine');
    expect(res.status).toBe(200);
    const mine = res.body.items.filter((x: { storyId: string }) => x.storyId.startsWith('rank-'));
    expect(mine.map((x: { storyId: string }) => x.storyId)).toEqual(['rank-a', 'rank-b', 'rank-c']);
    expect(mine.map((x: { score: number }) => x.score)).toEqual([0.78, 0.74, 0.7]);
    const relays = new Set(relaySourceIds(runtime.sources()));
    for (const [x, r] of [
      [mine[0], a],
      [mine[1], b],
    ] as const) {
      expect(x.parts).toEqual(candidateScore(r, { topic: 'marine', now: NOW, relaySources: relays }).parts);
      expect(x.record).toMatchObject({ storyId: r.storyId, title: r.title, url: r.url });
      expect(x.claim).toBeNull();
    }
    expect(mine[1].parts.origin).toBe(0.3);
    // limit
    const one = await call('ed-0', 'GET', '/v1/candidates?topic=marine&limit=1');
    expect(one.body.items).toHaveLength(1);
    // An unknown topic, or none.
    expect((await call('ed-0', 'GET', '/v1/candidates?topic=volcanoes-on-mars')).status).toBe(400);
    expect((await call('ed-0', 'GET', '/v1/candidates')).status).toBe(400);
  });

  it('leaves out candidates others hold; the caller’s own claims are listed and marked', async () => {
    await put(rec('held-1', { topic: 'basic-geology' }), rec('held-2', { topic: 'basic-geology' }));
    expect((await claim('ed-1', 'held-1')).status).toBe(200);
    const own = await list('ed-1', 'basic-geology');
    const held = own.body.items.find((x: { storyId: string }) => x.storyId === 'held-1');
    expect(held.claim).toMatchObject({ by: 'ed-1', mine: true });
    expect(Date.parse(held.claim.expiresAt)).toBeGreaterThan(NOW + 890_000);
    expect(own.body.items.find((x: { storyId: string }) => x.storyId === 'held-2').claim).toBeNull();
    const other = await list('ed-2', 'basic-geology');
    expect(ids(other)).not.toContain('held-1');
    expect(ids(other)).toContain('held-2');
    expect(other.body.claimedByOthers).toBeGreaterThanOrEqual(1);
  });

  it('a machine draft of the Chinese comes with its candidate, as a draft beside the record (never in it)', async () => {
    await put(rec('drafted-1', { topic: 'marine' }), rec('undrafted-1', { topic: 'marine' }));
    await runtime.stores.drafts.put({
      storyId: 'drafted-1',
      titleZh: '地下水故事',
      summaryZh: '摘要。',
      backend: 'libretranslate',
      from: 'en',
      at: new Date(NOW).toISOString(),
    });
    const got = await list('ed-3', 'marine');
    const drafted = got.body.items.find((x: { storyId: string }) => x.storyId === 'drafted-1');
    expect(drafted.machineDraft).toMatchObject({
      titleZh: '地下水故事',
      summaryZh: '摘要。',
      backend: 'libretranslate',
    });
    expect(drafted.record.titleZh).toBeUndefined();
    expect(
      got.body.items.find((x: { storyId: string }) => x.storyId === 'undrafted-1').machineDraft,
    ).toBeNull();
  });

  it('candidates older than editors.candidateDays leave the pool (trimmed on read); younger ones stay', async () => {
    const days = runtime.config.app.editors.candidateDays;
    expect(days).toBe(7);
    await put(
      rec('old-1', { topic: 'carbon-neutrality', hoursAgo: days * 24 + 1 }),
      rec('young-1', { topic: 'carbon-neutrality', hoursAgo: days * 24 - 1 }),
    );
    const pool = runtime.keys.candidates('carbon-neutrality');
    // The record store put both in the pool (its horizon is retention.recordDays).
    expect(await redis.zscore(pool, 'old-1')).not.toBeNull();
    const res = await list('ed-0', 'carbon-neutrality');
    expect(ids(res)).toContain('young-1');
    expect(ids(res)).not.toContain('old-1');
    expect(await redis.zscore(pool, 'old-1')).toBeNull();
    // It cannot be claimed or decided either.
    expect((await claim('ed-0', 'old-1')).status).toBe(404);
    expect((await call('ed-0', 'POST', '/v1/candidates/old-1/reject', { reason: 'late' })).status).toBe(404);
  });
});

describe('claims', () => {
  it('many editors racing for one candidate: exactly one holds it, every other claim is 409', async () => {
    await put(rec('race-1'));
    const started = performance.now();
    // 8 editors × 5 concurrent claims each, over real sockets.
    const answers = await Promise.all(
      EDITORS.flatMap((who) =>
        Array.from({ length: 5 }, async () => {
          const res = await fetch(`${base}/v1/candidates/race-1/claim`, {
            method: 'POST',
            headers: { ...auth(who), 'content-type': 'application/json' },
            body: '{}',
          });
          return { who, status: res.status, body: (await res.json()) as Json };
        }),
      ),
    );
    const ms = performance.now() - started;
    const won = answers.filter((a) => a.status === 200);
    const winners = new Set(won.map((a) => a.who));
    expect(winners.size).toBe(1);
    const [winner] = [...winners];
    // The winner's own concurrent claims renew its lease; everyone else's are refused.
    expect(won).toHaveLength(5);
    for (const a of won) expect(a.body.claim).toMatchObject({ by: winner, mine: true });
    for (const a of answers.filter((x) => x.who !== winner)) {
      expect(a.status).toBe(409);
      expect(a.body.error.code).toBe('CLAIM_CONFLICT');
      expect(a.body.error.message).toContain(winner);
    }
    expect(await redis.get(runtime.keys.candidateClaim('race-1'))).toBe(winner);
    const entries = await trail('race-1');
    expect(entries.filter((e: { action: string }) => e.action === 'candidate.claim')).toHaveLength(1);
    expect(entries.filter((e: { action: string }) => e.action === 'candidate.renew')).toHaveLength(4);
    expect(entries.every((e: { actor: { name: string } }) => e.actor.name === winner)).toBe(true);
    console.info(`claim race: 40 concurrent claims by 8 editors answered in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(10_000);
  });

  it('two editors deciding one unclaimed candidate at once: exactly one decision stands', async () => {
    await put(rec('race-2'));
    const answers = await Promise.all(
      EDITORS.map((who, i) =>
        fetch(`${base}/v1/candidates/race-2/reject`, {
          method: 'POST',
          headers: { ...auth(who), 'content-type': 'application/json' },
          body: JSON.stringify({ reason: `duplicate of an older story (${i})` }),
        }).then(async (r) => ({ who, status: r.status, body: (await r.json()) as Json })),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(EDITORS.length - 1);
    expect(
      (await trail('race-2')).filter((e: { action: string }) => e.action === 'candidate.reject'),
    ).toHaveLength(1);
  });

  it('an expired claim returns to the pool (claimSeconds 1); claiming again before that renews it', async () => {
    await put(rec('lease-1'));
    const first = await claim('ed-3', 'lease-1', shortApp);
    expect(first.status).toBe(200);
    const claimedAt = performance.now();
    expect(Date.parse(first.body.claim.expiresAt) - NOW).toBeLessThanOrEqual(1_000);
    expect(Date.parse(first.body.claim.expiresAt) - NOW).toBeGreaterThan(0);
    expect((await claim('ed-4', 'lease-1', shortApp)).status).toBe(409);
    expect(ids(await list('ed-4', 'hydrogeology', shortApp))).not.toContain('lease-1');
    // The holder renews: the lease starts again.
    // The lease starts when Redis runs the renewal, after this instant: it cannot end sooner than 1 s after it.
    const renewedAt = performance.now();
    const renewed = await claim('ed-3', 'lease-1', shortApp);
    expect(renewed.body.renewed).toBe(true);
    // Poll until another editor gets it: no sooner than the lease, within a generous ceiling.
    let free = -1;
    while (performance.now() - renewedAt < 10_000) {
      if ((await claim('ed-4', 'lease-1', shortApp)).status === 200) {
        free = performance.now() - renewedAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(free).toBeGreaterThanOrEqual(990);
    expect(free).toBeLessThan(5_000);
    console.info(
      `claim lease 1 s: free for another editor ${free.toFixed(0)} ms after the renewal (${(performance.now() - claimedAt).toFixed(0)} ms after the first claim)`,
    );
    const actions = (await trail('lease-1')).map((e: { action: string; actor: { name: string } }) => [
      e.action,
      e.actor.name,
    ]);
    expect(actions).toEqual([
      ['candidate.claim', 'ed-3'],
      ['candidate.renew', 'ed-3'],
      ['candidate.claim', 'ed-4'],
    ]);
  });

  it('release: only the holder releases; the candidate is free for others at once', async () => {
    await put(rec('rel-1'));
    expect((await claim('ed-5', 'rel-1')).status).toBe(200);
    const other = await call('ed-6', 'POST', '/v1/candidates/rel-1/release', {});
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('CLAIM_CONFLICT');
    const released = await call('ed-5', 'POST', '/v1/candidates/rel-1/release');
    expect(released).toEqual({ status: 200, body: { storyId: 'rel-1', released: true } });
    expect(ids(await list('ed-6', 'hydrogeology'))).toContain('rel-1');
    // Nothing to release any more.
    expect((await call('ed-5', 'POST', '/v1/candidates/rel-1/release', {})).status).toBe(409);
    expect((await claim('ed-6', 'rel-1')).status).toBe(200);
    const entries = await trail('rel-1');
    const rel = entries.find((e: { action: string }) => e.action === 'candidate.release');
    expect(rel.actor).toEqual({ name: 'ed-5', role: 'editor' });
    expect(rel.before.claim.by).toBe('ed-5');
    expect(rel.after).toEqual({ claim: null });
    // Unknown stories are not candidates.
    expect((await claim('ed-6', 'no-such-story')).status).toBe(404);
  });
});

describe('decisions', () => {
  it('reject with a reason: the story leaves every topic’s pool and cannot be claimed again', async () => {
    await put(
      rec('rej-1', {
        topics: [
          { id: 'hydrogeology', score: 0.8, evidence: ['aquifer'] },
          { id: 'marine', score: 0.6, evidence: ['coast'] },
        ],
      }),
    );
    expect(ids(await list('ed-0', 'marine'))).toContain('rej-1');
    expect((await claim('ed-1', 'rej-1')).status).toBe(200);
    // Held by ed-1: ed-0 cannot decide it.
    const blocked = await call('ed-0', 'POST', '/v1/candidates/rej-1/reject', { reason: 'off topic' });
    expect(blocked.status).toBe(409);
    expect((await call('ed-1', 'POST', '/v1/candidates/rej-1/reject', {})).status).toBe(400);
    const res = await call('ed-1', 'POST', '/v1/candidates/rej-1/reject', {
      reason: 'A press-release rerun.',
    });
    expect(res).toEqual({
      status: 200,
      body: { storyId: 'rej-1', decision: 'rejected', reason: 'A press-release rerun.' },
    });
    expect(ids(await list('ed-0', 'hydrogeology'))).not.toContain('rej-1');
    expect(ids(await list('ed-0', 'marine'))).not.toContain('rej-1');
    const again = await claim('ed-0', 'rej-1');
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('rejected by ed-1');
    expect(await redis.get(runtime.keys.candidateClaim('rej-1'))).toBeNull();
    const entry = (await trail('rej-1')).find((e: { action: string }) => e.action === 'candidate.reject');
    expect(entry).toMatchObject({
      actor: { name: 'ed-1', role: 'editor' },
      target: 'story:rej-1',
      before: { state: 'candidate', claim: { by: 'ed-1' } },
      after: { state: 'rejected', reason: 'A press-release rerun.' },
    });
    expect(entry.before.pools.sort()).toEqual(['hydrogeology', 'marine']);
  });

  it('accept with a section change and zh edits: out of the pool, into the draft digest of its day', async () => {
    const r = rec('acc-1', { hoursAgo: 3 });
    await put(r);
    expect((await claim('ed-2', 'acc-1')).status).toBe(200);
    const edits = {
      title: 'Seabed groundwater found off New Jersey',
      titleZh: '新泽西近海发现海底地下水',
      summaryZh: '美国地质调查局在大陆架下发现大量淡水。',
      section: 'marine',
    };
    // Validation: a section that is no topic, markup, control characters, an over-long title.
    for (const bad of [
      { section: 'astrology' },
      { titleZh: '<b>粗体</b>' },
      { title: 'two\nlines' },
      { title: 'x'.repeat(301) },
      { summary: '' },
      { extra: 1 },
    ]) {
      const res = await call('ed-2', 'POST', '/v1/candidates/acc-1/accept', bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error.code).toBe('INPUT_INVALID');
    }
    const date = digestDateAt(Date.parse(r.publishedAt!), 'Asia/Shanghai', 7);
    const res = await call('ed-2', 'POST', '/v1/candidates/acc-1/accept', edits);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ storyId: 'acc-1', decision: 'accepted', section: 'marine', date });
    expect(res.body.edition).toBe(date);
    expect(ids(await list('ed-0', 'hydrogeology'))).not.toContain('acc-1');
    expect((await call('ed-0', 'POST', '/v1/candidates/acc-1/accept', {})).status).toBe(409);

    const digest = await call('viewer', 'GET', `/v1/digests/${date}?lang=zh&edition=draft&format=md`);
    expect(digest.status).toBe(200);
    expect(digest.body).toContain(edits.titleZh);
    expect(digest.body).toContain(edits.summaryZh);
    expect(digest.body.indexOf('海洋地质')).toBeGreaterThanOrEqual(0);
    expect(digest.body.indexOf('海洋地质')).toBeLessThan(digest.body.indexOf(edits.titleZh));

    const entries = await trail('acc-1');
    expect(entries.map((e: { action: string }) => e.action)).toEqual(['candidate.claim', 'candidate.accept']);
    expect(entries[1]).toMatchObject({
      actor: { name: 'ed-2', role: 'editor' },
      target: 'story:acc-1',
      before: {
        state: 'candidate',
        claim: { by: 'ed-2' },
        section: 'hydrogeology',
        title: r.title,
        titleZh: null,
        summaryZh: null,
      },
      after: { state: 'accepted', ...edits, date, edition: date },
    });
    expect(Date.parse(entries[1].at)).toBe(NOW);
  });

  it('an editor’s Chinese title and summary are found by the text search of GET /v1/records', async () => {
    await put(rec('zh-search-1', { topic: 'energy-minerals' }));
    const before = await call('ed-1', 'GET', '/v1/records?q=锂矿勘探&limit=50');
    expect(before.status).toBe(200);
    expect(ids(before)).not.toContain('zh-search-1');
    const ok = await call('ed-1', 'POST', '/v1/candidates/zh-search-1/accept', {
      titleZh: '锂矿勘探新进展',
      summaryZh: '美国地质调查局发布锂矿勘探报告。',
    });
    expect(ok.status).toBe(200);
    const after = await call('ed-1', 'GET', '/v1/records?q=锂矿勘探&limit=50');
    expect(after.body.items.map((r: { storyId: string }) => r.storyId)).toContain('zh-search-1');
  });

  it('an unclaimed candidate may be accepted directly; its default section is the record’s topic', async () => {
    await put(rec('acc-2', { topic: 'energy-minerals' }));
    const res = await call('ed-7', 'POST', '/v1/candidates/acc-2/accept');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.section).toBe('energy-minerals');
    const [entry] = await trail('acc-2');
    expect(entry).toMatchObject({
      action: 'candidate.accept',
      before: { claim: null },
      after: { edition: res.body.date },
    });
  });
});

describe('audit trail routes and roles', () => {
  it('GET /v1/audit (admin): the whole trail newest first, in pages', async () => {
    const first = await call('admin', 'GET', '/v1/audit?limit=3');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(3);
    const second = await call('admin', 'GET', `/v1/audit?limit=3&before=${first.body.next}`);
    expect(second.body.items).toHaveLength(3);
    const all = [...first.body.items, ...second.body.items];
    const times = all.map((e: { id: string }) => Number(e.id.split('-')[0]));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(new Set(all.map((e: { id: string }) => e.id)).size).toBe(6);
    for (const e of all) expect(e.actor.name).toMatch(/^ed-\d$/);
    expect((await call('ed-0', 'GET', '/v1/audit')).status).toBe(403);
  });

  it('viewers get 403 and anonymous callers 401 on every candidates route', async () => {
    await put(rec('roles-1'));
    const routes: Array<['GET' | 'POST', string, unknown]> = [
      ['GET', '/v1/candidates?topic=hydrogeology', undefined],
      ['POST', '/v1/candidates/roles-1/claim', {}],
      ['POST', '/v1/candidates/roles-1/release', {}],
      ['POST', '/v1/candidates/roles-1/accept', {}],
      ['POST', '/v1/candidates/roles-1/reject', { reason: 'no' }],
      ['POST', '/v1/candidates/by-url', { url: `${pageOrigin}/news/aquifer` }],
      ['GET', '/v1/stories/roles-1/audit', undefined],
      ['GET', '/v1/audit', undefined],
    ];
    for (const [method, url, payload] of routes) {
      const viewer = await call('viewer', method, url, payload);
      expect(viewer.status, `${method} ${url}`).toBe(403);
      expect(viewer.body.error.code).toBe('FORBIDDEN');
      expect((await call(null, method, url, payload)).status, `${method} ${url}`).toBe(401);
    }
    // Nothing happened.
    expect(await trail('roles-1')).toEqual([]);
    expect(ids(await list('ed-0', 'hydrogeology'))).toContain('roles-1');
    expect(hits.get('/news/aquifer') ?? 0).toBe(0);
  });
});

describe('route table and OpenAPI', () => {
  const ours = () =>
    app.routeTable.filter((r) => /^\/v1\/(candidates|audit)|^\/v1\/stories\/:id\/audit$/.test(r.url));

  it('every candidates and audit route declares its role; no role and no input makes it fail with a 5xx', async () => {
    const roles = Object.fromEntries(ours().map((r) => [`${r.method} ${r.url}`, r.role]));
    expect(roles).toEqual({
      'GET /v1/candidates': 'editor',
      'POST /v1/candidates/:storyId/claim': 'editor',
      'POST /v1/candidates/:storyId/release': 'editor',
      'POST /v1/candidates/:storyId/accept': 'editor',
      'POST /v1/candidates/:storyId/reject': 'editor',
      'POST /v1/candidates/by-url': 'editor',
      'GET /v1/stories/:id/audit': 'editor',
      'GET /v1/audit': 'admin',
    });
    // As the role matrix of api-routes.test.ts calls them: parameters left as written, an empty JSON body.
    for (const route of ours())
      for (const who of ['ed-0', 'admin']) {
        const res = await call(
          who,
          route.method as 'GET',
          route.url,
          route.method === 'POST' ? {} : undefined,
        );
        expect(res.status, `${route.method} ${route.url} as ${who}`).toBeLessThan(500);
        if (who === 'admin' || route.role === 'editor') expect([401, 403]).not.toContain(res.status);
      }
  });

  it('/docs/json is a valid OpenAPI 3 document with every candidates and audit route and its security', async () => {
    const doc = (await app.inject({ url: '/docs/json' })).json();
    await SwaggerParser.validate(structuredClone(doc));
    for (const route of ours()) {
      const op = doc.paths[route.url.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.url}`).toBeDefined();
      expect(op.security.length).toBeGreaterThan(0);
      expect(op.description).toContain(`Role: ${route.role}`);
    }
  });
});

describe('POST /v1/candidates/by-url', () => {
  it('without a private-address allowance, loopback and metadata URLs are 422 SSRF_BLOCKED', async () => {
    const before = hits.get('/news/aquifer') ?? 0;
    for (const url of [
      `${pageOrigin}/news/aquifer`,
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/x',
      'http://localhost/x',
    ]) {
      const res = await call('ed-0', 'POST', '/v1/candidates/by-url', { url });
      expect(res.status, url).toBe(422);
      expect(res.body.error.code, url).toBe('SSRF_BLOCKED');
    }
    expect(hits.get('/news/aquifer') ?? 0).toBe(before);
    const file = await call('ed-0', 'POST', '/v1/candidates/by-url', { url: 'file:///etc/passwd' });
    expect(file.status).toBe(422);
    expect(file.body.error.code).toBe('UNSUPPORTED_SCHEME');
  });

  it('with 127.0.0.0/8 allowed, a loopback page becomes a candidate; metadata stays refused, on every hop', async () => {
    const res = await call(
      'ed-0',
      'POST',
      '/v1/candidates/by-url',
      { url: `${pageOrigin}/news/aquifer?utm_source=mail` },
      openApp,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const { storyId, record, item } = res.body;
    expect(res.body.joined).toBe(false);
    expect(res.body.outcome).toBe('emitted');
    expect(item.source).toMatchObject({ id: 'editor', name: 'Added by editors' });
    expect(item.title).toBe('Drought pumping drains the Central Valley aquifer');
    expect(item.summary).toContain('groundwater');
    expect(item.url).toBe(`${pageOrigin}/news/aquifer`);
    expect(record.storyId).toBe(storyId);
    expect(record.relevant).toBe(true);
    expect(res.body.candidate).toEqual({ topic: record.topic, inPool: true });
    expect(record.topic).toBe('hydrogeology');
    const listed = (await list('ed-1', 'hydrogeology')).body.items.find(
      (x: { storyId: string }) => x.storyId === storyId,
    );
    expect(listed.record.title).toBe(item.title);
    expect(listed.parts.recency).toBe(0.9439);
    // It was processed like any item: stored and streamed.
    expect((await call('viewer', 'GET', `/v1/stories/${storyId}`)).body.id).toBe(item.id);
    const streamed = await runtime.stores.records.readStream('hydrogeology');
    expect(streamed.map((e) => e.record.id)).toContain(item.id);

    // The same article at another address joins the story; the editor's topic puts it in that pool too.
    const mirror = await call(
      'ed-1',
      'POST',
      '/v1/candidates/by-url',
      { url: `${pageOrigin}/mirror/aquifer`, topic: 'marine' },
      openApp,
    );
    expect(mirror.status, JSON.stringify(mirror.body)).toBe(200);
    expect(mirror.body).toMatchObject({ storyId, joined: true, outcome: 'duplicate' });
    expect(mirror.body.candidate).toEqual({ topic: 'marine', inPool: true });
    expect(mirror.body.record.duplicates.map((d: { id: string }) => d.id)).toContain(mirror.body.item.id);
    expect(ids(await list('ed-1', 'marine'))).toContain(storyId);

    const entries = await trail(storyId);
    expect(entries.map((e: { action: string; actor: { name: string } }) => [e.action, e.actor.name])).toEqual(
      [
        ['candidate.add-url', 'ed-0'],
        ['candidate.add-url', 'ed-1'],
      ],
    );
    expect(entries[0]).toMatchObject({
      before: null,
      after: {
        url: `${pageOrigin}/news/aquifer?utm_source=mail`,
        finalUrl: `${pageOrigin}/news/aquifer?utm_source=mail`,
        itemId: item.id,
        outcome: 'emitted',
        joined: false,
      },
    });
    expect(entries[1].before).toMatchObject({ story: { title: item.title } });

    // A decided story is not offered again.
    expect(
      (await call('ed-1', 'POST', `/v1/candidates/${storyId}/reject`, { reason: 'enough' })).status,
    ).toBe(200);
    const third = await call(
      'ed-1',
      'POST',
      '/v1/candidates/by-url',
      { url: `${pageOrigin}/news/aquifer` },
      openApp,
    );
    expect(third.body).toMatchObject({ storyId, outcome: 'unchanged', candidate: { inPool: false } });

    // Loopback allowed does not open link-local: the metadata address is refused, also after a redirect.
    for (const url of ['http://169.254.169.254/latest/meta-data/', `${pageOrigin}/to-metadata`]) {
      const res = await call('ed-0', 'POST', '/v1/candidates/by-url', { url }, openApp);
      expect(res.status, url).toBe(422);
      expect(res.body.error.code, url).toBe('SSRF_BLOCKED');
    }
    expect(hits.get('/to-metadata')).toBe(1);
    // Not a page.
    const json = await call(
      'ed-0',
      'POST',
      '/v1/candidates/by-url',
      { url: `${pageOrigin}/data.json` },
      openApp,
    );
    expect(json.status).toBe(422);
    expect(json.body.error.code).toBe('PARSE_ERROR');
    // Bad bodies.
    expect((await call('ed-0', 'POST', '/v1/candidates/by-url', {})).status).toBe(400);
    expect(
      (await call('ed-0', 'POST', '/v1/candidates/by-url', { url: 'x', topic: 'astrology' })).status,
    ).toBe(400);
  });
});

describe('measurements', () => {
  it('GET /v1/candidates over a pool of 1 000 stories', async () => {
    const many = Array.from({ length: 1_000 }, (_, i) =>
      rec(`bulk-${i}`, { topic: 'energy-minerals', relevance: 0.5 + (i % 50) / 100, hoursAgo: i % 150 }),
    );
    for (let i = 0; i < many.length; i += 200) await put(...many.slice(i, i + 200));
    const times: number[] = [];
    let res: Answer | undefined;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      res = await call('ed-0', 'GET', '/v1/candidates?topic=energy-minerals&limit=20');
      times.push(performance.now() - t);
    }
    expect(res!.status).toBe(200);
    expect(res!.body.items).toHaveLength(20);
    const scores = res!.body.items.map((x: { score: number }) => x.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    times.sort((a, b) => a - b);
    console.info(
      `GET /v1/candidates, 1 000 in the pool: median ${times[2]!.toFixed(1)} ms, max ${times[4]!.toFixed(1)} ms`,
    );
    expect(times[2]).toBeLessThan(5_000);
  });
});
