/** `geointel model`: the learned model's versions — train from editors' decisions, list, promote, restore, eval. */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { GeoError } from '../../errors.js';
import { compileTaxonomy, type Taxonomy } from '../../pipeline/classify/index.js';
import { type LabelledRow, parseDataFile, trainingItemsOf } from '../../pipeline/model/dataset.js';
import type { DecidedItem } from '../../pipeline/model/decisions.js';
import { formatScores, scoreDecisions } from '../../pipeline/model/evaluate.js';
import { createScorer, type ModelScorer } from '../../pipeline/model/scorer.js';
import type { ModelFile } from '../../pipeline/model/serialize.js';
import { classesOf, trainModel } from '../../pipeline/model/train.js';
import { resolveModelPath } from '../../runtime/model.js';
import { readModelFile } from '../../store/models.js';
import { type Command, parseFlags, writeJsonLine } from '../command.js';
import { decisionsSince, itemOfRecord, judge, parseWindow, type Stores, withStores } from '../decisions.js';

const HELP = `Usage:
  geointel model list [--json]
  geointel model train [--since 30d] [--weight N]
  geointel model promote VERSION
  geointel model restore
  geointel model eval [--since 30d] [--model VERSION] [--fresh] [--json]

The learned relevance/section model beside the lexicons (docs/classification.md, "The learned model"). The
classify decision is the lexicon's unless the model is confident and clearly disagrees; event rules, title
veto terms and a source's topicHints always win. The workers use the promoted version, else the baseline file
(config model.baseline, models/baseline-v1.json); model.enabled: false turns the model off.

list     stored versions (trained when, by what, on how many baseline items and decisions, from which parent)
         and which one the workers use.
train    refits from the baseline's training items (models/<baseline>.data.jsonl) plus the editors' decisions
         of the window (audit trail: candidate accept → its section, a section change → the new section,
         reject → off-topic unless the reason says duplicate/already covered, story merge → the label of the
         story merged into; a split cuts that inheritance). Each decision counts --weight baseline items
         (config model.decisionWeight, 5). Stores a new version r<n>-<yyyymmdd>; it is NOT used until promoted.
promote  makes a stored version the one every process worker uses from its next job (the baseline file's own
         version may be named too). The version it replaces is remembered.
restore  goes back to the version the last promotion replaced (down to the baseline file).
eval     per-class precision and recall of the decisions of the window: the lexicons alone, the model in use,
         and --model VERSION. --fresh keeps only decisions made after the newest evaluated model was trained
         (decisions a model learned from flatter it).

--since  a window back from now: 30d (default), 12h, 2w.
Needs the Redis of the running system (REDIS_URL, or the one \`geointel run\` supervises). Exit 1 when a version
is unknown or there is nothing to train on.`;

const yyyymmdd = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '');
const DEFAULT_WINDOW = '30d';

/** The configured baseline model and the path of its training rows. */
function baselineOf(config: Stores['config']): { file: ModelFile; dataPath: string } {
  const path = resolveModelPath(config.app.model.baseline);
  return { file: readModelFile(path), dataPath: path.replace(/\.json$/, '.data.jsonl') };
}

/** Decided stories as data rows (an event feed's items are judged by its rules and left out of training). */
function decisionRows(decided: readonly DecidedItem[], config: Stores['config']): LabelledRow[] {
  const sources = new Map(config.sources.map((s) => [s.id, s]));
  return decided.map((d) => ({
    id: `decision:${d.storyId}`,
    title: d.title,
    summary: d.summary,
    label: d.label,
    ...(d.language ? { language: d.language } : {}),
    ...(d.sourceId ? { source: d.sourceId } : {}),
    ...(d.sourceId && sources.get(d.sourceId)?.publishes === 'events' ? { events: true } : {}),
    ...(d.record?.geo ? { geo: d.record.geo } : {}),
  }));
}

