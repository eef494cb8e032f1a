/**
 * The learned model on the real Redis, through the runtime and the CLI commands (run in process, with their
 * real stores): editors' decisions in the audit trail → `geointel model train` → a stored version that the
 * process workers do NOT use until `model promote`; after promotion the held-out near neighbours of the
 * decided items are decided as the editors would, while fewer than 2 % of the dev set's decisions move;
 * `model restore` goes back; `rules test` lists the items gained and lost.
 *
 * The process worker counts every item it classifies in `geointel_classified_total{topic, decided_by}`: the
 * counts of a job equal the decisions the classify stage gives those items, and the records stored.
 *
 * Fixture: tests/fixtures/model/editor-decisions.json (two editorial preferences the lexicons do not share,
 * and near neighbours written for this test).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readLabelled } from '../../src/bench/label-eval.js';
import type { CommandIO } from '../../src/cli/command.js';
import { command as modelCommand } from '../../src/cli/commands/model.js';
import { command as rulesCommand } from '../../src/cli/commands/rules.js';
import { ConfigError } from '../../src/config/load.js';
import type { SourceEntry } from '../../src/config/sources-schema.js';
import { classifyItemDetailed, compileTaxonomy, sourcePriorOf } from '../../src/pipeline/classify/index.js';
import { classDecision } from '../../src/pipeline/ingest.js';
import { createScorer, type ModelScorer } from '../../src/pipeline/model/scorer.js';
import type { DigestRecord } from '../../src/pipeline/types.js';
import { loadBaseline } from '../../src/runtime/model.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { createRedisAuditStore } from '../../src/store/audit.js';
import { ROOT } from '../helpers/cli.js';
import { baseConfig, cleanup, drained, REDIS_URL, startRuntime, withPrefix } from '../helpers/runtime.js';

interface FixtureItem {
  theme: string;
  title: string;
  summary: string;
  section?: string;
  reason?: string;
  label?: string;
}
const fixture = JSON.parse(
  readFileSync(join(ROOT, 'tests/fixtures/model/editor-decisions.json'), 'utf8'),
) as {
  decided: FixtureItem[];
  merged: FixtureItem[];
  neighbours: FixtureItem[];
};

const config = withPrefix(baseConfig());
const SOURCE = 'usgs-news';
const env = {
  GEOINTEL_CONFIG_DIR: join(ROOT, 'config'),
  REDIS_URL,
  GEOINTEL_PREFIX: config.app.redis.prefix,
};
let runtime: Runtime;

async function cli(cmd: typeof modelCommand, args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const io: CommandIO = { stdin: Readable.from([]), stdout, stderr, env };
  const code = await cmd.run(args, io);
  return { code, out, err };
}

/** Runs one process job with these items (source usgs-news, fetched now) and waits for the queues. */
async function processItems(jobId: string, items: Array<{ id: string; title: string; summary: string }>) {
  await runtime.queues.process.add(
    'process',
    { sourceId: SOURCE, fetchedAt: new Date().toISOString(), items },
    { jobId },
  );
  await drained(runtime);
}

/** The class an item was decided when it was processed (its story's record, or its own record as a later item). */
async function decisionOf(itemId: string): Promise<string> {
  const storyId = await runtime.redis.get(runtime.keys.itemSeen(itemId));
  if (!storyId) throw new Error(`item ${itemId} was not stored`);
  let record: DigestRecord | null;
  if (storyId === itemId) record = await runtime.stores.records.story(storyId);
  else {
    const json = await runtime.redis.hget(runtime.keys.storyItems(storyId), itemId);
    record = json ? (JSON.parse(json) as DigestRecord) : null;
  }
  if (!record) throw new Error(`no record of ${itemId}`);
  return record.relevant && record.topic ? record.topic : 'off-topic';
}

const neighbourItems = (phase: string) =>
  fixture.neighbours.map((n, i) => ({ id: `${phase}-${i}`, title: n.title, summary: n.summary }));

const taxonomy = compileTaxonomy(config.topics, config.tags);
const sourceEntry = config.sources.find((s) => s.id === SOURCE) as SourceEntry;
/** What the classify stage decides for a text with this model (no Redis), with the source's prior if given. */
function decide(
  item: { title: string; summary: string; language?: string },
  model: ModelScorer,
  source?: SourceEntry,
): string {
  const c = classifyItemDetailed({ id: 'x', ...item }, taxonomy, {
    model,
    ...(source ? { source: sourcePriorOf(source) } : {}),
  }).classification;
  return c.relevant && c.topic ? c.topic : 'off-topic';
}

