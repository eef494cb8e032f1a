/**
 * Acceptance: the running system end to end over the recorded real feeds, served by the demo's capture
 * server — queues, every stage, the Redis stores and the streams. Truth about what is new comes from the
 * captures themselves (GUIDs read by the test helper), never from the code under test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfig } from '../../src/cli/commands/demo.js';
import { type CaptureServer, demoSources, startCaptureServer } from '../../src/demo/capture-server.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { runCliAsync } from '../helpers/cli.js';
import { baseConfig, cleanup, fetchNow, REDIS_URL, startRuntime, withPrefix } from '../helpers/runtime.js';
import { FEEDS, readFixtureItems } from '../unit/dedupe-fixture-items.js';

let server: CaptureServer;
let runtime: Runtime;

const newGuids = (a: string, b: string) => {
  const before = new Set(readFixtureItems(a).map((f) => f.guid));
  return readFixtureItems(b).filter((f) => !before.has(f.guid)).length;
};

/** Sum of the process jobs' outcome counts for one source so far. */
async function processed(sourceId: string) {
  const jobs = await runtime.queues.process.getJobs(['completed'], 0, -1);
  const sum = { emitted: 0, duplicate: 0, unchanged: 0, stored: 0 };
  for (const j of jobs)
    if (j.data.sourceId === sourceId)
      for (const k of Object.keys(sum) as Array<keyof typeof sum>) sum[k] += j.returnvalue?.[k] ?? 0;
  return sum;
}
const fresh = (s: { emitted: number; duplicate: number; stored: number }) =>
  s.emitted + s.duplicate + s.stored;

beforeAll(async () => {
  server = await startCaptureServer({ root: FEEDS });
  const base = baseConfig();
  const config = withPrefix(demoConfig(base, demoSources(server, base.sources, '1h')));
  runtime = await startRuntime(config);
});

afterAll(async () => {
  await cleanup(runtime);
  await runtime.close();
  await server.close();
});

describe('demo end to end: fetch → process → Redis stores → streams', () => {
  it('first intake: records reach stream:all and at least three topic streams, each story once', async () => {
    const ids = runtime.sources().map((s) => s.id);
    expect(ids.length).toBeGreaterThanOrEqual(8);
    await fetchNow(runtime, ids);
    const all = await runtime.stores.records.readStream('all', '0', 10_000);
    expect(all.length).toBeGreaterThan(20);
    const stories = all.map((e) => e.record.storyId);
    expect(new Set(stories).size).toBe(stories.length);
    expect(all.every((e) => e.record.relevant)).toBe(true);
    const topicLengths = await Promise.all(
      runtime.config.topics.topics.map((t) => runtime.redis.xlen(runtime.keys.stream(t.id))),
    );
    expect(topicLengths.filter((n) => n > 0).length).toBeGreaterThanOrEqual(3);
    const health = await runtime.stores.sources.all();
    for (const id of ids) expect(health[id]?.health.lastSuccessAt, id).toBeTruthy();
  });

  it('`sources list` shows the health counters the runtime stored', async () => {
    const r = await runCliAsync(['sources', 'list', '--json'], {
      env: { REDIS_URL, GEOINTEL_PREFIX: runtime.keys.prefix },
    });
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Array<{
      id: string;
      health: { lastItems?: number; fetches: number } | null;
    }>;
    const physorg = list.find((s) => s.id === 'physorg')!;
    expect(physorg.health).toMatchObject({ fetches: 1, lastItems: 30 });
    expect(list.find((s) => s.id === 'bgs')!.health).toBeNull();
    const text = await runCliAsync(['sources', 'list'], {
      env: { REDIS_URL, GEOINTEL_PREFIX: runtime.keys.prefix },
    });
    expect(text.stdout).toMatch(/^physorg .* ok 30 items /m);
  });

  it("`reprocess` runs a source's stored body through the stages again: nothing stored twice", async () => {
    const env = {
      REDIS_URL,
      GEOINTEL_PREFIX: runtime.keys.prefix,
      GEOINTEL_INGEST_MAX_ITEM_AGE_DAYS: '36500',
    };
    const before = await runtime.redis.xlen(runtime.keys.stream('all'));
    const r = await runCliAsync(['reprocess', 'physorg'], { env });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ source: 'physorg', items: 30, unchanged: 30, emitted: 0, duplicate: 0 });
    expect(await runtime.redis.xlen(runtime.keys.stream('all'))).toBe(before);
    const none = await runCliAsync(['reprocess', 'bgs'], { env });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no stored body');
  });

  it('an unchanged feed costs a 304 and emits nothing', async () => {
    const before = await runtime.redis.xlen(runtime.keys.stream('all'));
    const notModified = server.notModified();
    const ids = runtime.sources().map((s) => s.id);
    await fetchNow(runtime, ids);
    expect(server.notModified() - notModified).toBe(ids.length);
    expect(await runtime.redis.xlen(runtime.keys.stream('all'))).toBe(before);
  });

  it('Phys.org 12-13 → 12-14 brings exactly its new items', async () => {
    const expected = newGuids('physorg/earth-news-2025-12-13.xml', 'physorg/earth-news-2025-12-14.xml');
    expect(expected).toBe(2);
    const before = await processed('physorg');
    const weekBefore = (await runtime.stores.sources.itemsPerWeek(Date.now())).physorg ?? 0;
    expect(server.advance('/physorg/earth-news.xml')).toBe(true);
    await fetchNow(runtime, ['physorg']);
    const after = await processed('physorg');
    expect(fresh(after) - fresh(before)).toBe(expected);
    expect(after.unchanged - before.unchanged).toBe(28);
    // Items per week (the sources page) count the new items only.
    expect(weekBefore).toBe(30);
    expect((await runtime.stores.sources.itemsPerWeek(Date.now())).physorg).toBe(30 + expected);
  });

  it('ScienceDaily 1103Z → 1143Z: new bytes, no new items; → 1703Z brings 21', async () => {
    const path = '/sciencedaily/all.xml';
    const s0 = await processed('sciencedaily');
    expect(server.advance(path)).toBe(true);
    await fetchNow(runtime, ['sciencedaily']);
    const s1 = await processed('sciencedaily');
    expect(newGuids('sciencedaily/all-2020-02-10T1103Z.xml', 'sciencedaily/all-2020-02-10T1143Z.xml')).toBe(
      0,
    );
    expect(fresh(s1) - fresh(s0)).toBe(0);
    expect(s1.unchanged - s0.unchanged).toBeGreaterThan(0);
    expect(server.advance(path)).toBe(true);
    await fetchNow(runtime, ['sciencedaily']);
    const s2 = await processed('sciencedaily');
    expect(newGuids('sciencedaily/all-2020-02-10T1143Z.xml', 'sciencedaily/all-2020-02-10T1703Z.xml')).toBe(
      21,
    );
    expect(fresh(s2) - fresh(s1)).toBe(21);
    const all = await runtime.stores.records.readStream('all', '0', 10_000);
    const stories = all.map((e) => e.record.storyId);
    expect(new Set(stories).size).toBe(stories.length);
  });
});