async function train(
  s: Stores,
  since: string,
  weight: number,
  io: Parameters<Command['run']>[1],
): Promise<number> {
  const { config } = s;
  const taxonomy = compileTaxonomy(config.topics, config.tags);
  const classes = classesOf(taxonomy.topicIds);
  const baseline = baselineOf(config);
  const now = new Date();
  const sinceIso = new Date(now.getTime() - parseWindow(since)).toISOString();
  const decided = await decisionsSince(s, taxonomy.topicIds, sinceIso);
  if (decided.length === 0) {
    io.stderr.write(
      `geointel model: no editors' decisions since ${sinceIso} (with a stored record): nothing to learn\n`,
    );
    return 1;
  }
  const baseRows = parseDataFile(readFileSync(baseline.dataPath, 'utf8'), baseline.dataPath);
  const items = [
    ...trainingItemsOf(baseRows, taxonomy, { weight: 1, origin: 'baseline', classes }),
    ...trainingItemsOf(decisionRows(decided, config), taxonomy, { weight, origin: 'decision', classes }),
  ];
  const byKind: Record<string, number> = {};
  for (const d of decided) byKind[d.kind] = (byKind[d.kind] ?? 0) + 1;
  const version = await s.models.nextVersion(yyyymmdd(now));
  const parent = (await s.models.active()) ?? baseline.file.version;
  const { file, iterations } = trainModel(
    items,
    {
      topics: taxonomy.topicIds,
      features: baseline.file.features,
      combine: baseline.file.combine,
      l2: baseline.file.manifest.l2,
      ...(typeof baseline.file.manifest.classBalance === 'number'
        ? { classBalance: baseline.file.manifest.classBalance }
        : {}),
      seed: baseline.file.manifest.seed,
    },
    {
      version,
      trainedAt: now.toISOString(),
      trainedBy: 'geointel model train',
      parent,
      taxonomyHash: createHash('sha256').update(JSON.stringify(config.topics)).digest('hex'),
      decisions: { since: sinceIso, weight, byKind },
    },
  );
  await s.models.put(file, now.toISOString());
  writeJsonLine(io.stdout, {
    version,
    parent,
    items: file.manifest.items,
    decisions: byKind,
    weight,
    iterations,
    active: false,
  });
  io.stderr.write(
    `stored model ${version}; the workers use it only after: geointel model promote ${version}\n`,
  );
  return 0;
}

async function list(s: Stores, json: boolean, io: Parameters<Command['run']>[1]): Promise<number> {
  const baseline = baselineOf(s.config);
  const active = await s.models.active();
  const versions = await s.models.list();
  const inUse = s.config.app.model.enabled ? (active ?? baseline.file.version) : null;
  if (json) {
    writeJsonLine(io.stdout, {
      enabled: s.config.app.model.enabled,
      active,
      inUse,
      baseline: { version: baseline.file.version, file: s.config.app.model.baseline },
      versions,
    });
    return 0;
  }
  const rows = [
    ['VERSION', 'TRAINED', 'BY', 'ITEMS', 'PARENT', 'STATUS'],
    [
      baseline.file.version,
      baseline.file.manifest.trainedAt,
      baseline.file.manifest.trainedBy,
      Object.entries(baseline.file.manifest.items)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
      '-',
      `baseline file${inUse === baseline.file.version ? ', in use' : ''}`,
    ],
    ...versions
      .filter((v) => v.version !== baseline.file.version)
      .map((v) => [
        v.version,
        v.trainedAt,
        v.trainedBy,
        Object.entries(v.items)
          .map(([k, n]) => `${k} ${n}`)
          .join(', '),
        v.parent ?? '-',
        v.version === inUse ? 'in use' : v.version === active ? 'promoted (model.enabled: false)' : '',
      ]),
  ];
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  for (const r of rows)
    io.stdout.write(
      `${r
        .map((c, i) => c.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd()}\n`,
    );
  if (!s.config.app.model.enabled) io.stdout.write('model.enabled is false: the lexicons alone decide\n');
  return 0;
}

/** Appends an admin's model action to the audit trail (target `model:<version>`). */
async function audit(
  s: Stores,
  action: string,
  version: string,
  before: unknown,
  after: unknown,
): Promise<void> {
  let name = 'cli';
  try {
    name = `cli:${userInfo().username}`;
  } catch {
    // no user name: `cli`
  }
  await s.audit.append({
    at: new Date().toISOString(),
    actor: { name, role: 'admin' },
    action,
    target: `model:${version === '-' ? 'baseline' : version}`,
    before,
    after,
  });
}

async function promote(s: Stores, version: string, io: Parameters<Command['run']>[1]): Promise<number> {
  const baseline = baselineOf(s.config);
  // The baseline file's version can be promoted too (back to it while a history is kept): stored first.
  if (version === baseline.file.version && !(await s.models.get(version)))
    await s.models.put(baseline.file, new Date().toISOString());
  try {
    const out = await s.models.promote(version);
    if (out.changed) await audit(s, 'model.promote', version, { active: out.previous }, { active: version });
    writeJsonLine(io.stdout, { active: version, previous: out.previous, changed: out.changed });
    return 0;
  } catch (err) {
    if (err instanceof GeoError && err.code === 'NOT_FOUND') {
      io.stderr.write(`geointel model: ${err.message} (geointel model list)\n`);
      return 1;
    }
    throw err;
  }
}

