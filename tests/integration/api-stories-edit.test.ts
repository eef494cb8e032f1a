/**
 * Editors' merge and split on real Redis (own key prefix), records stored through the real record store and
 * the API built with real tokens: a merge moves the story's items into the target and leaves a pointer that
 * later items follow (also after the target is merged on), a split makes a story of one item (and undoes a
 * merge for a merged story's own item), counts and indexes follow, both write audit entries for both stories,
 * conflicts and unknown ids answer 409/404, viewers are refused, and two merges racing each other leave one.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiInstance, buildApi } from '../../src/api/app.js';
import { createLogger } from '../../src/log.js';
import type { DigestRecord } from '../../src/pipeline/types.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { createRedisAuditStore } from '../../src/store/audit.js';
import { createRedisRecordStore } from '../../src/store/redis-records.js';
import { createRedisStoryEdits } from '../../src/store/story-edits.js';
import type { TokenRole, TokenStore } from '../../src/store/tokens.js';
import { apiAccess, baseConfig, cleanup, startRuntime, withPrefix } from '../helpers/runtime.js';

const HOUR = 3_600_000;
// The current hour, not a fixed date: count buckets expire at absolute times on Redis's own clock
// (PEXPIREAT), so an injected clock far from the real one would see last week's buckets already gone.
const NOW = Math.floor(Date.now() / 3_600_000) * 3_600_000;
const log = createLogger({ level: process.env.TEST_LOG ?? 'silent' });

let runtime: Runtime;
let redis: Redis;
let tokens: TokenStore;
let app: ApiInstance;
const token: Record<TokenRole, string> = { viewer: '', editor: '', admin: '' };

/** Item `id` of story `storyId` (a story's id is its first item's id), `hoursAgo` before NOW. */
function item(
  id: string,
  storyId: string,
  word: string,
  hoursAgo = 1,
  over: Partial<DigestRecord> = {},
): DigestRecord {
  return {
    schema: 'geointel.record/1',
    id,
    storyId,
    canonicalId: storyId,
    title: `${word} report ${id}`,
    summary: `Summary of ${id}.`,
    url: `https://example.org/${id}`,
    source: { id: `src-${id}`, name: `Source ${id}` },
    publishedAt: new Date(NOW - hoursAgo * HOUR).toISOString(),
    fetchedAt: new Date(NOW).toISOString(),
    language: 'en',
    relevant: true,
    topic: 'energy-minerals',
    topics: [{ id: 'energy-minerals', score: 0.9, evidence: [] }],
    tags: { commodities: ['lithium'], countries: ['CL'] },
    duplicates: [],
    citation: { zh: '（源）', en: '(Source)' },
    ...over,
  };
}

beforeAll(async () => {
  runtime = await startRuntime(withPrefix(baseConfig()), { roles: [], now: () => NOW });
  ({ redis, tokens } = await apiAccess(runtime, 'edit', token));
  app = await buildApi({ runtime, log, tokens, redis, now: () => NOW });
});

afterAll(async () => {
  await app?.close();
  await cleanup(runtime);
  redis?.disconnect();
  await runtime?.close();
});

const headers = (role: TokenRole | null) => (role ? { authorization: `Bearer ${token[role]}` } : {});
async function get(url: string) {
  const res = await app.inject({ url, headers: headers('viewer') });
  return { status: res.statusCode, body: res.json() };
}
async function post(url: string, payload: unknown, role: TokenRole | null = 'editor') {
  const res = await app.inject({ method: 'POST', url, payload: payload as object, headers: headers(role) });
  return { status: res.statusCode, body: res.json() };
}
const dupIds = (r: DigestRecord) => r.duplicates.map((d) => d.id);
const streamLen = () => redis.xlen(runtime.keys.stream('all'));
const put = (rs: DigestRecord[]) => runtime.stores.records.put(rs);
const audit = () => createRedisAuditStore({ redis, prefix: runtime.keys.prefix });

