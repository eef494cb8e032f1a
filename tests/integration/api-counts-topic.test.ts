/**
 * `GET /v1/counts?topic=` on real Redis (own key prefix), records stored through the real record store and
 * the API built with real tokens: for every topic and both windows, the topic's total and its commodity and
 * country counts equal an oracle computed from the generated records' fields; the counts without `topic` are
 * still those of every relevant story; a merge and a split move the per-topic counts with the others; an unknown
 * topic is a 400 naming the field.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiInstance, buildApi } from '../../src/api/app.js';
import { createLogger } from '../../src/log.js';
import type { DigestRecord } from '../../src/pipeline/types.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import type { TokenRole, TokenStore } from '../../src/store/tokens.js';
import { apiAccess, baseConfig, cleanup, startRuntime, withPrefix } from '../helpers/runtime.js';

const HOUR = 3_600_000;
// The current hour, not a fixed date: count buckets expire at absolute times on Redis's own clock
// (PEXPIREAT), so an injected clock far from the real one would see last week's buckets already gone.
const NOW = Math.floor(Date.now() / HOUR) * HOUR;
const log = createLogger({ level: process.env.TEST_LOG ?? 'silent' });

let runtime: Runtime;
let redis: Redis;
let tokens: TokenStore;
let app: ApiInstance;
const token: Record<TokenRole, string> = { viewer: '', editor: '', admin: '' };

const TOPICS = ['basic-geology', 'energy-minerals', 'hydrogeology', 'marine', 'carbon-neutrality'];
const COMMODITIES = ['lithium', 'nickel', 'rare-earths', 'copper'];
const COUNTRIES = ['CN', 'AU', 'CL', 'GL', 'DE'];

/**
 * Story number i: one to three topics, zero to two commodities and countries, relevant unless i % 9 === 8, and
 * a digest time 0 to 199 hours ago (inside the day, the week, or neither). Everything follows from i.
 */
function story(i: number, over: Partial<DigestRecord> = {}): DigestRecord {
  const id = `c${String(i).padStart(3, '0')}`;
  const relevant = i % 9 !== 8;
  const topicIds = [
    ...new Set([
      TOPICS[i % 5]!,
      ...(i % 3 === 0 ? [TOPICS[(i * 7 + 1) % 5]!] : []),
      ...(i % 10 === 4 ? [TOPICS[(i + 2) % 5]!] : []),
    ]),
  ];
  const commodities = [
    ...new Set([
      ...(i % 2 === 0 ? [COMMODITIES[i % 4]!] : []),
      ...(i % 5 === 3 ? [COMMODITIES[(i + 1) % 4]!] : []),
    ]),
  ];
  const countries = [
    ...new Set([
      ...(i % 3 !== 2 ? [COUNTRIES[i % 5]!] : []),
      ...(i % 4 === 1 ? [COUNTRIES[(i + 3) % 5]!] : []),
    ]),
  ];
  const t = NOW - ((i * 37) % 200) * HOUR;
  return {
    schema: 'geointel.record/1',
    id,
    storyId: id,
    canonicalId: id,
    title: `Story ${i}`,
    summary: `Summary of story ${i}.`,
    url: `https://example.org/${id}`,
    source: { id: 'usgs-news', name: 'USGS' },
    publishedAt: new Date(t).toISOString(),
    fetchedAt: new Date(NOW).toISOString(),
    language: 'en',
    relevant,
    topic: relevant ? topicIds[0]! : null,
    topics: relevant ? topicIds.map((tid, k) => ({ id: tid, score: 0.9 - k * 0.2, evidence: [] })) : [],
    tags: { commodities, countries },
    duplicates: [],
    citation: { zh: '（源）', en: '(Source)' },
    ...over,
  };
}

const N = 90;
/** The stories counted now: what the oracle reads (the merge and split tests change it as they change Redis). */
let counted: DigestRecord[] = Array.from({ length: N }, (_, i) => story(i));

type Counts = {
  total: number;
  topics: Record<string, number>;
  commodities: Record<string, number>;
  countries: Record<string, number>;
};