/** `geointel_classified_total` of the runtime's registry: `<topic> <decided_by>` → items. */
async function classifiedCounts(): Promise<Map<string, number>> {
  const { values } = await runtime.metrics.classified.get();
  return new Map(values.map((v) => [`${v.labels.topic} ${v.labels.decided_by}`, v.value]));
}

/**
 * Runs `processed` (one process job of the neighbours) and checks what it added to `geointel_classified_total`:
 * one count per item, the decisions the classify stage gives them with `model` (exactly), and the classes of
 * the records stored (`got`). Returns the counts added.
 */
async function expectClassifiedCounts(
  model: ModelScorer,
  processed: () => Promise<string[]>,
): Promise<Map<string, number>> {
  const before = await classifiedCounts();
  const got = await processed();
  const after = await classifiedCounts();
  const added = new Map<string, number>();
  for (const [k, n] of after) if (n !== (before.get(k) ?? 0)) added.set(k, n - (before.get(k) ?? 0));
  const expected = new Map<string, number>();
  for (const n of fixture.neighbours) {
    const d = classDecision(
      classifyItemDetailed({ id: 'x', title: n.title, summary: n.summary }, taxonomy, {
        model,
        source: sourcePriorOf(sourceEntry),
      }),
      sourceEntry.topicHints,
    );
    const k = `${d.topic} ${d.by}`;
    expected.set(k, (expected.get(k) ?? 0) + 1);
  }
  expect(Object.fromEntries(added)).toEqual(Object.fromEntries(expected));
  const byTopic = (m: Map<string, number>) => {
    const out: Record<string, number> = {};
    for (const [k, n] of m) out[k.split(' ')[0]!] = (out[k.split(' ')[0]!] ?? 0) + n;
    return out;
  };
  const stored: Record<string, number> = {};
  for (const g of got) stored[g] = (stored[g] ?? 0) + 1;
  expect(byTopic(added)).toEqual(stored);
  return added;
}

let version = '';
let baselineDecisions: string[] = [];
const decidedIds: string[] = [];

beforeAll(async () => {
  expect(sourceEntry?.topicHints ?? []).toEqual([]);
  runtime = await startRuntime(config, { roles: ['process'] });
  // The decided stories and the stories later merged into them, stored by the pipeline like any item.
  const decided = fixture.decided.map((d, i) => ({ id: `dec-${i}`, title: d.title, summary: d.summary }));
  const merged = fixture.merged.map((m, i) => ({ id: `mrg-${i}`, title: m.title, summary: m.summary }));
  await processItems('decided', [...decided, ...merged]);
  const audit = createRedisAuditStore({ redis: runtime.redis, prefix: config.app.redis.prefix });
  const actor = { name: 'editor-a', role: 'editor' };
  const at = () => new Date().toISOString();
  for (const [i, d] of fixture.decided.entries()) {
    const storyId = `dec-${i}`;
    const record = await runtime.stores.records.story(storyId);
    expect(record?.storyId, d.title).toBe(storyId);
    decidedIds.push(storyId);
    // The shapes src/api/routes/candidates.ts writes.
    if (d.section)
      await audit.append({
        at: at(),
        actor,
        action: 'candidate.accept',
        target: `story:${storyId}`,
        before: { state: 'candidate', claim: null, section: record?.topic ?? null },
        after: { state: 'accepted', section: d.section, date: '2026-12-04', edition: 'draft' },
      });
    else
      await audit.append({
        at: at(),
        actor,
        action: 'candidate.reject',
        target: `story:${storyId}`,
        before: { state: 'candidate', claim: null, pools: [record?.topic ?? 'hydrogeology'] },
        after: { state: 'rejected', reason: d.reason },
      });
  }
  // A duplicate rejection is no judgement on the topic: it must not become an off-topic label.
  await audit.append({
    at: at(),
    actor,
    action: 'candidate.reject',
    target: 'story:mrg-dup',
    before: { state: 'candidate' },
    after: { state: 'rejected', reason: 'duplicate of an accepted story' },
  });
  for (const [i, m] of fixture.merged.entries()) {
    const into = `dec-${fixture.decided.findIndex((d) => d.theme === m.theme)}`;
    // The shape src/api/routes/story-edits.ts writes for the merged story.
    await audit.append({
      at: at(),
      actor,
      action: 'story.merge',
      target: `story:mrg-${i}`,
      before: { title: m.title, items: [`mrg-${i}`], mergedInto: null },
      after: { mergedInto: into },
    });
  }
  baselineDecisions = fixture.neighbours.map((n) => decide(n, loadBaseline(config), sourceEntry));
}, 120_000);

afterAll(async () => {
  if (runtime) {
    await cleanup(runtime);
    await runtime.close();
  }
});