describe('merge', () => {
  it('moves the story and its items into the target; the merged story leaves lists, indexes and counts', async () => {
    expect(
      await put([
        item('a1', 'a1', 'Atacama'),
        item('a2', 'a1', 'Atacama'),
        item('b1', 'b1', 'Bolivia', 2),
        item('b2', 'b1', 'Bolivia', 2),
      ]),
    ).toEqual(['emitted', 'duplicate', 'emitted', 'duplicate']);
    const countsBefore = (await get('/v1/counts?window=24h')).body;
    expect(countsBefore.total).toBe(2);
    expect((await get('/v1/records?q=atacama')).body.items.map((r: DigestRecord) => r.storyId)).toEqual([
      'a1',
    ]);
    const streamed = await streamLen();

    const res = await post('/v1/stories/a1/merge', { into: 'b1' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ storyId: 'a1', mergedInto: 'b1', moved: ['a1', 'a2'] });
    expect(dupIds(res.body.story)).toEqual(['b2', 'a1', 'a2']);

    // The merged story answers its target with the marker.
    const a = await get('/v1/stories/a1');
    expect(a.status).toBe(200);
    expect(a.body.storyId).toBe('b1');
    expect(a.body.mergedInto).toBe('b1');
    expect(dupIds(a.body)).toEqual(['b2', 'a1', 'a2']);
    const b = await get('/v1/stories/b1');
    expect(b.body.mergedInto).toBeUndefined();

    // Out of the list, the text, tag and map indexes, the candidates and the counts.
    const list = (await get('/v1/records?limit=200')).body.items.map((r: DigestRecord) => r.storyId);
    expect(list).toEqual(['b1']);
    expect((await get('/v1/records?q=atacama')).body.items).toEqual([]);
    expect(
      (await get('/v1/records?commodity=lithium')).body.items.map((r: DigestRecord) => r.storyId),
    ).toEqual(['b1']);
    expect(await redis.zscore(runtime.keys.candidates('energy-minerals'), 'a1')).toBeNull();
    expect(await redis.zscore(runtime.keys.textToken('atacama'), 'a1')).toBeNull();
    expect(await redis.zscore(runtime.keys.tagIndex('commodity', 'lithium'), 'a1')).toBeNull();
    const countsAfter = (await get('/v1/counts?window=24h')).body;
    expect(countsAfter.total).toBe(1);
    expect(countsAfter.commodities).toEqual({ lithium: 1 });
    expect(countsAfter.topics).toEqual({ 'energy-minerals': 1 });
    // The digest's source (stories by time) no longer has it; nothing was emitted.
    const between = await runtime.stores.records.storiesBetween(0, Number.MAX_SAFE_INTEGER);
    expect(between.map((r) => r.storyId)).toEqual(['b1']);
    expect(await streamLen()).toBe(streamed);
  });

  it('a later item the story index assigns to the merged story lands in the target', async () => {
    const streamed = await streamLen();
    expect(await put([item('a3', 'a1', 'Atacama')])).toEqual(['duplicate']);
    expect(dupIds((await get('/v1/stories/b1')).body)).toEqual(['b2', 'a1', 'a2', 'a3']);
    expect(await redis.exists(runtime.keys.storyRecord('a1'))).toBe(0);
    expect(await streamLen()).toBe(streamed);
    // The record store's own read follows the pointer too.
    expect((await runtime.stores.records.story('a1'))?.storyId).toBe('b1');
  });

  it('writes one audit entry per story, naming the editor, with before and after', async () => {
    const [a] = await audit().of('story:a1');
    expect(a).toMatchObject({
      actor: { name: 'edit-editor', role: 'editor' },
      action: 'story.merge',
      target: 'story:a1',
      before: { items: ['a1', 'a2'], mergedInto: null },
      after: { mergedInto: 'b1' },
    });
    const [b] = await audit().of('story:b1');
    expect(b).toMatchObject({
      action: 'story.merge',
      target: 'story:b1',
      before: { duplicates: ['b2'] },
      after: { duplicates: ['b2', 'a1', 'a2'], mergedFrom: 'a1' },
    });
    expect(Date.parse(a!.at)).toBe(NOW);
  });

  it('merging the target on repoints the stories merged into it (pointers stay one hop)', async () => {
    expect(await put([item('c1', 'c1', 'Chile', 3)])).toEqual(['emitted']);
    const res = await post('/v1/stories/b1/merge', { into: 'c1' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.moved).toEqual(['b1', 'b2', 'a1', 'a2', 'a3']);
    expect(await redis.get(runtime.keys.storyMergedInto('a1'))).toBe('c1');
    expect(await redis.get(runtime.keys.storyMergedInto('b1'))).toBe('c1');
    expect((await get('/v1/stories/a1')).body).toMatchObject({ storyId: 'c1', mergedInto: 'c1' });
    expect(await put([item('a4', 'a1', 'Atacama'), item('b3', 'b1', 'Bolivia')])).toEqual([
      'duplicate',
      'duplicate',
    ]);
    expect(dupIds((await get('/v1/stories/c1')).body)).toEqual(['b1', 'b2', 'a1', 'a2', 'a3', 'a4', 'b3']);
    expect((await get('/v1/records?limit=200')).body.items.map((r: DigestRecord) => r.storyId)).toEqual([
      'c1',
    ]);
    expect((await get('/v1/counts')).body.total).toBe(1);
  });

  it('refuses merged, same or unknown stories (409/404), viewers (403) and anonymous callers (401)', async () => {
    expect(await put([item('d1', 'd1', 'Dakota', 4)])).toEqual(['emitted']);
    const cases: Array<[string, unknown, TokenRole | null, number, string]> = [
      ['/v1/stories/a1/merge', { into: 'd1' }, 'editor', 409, 'STORY_CONFLICT'], // a1 merged already
      ['/v1/stories/d1/merge', { into: 'b1' }, 'editor', 409, 'STORY_CONFLICT'], // b1 merged into c1
      ['/v1/stories/d1/merge', { into: 'd1' }, 'editor', 409, 'STORY_CONFLICT'],
      ['/v1/stories/nope/merge', { into: 'd1' }, 'editor', 404, 'NOT_FOUND'],
      ['/v1/stories/d1/merge', { into: 'nope' }, 'editor', 404, 'NOT_FOUND'],
      ['/v1/stories/d1/merge', {}, 'editor', 400, 'INPUT_INVALID'],
      ['/v1/stories/d1/merge', { into: 'c1', extra: 1 }, 'editor', 400, 'INPUT_INVALID'],
      ['/v1/stories/d1/merge', { into: 'c1' }, 'viewer', 403, 'FORBIDDEN'],
      ['/v1/stories/d1/merge', { into: 'c1' }, null, 401, 'UNAUTHORISED'],
    ];
    for (const [url, body, role, status, code] of cases) {
      const res = await post(url, body, role);
      expect(res.status, `${url} ${JSON.stringify(body)} as ${role}`).toBe(status);
      expect(res.body.error.code).toBe(code);
    }
    const conflict = await post('/v1/stories/d1/merge', { into: 'b1' });
    expect(conflict.body.error.message).toContain('c1');
    // Nothing changed: d1 is still its own story.
    expect((await get('/v1/stories/d1')).body.mergedInto).toBeUndefined();
    expect(await audit().of('story:d1')).toEqual([]);
    // An admin may merge (editor or higher).
    expect((await post('/v1/stories/d1/merge', { into: 'c1' }, 'admin')).status).toBe(200);
  });

  it('two merges racing each other (x into y, y into x): exactly one wins', async () => {
    expect(await put([item('x1', 'x1', 'Xinjiang', 5), item('y1', 'y1', 'Yunnan', 5)])).toEqual([
      'emitted',
      'emitted',
    ]);
    const [xy, yx] = await Promise.all([
      post('/v1/stories/x1/merge', { into: 'y1' }),
      post('/v1/stories/y1/merge', { into: 'x1' }),
    ]);
    expect([xy.status, yx.status].sort()).toEqual([200, 409]);
    const winner = xy.status === 200 ? 'y1' : 'x1';
    const loser = winner === 'y1' ? 'x1' : 'y1';
    expect((await get(`/v1/stories/${loser}`)).body).toMatchObject({ storyId: winner, mergedInto: winner });
    expect(await redis.exists(runtime.keys.storyMergedInto(winner))).toBe(0);
  });

  it('items stored while their story is being merged all end up in the target, none lost', async () => {
    expect(await put([item('p1', 'p1', 'Patagonia', 6), item('q1', 'q1', 'Quebec', 6)])).toEqual([
      'emitted',
      'emitted',
    ]);
    const ids = Array.from({ length: 40 }, (_, i) => `p-late-${i}`);
    const puts = ids.map((id, i) =>
      new Promise((r) => setTimeout(r, i % 10)).then(() => put([item(id, 'p1', 'Patagonia', 6)])),
    );
    const merged = post('/v1/stories/p1/merge', { into: 'q1' });
    const outcomes = (await Promise.all(puts)).flat();
    expect((await merged).status).toBe(200);
    expect(outcomes.every((o) => o === 'duplicate')).toBe(true);
    const q = (await get('/v1/stories/q1')).body as DigestRecord;
    expect(new Set(dupIds(q))).toEqual(new Set(['p1', ...ids]));
    expect(await redis.exists(runtime.keys.storyDuplicates('p1'))).toBe(0);
    expect(await redis.exists(runtime.keys.storyItems('p1'))).toBe(0);
    expect(await redis.hlen(runtime.keys.storyItems('q1'))).toBe(ids.length + 1);
  });
  it('a put that read its story before a merge ran is told so by its script and lands in the target', async () => {
    expect(await put([item('r1', 'r1', 'Rwanda', 6), item('s1', 's1', 'Senegal', 6)])).toEqual([
      'emitted',
      'emitted',
    ]);
    // The record store on a client that runs the merge right after the put has read the merge targets (none
    // yet) and before its script runs: the script finds the pointer it was not given and the put reads again.
    let reads = 0;
    const between = new Proxy(redis, {
      get(target, prop) {
        if (prop === 'mget')
          return async (...keys: string[]) => {
            const got = await target.mget(...keys);
            if (reads++ === 0) expect((await post('/v1/stories/r1/merge', { into: 's1' })).status).toBe(200);
            return got;
          };
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const store = createRedisRecordStore({
      redis: between,
      prefix: runtime.keys.prefix,
      recordDays: runtime.config.app.retention.recordDays,
      streamMaxLen: 1000,
      now: () => NOW,
    });
    expect(await store.put([item('r2', 'r1', 'Rwanda', 6)])).toEqual(['duplicate']);
    expect(reads).toBe(2);
    expect(dupIds((await get('/v1/stories/s1')).body)).toEqual(['r1', 'r2']);
    expect(await redis.exists(runtime.keys.storyRecord('r1'))).toBe(0);
  });
});

describe('indexText (editors’ Chinese title and summary)', () => {
  it('adds the text’s tokens to the story; a merge takes them out with the story', async () => {
    expect(await put([item('e1', 'e1', 'Ethiopia', 9), item('f1', 'f1', 'Finland', 9)])).toEqual([
      'emitted',
      'emitted',
    ]);
    const edits = createRedisStoryEdits({
      redis,
      prefix: runtime.keys.prefix,
      recordDays: runtime.config.app.retention.recordDays,
      streamMaxLen: 1000,
      now: () => NOW,
    });
    const q = encodeURIComponent('盐湖提锂');
    expect((await get(`/v1/records?q=${q}`)).body.items).toEqual([]);
    // Eight bigrams; "ethiopia" is the record's own and is not added again.
    expect(await edits.indexText('e1', '埃塞俄比亚盐湖提锂 Ethiopia')).toBe(8);
    expect((await get(`/v1/records?q=${q}`)).body.items.map((r: DigestRecord) => r.storyId)).toEqual(['e1']);
    expect(await redis.smembers(runtime.keys.storyExtraTokens('e1'))).toContain('盐湖');
    expect((await post('/v1/stories/e1/merge', { into: 'f1' })).status).toBe(200);
    expect((await get(`/v1/records?q=${q}`)).body.items).toEqual([]);
    expect(await redis.zscore(runtime.keys.textToken('盐湖'), 'e1')).toBeNull();
    expect(await redis.exists(runtime.keys.storyExtraTokens('e1'))).toBe(0);
    await expect(edits.indexText('e1', '盐湖')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(edits.indexText('nope', '盐湖')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('split', () => {
  it('makes a new story of one item: its own record, indexed, counted and emitted; the story loses it', async () => {
    expect(
      await put([
        item('m1', 'm1', 'Mongolia', 7),
        item('m2', 'm1', 'Manitoba', 7, {
          tags: { commodities: ['nickel'], countries: ['CA'] },
          geo: { lat: 55, lon: -97 },
        }),
        item('m3', 'm1', 'Mongolia', 7),
      ]),
    ).toEqual(['emitted', 'duplicate', 'duplicate']);
    const totalBefore = (await get('/v1/counts')).body.total;
    const streamed = await streamLen();
    const res = await post('/v1/stories/m1/split', { itemId: 'm2' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ storyId: 'm1', itemId: 'm2', newStoryId: 'm2' });
    expect(res.body.story).toMatchObject({ id: 'm2', storyId: 'm2', canonicalId: 'm2', duplicates: [] });
    expect(res.body.story.title).toBe('Manitoba report m2');
    expect(dupIds(res.body.from)).toEqual(['m3']);

    const m2 = await get('/v1/stories/m2');
    expect(m2.status).toBe(200);
    expect(m2.body).toMatchObject({ storyId: 'm2', duplicates: [] });
    expect(m2.body.mergedInto).toBeUndefined();
    expect(dupIds((await get('/v1/stories/m1')).body)).toEqual(['m3']);
    expect((await get('/v1/records?q=manitoba')).body.items.map((r: DigestRecord) => r.storyId)).toEqual([
      'm2',
    ]);
    expect(
      (await get('/v1/records?commodity=nickel')).body.items.map((r: DigestRecord) => r.storyId),
    ).toEqual(['m2']);
    expect(
      (await get('/v1/records?bbox=-100,50,-90,60')).body.items.map((r: DigestRecord) => r.storyId),
    ).toEqual(['m2']);
    expect(await redis.zscore(runtime.keys.candidates('energy-minerals'), 'm2')).not.toBeNull();
    const counts = (await get('/v1/counts')).body;
    expect(counts.total).toBe(totalBefore + 1);
    expect(counts.commodities.nickel).toBe(1);
    expect(await streamLen()).toBe(streamed + 1);
    const [last] = await runtime.stores.records.readStream('all', '0', 10_000).then((e) => e.slice(-1));
    expect(last!.record.storyId).toBe('m2');
    // A re-run of the job that first stored m2 changes nothing.
    expect(await put([item('m2', 'm1', 'Manitoba', 7)])).toEqual(['unchanged']);
  });

  it('writes one audit entry per story', async () => {
    const [from] = await audit().of('story:m1');
    expect(from).toMatchObject({
      action: 'story.split',
      actor: { name: 'edit-editor', role: 'editor' },
      before: { duplicates: ['m2', 'm3'] },
      after: { duplicates: ['m3'], splitOut: 'm2' },
    });
    const [made] = await audit().of('story:m2');
    expect(made).toMatchObject({
      action: 'story.split',
      before: { storyOf: 'm1' },
      after: { storyId: 'm2', splitFrom: 'm1', title: 'Manitoba report m2' },
    });
  });

  it('splitting a merged story’s own item out of the target undoes that merge for it', async () => {
    // a1 was merged into b1, then b1 into c1: a1's record is among c1's items.
    const res = await post('/v1/stories/c1/split', { itemId: 'a1' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const a = await get('/v1/stories/a1');
    expect(a.body.storyId).toBe('a1');
    expect(a.body.mergedInto).toBeUndefined();
    expect(await redis.sismember(runtime.keys.storyMergedFrom('c1'), 'a1')).toBe(0);
    // The story index still assigns Atacama items to a1: they land in a1 again.
    expect(await put([item('a5', 'a1', 'Atacama')])).toEqual(['duplicate']);
    expect(dupIds((await get('/v1/stories/a1')).body)).toEqual(['a5']);
  });

  it('refuses the story’s own item, merged stories, unknown ids and viewers', async () => {
    const cases: Array<[string, unknown, TokenRole | null, number, string]> = [
      ['/v1/stories/m1/split', { itemId: 'm1' }, 'editor', 409, 'STORY_CONFLICT'],
      ['/v1/stories/b1/split', { itemId: 'b2' }, 'editor', 409, 'STORY_CONFLICT'], // b1 merged into c1
      ['/v1/stories/m1/split', { itemId: 'nope' }, 'editor', 404, 'NOT_FOUND'],
      ['/v1/stories/nope/split', { itemId: 'm3' }, 'editor', 404, 'NOT_FOUND'],
      ['/v1/stories/m1/split', { itemId: 'm2' }, 'editor', 404, 'NOT_FOUND'], // split out already
      ['/v1/stories/m1/split', {}, 'editor', 400, 'INPUT_INVALID'],
      ['/v1/stories/m1/split', { itemId: 'm3' }, 'viewer', 403, 'FORBIDDEN'],
      ['/v1/stories/m1/split', { itemId: 'm3' }, null, 401, 'UNAUTHORISED'],
    ];
    for (const [url, body, role, status, code] of cases) {
      const res = await post(url, body, role);
      expect(res.status, `${url} ${JSON.stringify(body)} as ${role}`).toBe(status);
      expect(res.body.error.code).toBe(code);
    }
    expect(dupIds((await get('/v1/stories/m1')).body)).toEqual(['m3']);
  });

  it('an item stored before full item records were kept cannot be split: 409', async () => {
    expect(await put([item('n1', 'n1', 'Namibia', 8), item('n2', 'n1', 'Namibia', 8)])).toEqual([
      'emitted',
      'duplicate',
    ]);
    await redis.del(runtime.keys.storyItems('n1'));
    const res = await post('/v1/stories/n1/split', { itemId: 'n2' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('STORY_CONFLICT');
  });
});
