/** `geointel rules test`: a changed taxonomy or model replayed over the stored records before anyone deploys it. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '../../config/load.js';
import { TopicsFileSchema } from '../../config/topics-schema.js';
import { GeoError } from '../../errors.js';
import { compileTaxonomy, type Taxonomy } from '../../pipeline/classify/index.js';
import { formatScores, scoreDecisions } from '../../pipeline/model/evaluate.js';
import { createScorer, type ModelScorer } from '../../pipeline/model/scorer.js';
import { classesOf } from '../../pipeline/model/train.js';
import { resolveModelPath } from '../../runtime/model.js';
import { readModelFile } from '../../store/models.js';
import { type Command, parseFlags, writeJsonLine } from '../command.js';
import { decisionsSince, itemOfRecord, judge, parseWindow, type Stores, withStores } from '../decisions.js';

const HELP = `Usage: geointel rules test [--since 30d] [--topics FILE] [--model VERSION|none] [--show N] [--json]

Replays the records stored in the window (every story the pipeline kept, relevant or not: title, summary,
language, source) through the classifier as it runs now — config/topics.yaml and the model in use — and
through the changed one: --topics FILE (a topics.yaml with the change) and/or --model VERSION (a stored
version, the baseline file's version, or "none" for the lexicons alone). Nothing is written.

Prints, per class (each topic and off-topic), the items gained (decided that class only by the changed
classifier) and lost, with story id and title (the first --show N of each, default 20), then precision and
recall of both classifiers against the editors' decisions of the same window (accept → its section, reject →
off-topic, section changes, merges; see geointel model --help). --json: one JSON object instead.

--since  a window back from now: 30d (default), 12h, 2w.
Needs the Redis of the running system (REDIS_URL, or the one \`geointel run\` supervises). Exit 2 for a bad
topics file (every problem listed), 1 for an unknown model version.`;

/** A topics file read and checked like config/topics.yaml (CONFIG_INVALID issues name the file and field). */
function readTopics(path: string, tags: Stores['config']['tags']): Taxonomy {
  const file = resolve(path);
  let data: unknown;
  try {
    data = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([{ file, path: '', message: (err as Error).message }]);
  }
  const parsed = TopicsFileSchema.safeParse(data);
  if (!parsed.success)
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ file, path: i.path.join('.'), message: i.message })),
    );
  return compileTaxonomy(parsed.data, tags);
}

interface Classifier {
  name: string;
  taxonomy: Taxonomy;
  model: ModelScorer | undefined;
}

async function modelOf(s: Stores, version: string): Promise<ModelScorer | undefined> {
  if (version === 'none') return undefined;
  const path = resolveModelPath(s.config.app.model.baseline);
  const baseline = readModelFile(path);
  const file = version === baseline.version ? baseline : await s.models.get(version);
  if (!file) throw new GeoError('NOT_FOUND', `no model version "${version}" is stored (geointel model list)`);
  return createScorer(file);
}