/** The relevant stories (of `topic`, when given) with a digest time in the window's hours, tallied. */
function oracle(window: '24h' | '7d', topic?: string): Counts {
  const hours = window === '24h' ? 24 : 168;
  const current = Math.floor(NOW / HOUR);
  const inWindow = counted.filter((r) => {
    const h = Math.floor(Date.parse(r.publishedAt ?? r.fetchedAt) / HOUR);
    return (
      r.relevant &&
      h > current - hours &&
      h <= current &&
      (topic === undefined || r.topics.some((t) => t.id === topic))
    );
  });
  const tally = (values: string[]) => {
    const m: Record<string, number> = {};
    for (const v of values) m[v] = (m[v] ?? 0) + 1;
    return m;
  };
  return {
    total: inWindow.length,
    topics:
      topic === undefined
        ? tally(inWindow.flatMap((r) => [...new Set(r.topics.map((t) => t.id))]))
        : inWindow.length > 0
          ? { [topic]: inWindow.length }
          : {},
    commodities: tally(inWindow.flatMap((r) => r.tags.commodities)),
    countries: tally(inWindow.flatMap((r) => r.tags.countries)),
  };
}

beforeAll(async () => {
  runtime = await startRuntime(withPrefix(baseConfig()), { roles: [], now: () => NOW });
  ({ redis, tokens } = await apiAccess(runtime, 'counts', token));
  const outcomes = await runtime.stores.records.put(counted);
  expect(outcomes.filter((o) => o === 'emitted')).toHaveLength(counted.filter((r) => r.relevant).length);
  // A later item of a story with other topics and tags changes no count.
  const dup = story(3, {
    id: 'c003-dup',
    storyId: 'c003',
    topics: [{ id: 'carbon-neutrality', score: 0.9, evidence: [] }],
    tags: { commodities: ['cobalt'], countries: ['NO'] },
  });
  expect(await runtime.stores.records.put([dup])).toEqual(['duplicate']);
  app = await buildApi({ runtime, log, tokens, redis, now: () => NOW });
});

afterAll(async () => {
  await app?.close();
  if (runtime) await cleanup(runtime);
  redis?.disconnect();
  await runtime?.close();
});

const headers = (role: TokenRole) => ({ authorization: `Bearer ${token[role]}` });
async function get(url: string) {
  const res = await app.inject({ url, headers: headers('viewer') });
  return { status: res.statusCode, body: res.json() };
}
async function post(url: string, payload: object) {
  const res = await app.inject({ method: 'POST', url, payload, headers: headers('editor') });
  return { status: res.statusCode, body: res.json() };
}

/** Every topic and both windows, and the counts without `topic`, against the oracle. */
async function expectAllMatch(label: string): Promise<void> {
  for (const window of ['24h', '7d'] as const) {
    const all = await get(`/v1/counts?window=${window}`);
    expect(all.status).toBe(200);
    expect(all.body.topic, `${label} ${window}`).toBeUndefined();
    expect(all.body, `${label} ${window} all topics`).toMatchObject(oracle(window));
    for (const topic of TOPICS) {
      const one = await get(`/v1/counts?window=${window}&topic=${topic}`);
      expect(one.status, `${label} ${window} ${topic}`).toBe(200);
      expect(one.body, `${label} ${window} ${topic}`).toEqual({
        window,
        topic,
        from: all.body.from,
        to: all.body.to,
        ...oracle(window, topic),
      });
    }
  }
}