describe('geointel model train, promote, restore', () => {
  it('trains a version from the decisions; it is stored but not active', async () => {
    const started = performance.now();
    const r = await cli(modelCommand, ['train', '--since', '30d']);
    const seconds = (performance.now() - started) / 1000;
    expect(r.code, r.err).toBe(0);
    const line = JSON.parse(r.out.trim()) as {
      version: string;
      items: Record<string, number>;
      decisions: Record<string, number>;
      active: boolean;
    };
    console.log(`model train: ${JSON.stringify(line)} in ${seconds.toFixed(1)} s`);
    version = line.version;
    expect(version).toMatch(/^r1-\d{8}$/);
    // 8 accepted into carbon-neutrality (section changes: the lexicons put them elsewhere), 6 rejections,
    // 2 merges; the duplicate rejection gives no label.
    expect((line.decisions['section-change'] ?? 0) + (line.decisions.accept ?? 0)).toBe(8);
    expect(line.decisions['section-change']).toBeGreaterThanOrEqual(6);
    expect(line.decisions.reject).toBe(6);
    expect(line.decisions.merge).toBe(2);
    expect(line.items.decision).toBe(16);
    expect(line.active).toBe(false);
    expect(r.err).toContain(`geointel model promote ${version}`);
    expect(await runtime.stores.models.active()).toBeNull();
    const list = await cli(modelCommand, ['list', '--json']);
    const listed = JSON.parse(list.out) as {
      active: string | null;
      inUse: string;
      versions: Array<{ version: string }>;
    };
    expect(listed.active).toBeNull();
    expect(listed.inUse).toBe('baseline-v1');
    expect(listed.versions.map((v) => v.version)).toEqual([version]);
    expect(seconds).toBeLessThan(60);
  });

  it('an unpromoted model is not used by the process worker', async () => {
    let got: string[] = [];
    await expectClassifiedCounts(loadBaseline(config), async () => {
      await processItems('neighbours-1', neighbourItems('n1'));
      got = await Promise.all(fixture.neighbours.map((_, i) => decisionOf(`n1-${i}`)));
      return got;
    });
    // Exactly the baseline's decisions; and not the editors' where the baseline differs from them.
    expect(got).toEqual(baselineDecisions);
    const differing = fixture.neighbours.filter((n, i) => baselineDecisions[i] !== n.label);
    expect(differing.length).toBeGreaterThanOrEqual(8);
  });

  it('after promotion the workers decide the near neighbours as the editors did; < 2 % of dev items move', async () => {
    const p = await cli(modelCommand, ['promote', version]);
    expect(p.code, p.err).toBe(0);
    expect(JSON.parse(p.out)).toEqual({ active: version, previous: null, changed: true });
    let got: string[] = [];
    const added = await expectClassifiedCounts(
      createScorer(await runtime.stores.models.get(version)),
      async () => {
        await processItems('neighbours-2', neighbourItems('n2'));
        got = await Promise.all(fixture.neighbours.map((_, i) => decisionOf(`n2-${i}`)));
        return got;
      },
    );
    const needed = fixture.neighbours.map((n, i) => baselineDecisions[i] !== n.label);
    const fixed = fixture.neighbours.filter((n, i) => needed[i] && got[i] === n.label).length;
    const broken = fixture.neighbours.filter((n, i) => !needed[i] && got[i] !== n.label).length;
    console.log(
      `near neighbours: ${fixed} of ${needed.filter(Boolean).length} moved to the editors' label; ${broken} of the others moved away`,
    );
    expect(fixed / needed.filter(Boolean).length).toBeGreaterThanOrEqual(0.8);
    expect(broken).toBe(0);
    // The promoted model overturned the lexicon's answer for most of the items it moved.
    const byModel = [...added].filter(([k]) => k.endsWith(' model')).reduce((sum, [, n]) => sum + n, 0);
    console.log(`geointel_classified_total added by the job: ${JSON.stringify(Object.fromEntries(added))}`);
    expect(byModel).toBeGreaterThanOrEqual(fixed / 2);
    // The trained version's own texts were never in the neighbours (held out).
    const trainedTitles = new Set([...fixture.decided, ...fixture.merged].map((d) => d.title));
    expect(fixture.neighbours.filter((n) => trainedTitles.has(n.title))).toEqual([]);

    // Unrelated items: the dev set, decided with the baseline and with the promoted version.
    const file = await runtime.stores.models.get(version);
    const trained = createScorer(file);
    const baseline = loadBaseline(config);
    const dev = readLabelled('dev.jsonl');
    const moved = dev.filter((d) => decide(d, baseline) !== decide(d, trained)).length;
    console.log(
      `dev set: ${moved} of ${dev.length} decisions moved (${((100 * moved) / dev.length).toFixed(2)} %)`,
    );
    expect(moved / dev.length).toBeLessThan(0.02);
    expect(dev.length).toBeGreaterThan(400);
  });

  it('model eval reports per-class precision and recall on the decisions of the window', async () => {
    const r = await cli(modelCommand, ['eval', '--since', '30d', '--json']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as {
      decisions: number;
      results: Array<{
        name: string;
        scores: { accuracy: number; classes: Array<{ id: string; recall: number | null }> };
      }>;
    };
    expect(out.decisions).toBe(16);
    expect(out.results.map((x) => x.name)).toEqual(['lexicons', `+${version}`]);
    const [lexicons, promoted] = out.results;
    // Trained on these very decisions: it gets them, the lexicons do not.
    expect(promoted!.scores.accuracy).toBeGreaterThan(lexicons!.scores.accuracy);
    const carbon = (s: typeof promoted) =>
      s!.scores.classes.find((c) => c.id === 'carbon-neutrality')!.recall;
    expect(carbon(promoted)).toBeGreaterThanOrEqual(0.8);
    const table = await cli(modelCommand, ['eval', '--since', '30d']);
    expect(table.out).toMatch(/^carbon-neutrality +\d+ /m);
  });

  it('restore goes back to the baseline, and the workers follow', async () => {
    const r = await cli(modelCommand, ['restore']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ active: null, inUse: 'baseline-v1', replaced: version });
    await processItems('neighbours-3', neighbourItems('n3'));
    const got = await Promise.all(fixture.neighbours.map((_, i) => decisionOf(`n3-${i}`)));
    expect(got).toEqual(baselineDecisions);
    const again = await cli(modelCommand, ['restore']);
    expect(again.code).toBe(1);
    expect(again.err).toContain('nothing to restore');
    // Promotions and restores are in the audit trail.
    const audit = createRedisAuditStore({ redis: runtime.redis, prefix: config.app.redis.prefix });
    expect((await audit.of(`model:${version}`)).map((e) => e.action)).toEqual(['model.promote']);
    expect((await audit.of('model:baseline')).map((e) => e.action)).toEqual(['model.restore']);
    const unknown = await cli(modelCommand, ['promote', 'r99-20260101']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no model version "r99-20260101"');
  });
});

describe('geointel rules test', () => {
  it('lists the items a changed model gains and loses per class, with P/R against the decisions', async () => {
    const r = await cli(rulesCommand, ['test', '--since', '30d', '--model', version]);
    expect(r.code, r.err).toBe(0);
    console.log(r.out);
    expect(r.out).toMatch(/decided differently/);
    expect(r.out).toMatch(/^carbon-neutrality: \+\d+ −\d+$/m);
    expect(r.out).toMatch(/^hydrogeology: \+\d+ −\d+$/m);
    // A neighbour stored before the promotion, gained by carbon-neutrality, lost by hydrogeology.
    const campus = fixture.neighbours[0]!.title;
    expect(r.out).toContain(`  + n1-0  ${campus}  (was hydrogeology)`);
    expect(r.out).toContain(`  − n1-0  ${campus}  (now carbon-neutrality)`);
    expect(r.out).toMatch(/against 16 editors' decisions of the window/);
    const json = JSON.parse((await cli(rulesCommand, ['test', '--model', version, '--json'])).out) as {
      records: number;
      classes: Record<string, { gained: Array<{ storyId: string }>; lost: unknown[] }>;
    };
    expect(json.classes['carbon-neutrality']!.gained.map((g) => g.storyId)).toContain('n1-0');
  });

  it('replays a changed topics file: a new veto term moves its items to off-topic', async () => {
    const topics = parse(readFileSync(join(ROOT, 'config/topics.yaml'), 'utf8')) as {
      veto: Record<string, string[]>;
    };
    topics.veto.en = [...(topics.veto.en ?? []), 'microplastic*'];
    const file = join(tmpdir(), `topics-${config.app.redis.prefix}.yaml`);
    writeFileSync(file, stringify(topics));
    const r = await cli(rulesCommand, ['test', '--topics', file, '--json']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as {
      classes: Record<
        string,
        { gained: Array<{ storyId: string; title: string }>; lost: Array<{ storyId: string }> }
      >;
    };
    const gained = out.classes['off-topic']!.gained;
    expect(gained.length).toBeGreaterThan(0);
    expect(gained.every((g) => /microplastic/i.test(g.title))).toBe(true);
    expect(out.classes.hydrogeology!.lost.length).toBe(gained.length);
    writeFileSync(file, 'topics: []\n');
    const bad = await cli(rulesCommand, ['test', '--topics', file]).catch((err: unknown) => err);
    expect(bad).toBeInstanceOf(ConfigError);
    expect((bad as ConfigError).issues.map((i) => [i.file, i.path])).toEqual([[file, 'topics']]);
  });
});