async function test(
  s: Stores,
  opts: { since: string; topics?: string; model?: string; show: number; json: boolean },
  io: Parameters<Command['run']>[1],
): Promise<number> {
  const { config } = s;
  const sources = new Map(config.sources.map((x) => [x.id, x]));
  const taxonomy = compileTaxonomy(config.topics, config.tags);
  const inUse = config.app.model.enabled
    ? ((await s.models.active()) ?? readModelFile(resolveModelPath(config.app.model.baseline)).version)
    : 'none';
  const current: Classifier = {
    name: `now (${inUse === 'none' ? 'lexicons' : `+${inUse}`})`,
    taxonomy,
    model: await modelOf(s, inUse),
  };
  const changedModel = opts.model ?? inUse;
  const changed: Classifier = {
    name: `changed (${opts.topics ? 'topics file' : 'topics.yaml'}${changedModel === 'none' ? '' : ` +${changedModel}`})`,
    taxonomy: opts.topics ? readTopics(opts.topics, config.tags) : taxonomy,
    model: opts.model ? await modelOf(s, opts.model) : current.model,
  };
  const now = Date.now();
  const sinceMs = now - parseWindow(opts.since);
  const records = await s.records.storiesBetween(sinceMs, now + 1);
  const classes = classesOf([...new Set([...taxonomy.topicIds, ...changed.taxonomy.topicIds])]);
  const moves = new Map(
    classes.map((c) => [
      c,
      {
        gained: [] as Array<{ storyId: string; title: string; from: string }>,
        lost: [] as Array<{ storyId: string; title: string; to: string }>,
      },
    ]),
  );
  let differ = 0;
  for (const r of records) {
    const item = itemOfRecord(r);
    const a = judge(item, r.source.id, current.taxonomy, sources, current.model);
    const b = judge(item, r.source.id, changed.taxonomy, sources, changed.model);
    if (a === b) continue;
    differ++;
    moves.get(b)?.gained.push({ storyId: r.storyId, title: r.title, from: a });
    moves.get(a)?.lost.push({ storyId: r.storyId, title: r.title, to: b });
  }
  const decided = await decisionsSince(s, taxonomy.topicIds, new Date(sinceMs).toISOString());
  const gold = decided.map((d) => d.label);
  const score = (c: Classifier) =>
    scoreDecisions(
      gold,
      decided.map((d) =>
        judge(
          d.record ? itemOfRecord(d.record) : { id: d.storyId, title: d.title, summary: d.summary },
          d.sourceId,
          c.taxonomy,
          sources,
          c.model,
        ),
      ),
      classes,
    );
  const scores = [
    { name: current.name, scores: score(current) },
    { name: changed.name, scores: score(changed) },
  ];
  if (opts.json) {
    writeJsonLine(io.stdout, {
      since: new Date(sinceMs).toISOString(),
      records: records.length,
      changed: differ,
      classes: Object.fromEntries([...moves].map(([c, m]) => [c, { gained: m.gained, lost: m.lost }])),
      decisions: decided.length,
      scores,
    });
    return 0;
  }
  const out: string[] = [
    `${records.length} records since ${new Date(sinceMs).toISOString()}: ${differ} decided differently`,
    `  now:     ${current.name}`,
    `  changed: ${changed.name}`,
    '',
  ];
  for (const [c, m] of moves) {
    if (m.gained.length === 0 && m.lost.length === 0) continue;
    out.push(`${c}: +${m.gained.length} −${m.lost.length}`);
    for (const g of m.gained.slice(0, opts.show)) out.push(`  + ${g.storyId}  ${g.title}  (was ${g.from})`);
    if (m.gained.length > opts.show) out.push(`  + … ${m.gained.length - opts.show} more`);
    for (const l of m.lost.slice(0, opts.show)) out.push(`  − ${l.storyId}  ${l.title}  (now ${l.to})`);
    if (m.lost.length > opts.show) out.push(`  − … ${m.lost.length - opts.show} more`);
  }
  out.push('', `against ${decided.length} editors' decisions of the window:`);
  io.stdout.write(`${out.join('\n')}\n${decided.length > 0 ? formatScores(scores) : '(none)\n'}`);
  return 0;
}

export const command: Command = {
  name: 'rules',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      since: { type: 'string' },
      topics: { type: 'string' },
      model: { type: 'string' },
      show: { type: 'string' },
      json: { type: 'boolean' },
    });
    const [sub, ...rest] = positionals;
    if (sub !== 'test')
      throw new GeoError('USAGE', sub ? `unknown subcommand "${sub}"` : 'a subcommand is required: test');
    if (rest.length > 0) throw new GeoError('USAGE', `unexpected argument "${rest[0]}"`);
    if (!values.topics && !values.model)
      throw new GeoError('USAGE', 'nothing to compare: give --topics FILE and/or --model VERSION');
    const since = values.since ?? '30d';
    parseWindow(since);
    const show = values.show === undefined ? 20 : Number(values.show);
    if (!Number.isInteger(show) || show < 0) throw new GeoError('USAGE', '--show takes a whole number ≥ 0');
    return withStores(io, 'rules', async (s) => {
      try {
        return await test(
          s,
          {
            since,
            ...(values.topics ? { topics: values.topics } : {}),
            ...(values.model ? { model: values.model } : {}),
            show,
            json: Boolean(values.json),
          },
          io,
        );
      } catch (err) {
        if (err instanceof GeoError && err.code === 'NOT_FOUND') {
          io.stderr.write(`geointel rules: ${err.message}\n`);
          return 1;
        }
        throw err;
      }
    });
  },
};