describe('GET /v1/counts?topic=', () => {
  it("each topic's total, commodities and countries over 24 h and 7 days are its own stories'", async () => {
    await expectAllMatch('stored');
  });

  it('the cases are not vacuous: topics differ from each other and from all topics', () => {
    const week = oracle('7d');
    expect(week.total).toBeGreaterThan(oracle('24h').total);
    expect(oracle('24h').total).toBeGreaterThan(0);
    const perTopic = TOPICS.map((t) => oracle('7d', t));
    for (const [k, c] of perTopic.entries()) {
      expect(c.total, TOPICS[k]).toBeGreaterThan(0);
      expect(c.total, TOPICS[k]).toBeLessThan(week.total);
      expect(Object.keys(c.commodities).length, TOPICS[k]).toBeGreaterThan(0);
      expect(c.commodities, TOPICS[k]).not.toEqual(week.commodities);
      expect(c.countries, TOPICS[k]).not.toEqual(week.countries);
    }
    // Some stories carry two or three topics: the topics' totals add up to more than all.
    expect(perTopic.reduce((a, c) => a + c.total, 0)).toBeGreaterThan(week.total);
    // Some stored stories fall outside the week, some are off-topic.
    expect(counted.some((r) => NOW - Date.parse(r.publishedAt!) >= 168 * HOUR)).toBe(true);
    expect(counted.some((r) => !r.relevant)).toBe(true);
  });

  it('the counts without topic hold no per-topic field', async () => {
    const all = (await get('/v1/counts?window=7d')).body as Counts;
    for (const map of [all.topics, all.commodities, all.countries])
      for (const key of Object.keys(map)) expect(key).toMatch(/^[a-zA-Z-]+$/);
    expect(Object.keys(all.topics).sort()).toEqual([...TOPICS].sort());
  });

  it('a merge takes the merged story out of every count it was in, per topic too', async () => {
    // A relevant story of this hour with two topics and tags, merged into another of other topics and tags.
    const from = counted.find(
      (r) =>
        r.relevant &&
        r.topics.length >= 2 &&
        r.tags.commodities.length > 0 &&
        r.tags.countries.length > 0 &&
        NOW - Date.parse(r.publishedAt!) < 24 * HOUR,
    )!;
    expect(from, 'a story to merge').toBeDefined();
    const into = counted.find(
      (r) => r.relevant && r.storyId !== from.storyId && !r.topics.some((t) => t.id === from.topics[0]!.id),
    )!;
    const before = (await get(`/v1/counts?window=24h&topic=${from.topics[0]!.id}`)).body as Counts;
    const res = await post(`/v1/stories/${from.storyId}/merge`, { into: into.storyId });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    counted = counted.filter((r) => r.storyId !== from.storyId);
    await expectAllMatch('after the merge');
    const after = (await get(`/v1/counts?window=24h&topic=${from.topics[0]!.id}`)).body as Counts;
    expect(after.total).toBe(before.total - 1);
    const c = from.tags.commodities[0]!;
    expect(after.commodities[c] ?? 0).toBe(before.commodities[c]! - 1);
  });

  it('a split counts the new story under its own topics and tags', async () => {
    const host = counted.find((r) => r.relevant && NOW - Date.parse(r.publishedAt!) < 24 * HOUR)!;
    const item = story(200, {
      id: 'c200',
      storyId: host.storyId,
      canonicalId: host.storyId,
      publishedAt: host.publishedAt,
      topics: [{ id: 'hydrogeology', score: 0.9, evidence: [] }],
      topic: 'hydrogeology',
      relevant: true,
      tags: { commodities: ['copper'], countries: ['DE'] },
    });
    expect(await runtime.stores.records.put([item])).toEqual(['duplicate']);
    await expectAllMatch('with a duplicate');
    const res = await post(`/v1/stories/${host.storyId}/split`, { itemId: 'c200' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    counted.push({ ...item, storyId: 'c200', canonicalId: 'c200' });
    await expectAllMatch('after the split');
  });

  it('an unknown topic, a malformed one or "all" is 400 INPUT_INVALID naming topic', async () => {
    for (const topic of ['volcanology', 'all', 'Energy_Minerals', '']) {
      const r = await get(`/v1/counts?window=7d&topic=${encodeURIComponent(topic)}`);
      expect(r.status, topic).toBe(400);
      expect(r.body.error.code, topic).toBe('INPUT_INVALID');
      expect(r.body.error.message, topic).toMatch(/topic/);
    }
  });
});