async function restore(s: Stores, io: Parameters<Command['run']>[1]): Promise<number> {
  const out = await s.models.restore();
  if (!out) {
    io.stderr.write('geointel model: nothing to restore (no promotion is remembered)\n');
    return 1;
  }
  await audit(s, 'model.restore', out.active ?? '-', { active: out.replaced }, { active: out.active });
  const baseline = baselineOf(s.config);
  writeJsonLine(io.stdout, {
    active: out.active,
    inUse: out.active ?? baseline.file.version,
    replaced: out.replaced,
  });
  return 0;
}

/** The scorer of a stored version or of the baseline file (NOT_FOUND otherwise). */
async function scorerOf(s: Stores, version: string): Promise<{ scorer: ModelScorer; file: ModelFile }> {
  const baseline = baselineOf(s.config);
  const file = version === baseline.file.version ? baseline.file : await s.models.get(version);
  if (!file) throw new GeoError('NOT_FOUND', `no model version "${version}" is stored`);
  return { scorer: createScorer(file), file };
}

async function evaluate(
  s: Stores,
  since: string,
  version: string | undefined,
  fresh: boolean,
  json: boolean,
  io: Parameters<Command['run']>[1],
): Promise<number> {
  const taxonomy: Taxonomy = compileTaxonomy(s.config.topics, s.config.tags);
  const sources = new Map(s.config.sources.map((x) => [x.id, x]));
  const inUse = (await s.models.active()) ?? baselineOf(s.config).file.version;
  const models = [await scorerOf(s, inUse)];
  if (version && version !== inUse) models.push(await scorerOf(s, version));
  let sinceIso = new Date(Date.now() - parseWindow(since)).toISOString();
  if (fresh) {
    const newest = models
      .map((m) => m.file.manifest.trainedAt)
      .sort()
      .pop() as string;
    if (newest > sinceIso) sinceIso = newest;
  }
  const decided = await decisionsSince(s, taxonomy.topicIds, sinceIso);
  if (decided.length === 0) {
    io.stderr.write(`geointel model: no editors' decisions since ${sinceIso} (with a stored record)\n`);
    return 1;
  }
  const gold = decided.map((d) => d.label);
  const classes = classesOf(taxonomy.topicIds);
  const run = (model: ModelScorer | undefined) =>
    scoreDecisions(
      gold,
      decided.map((d) =>
        judge(
          d.record ? itemOfRecord(d.record) : { id: d.storyId, title: d.title, summary: d.summary },
          d.sourceId,
          taxonomy,
          sources,
          model,
        ),
      ),
      classes,
    );
  const named = [
    { name: 'lexicons', scores: run(undefined) },
    ...models.map((m) => ({ name: `+${m.scorer.version}`, scores: run(m.scorer) })),
  ];
  if (json) writeJsonLine(io.stdout, { since: sinceIso, decisions: decided.length, results: named });
  else {
    io.stdout.write(`${decided.length} decisions since ${sinceIso}${fresh ? ' (after training)' : ''}\n`);
    io.stdout.write(formatScores(named));
  }
  return 0;
}

export const command: Command = {
  name: 'model',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      since: { type: 'string' },
      weight: { type: 'string' },
      model: { type: 'string' },
      fresh: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const [sub, ...rest] = positionals;
    const since = values.since ?? DEFAULT_WINDOW;
    parseWindow(since);
    const noArgs = () => {
      if (rest.length > 0) throw new GeoError('USAGE', `unexpected argument "${rest[0]}"`);
    };
    switch (sub) {
      case 'list':
        noArgs();
        return withStores(io, 'model', (s) => list(s, Boolean(values.json), io));
      case 'train': {
        noArgs();
        const weight = values.weight === undefined ? undefined : Number(values.weight);
        if (weight !== undefined && !(weight > 0 && weight <= 100))
          throw new GeoError('USAGE', '--weight takes a number in (0, 100]');
        return withStores(io, 'model', (s) =>
          train(s, since, weight ?? s.config.app.model.decisionWeight, io),
        );
      }
      case 'promote': {
        const [version, ...extra] = rest;
        if (!version || extra.length > 0) throw new GeoError('USAGE', 'promote takes one VERSION');
        return withStores(io, 'model', (s) => promote(s, version, io));
      }
      case 'restore':
        noArgs();
        return withStores(io, 'model', (s) => restore(s, io));
      case 'eval':
        noArgs();
        return withStores(io, 'model', async (s) => {
          try {
            return await evaluate(s, since, values.model, Boolean(values.fresh), Boolean(values.json), io);
          } catch (err) {
            if (err instanceof GeoError && err.code === 'NOT_FOUND') {
              io.stderr.write(`geointel model: ${err.message}\n`);
              return 1;
            }
            throw err;
          }
        });
      default:
        throw new GeoError(
          'USAGE',
          sub
            ? `unknown subcommand "${sub}"`
            : 'a subcommand is required: list, train, promote, restore or eval',
        );
    }
  },
};
