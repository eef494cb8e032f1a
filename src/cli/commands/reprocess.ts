import { loadConfig } from '../../config/load.js';
import { GeoError } from '../../errors.js';
import { compileTaxonomy } from '../../pipeline/classify/index.js';
import { classifyFor, normalizeFor, recordsFor } from '../../pipeline/ingest.js';
import { parseDocument } from '../../pipeline/parse/index.js';
import { activeModel } from '../../runtime/model.js';
import { openRuntime } from '../../runtime/runtime.js';
import { type Command, parseFlags, writeJsonLine } from '../command.js';
import { chooseRedis, commandLogger } from '../serve.js';

const HELP = `Usage: geointel reprocess SOURCE

Runs the last fetched body of SOURCE (kept compressed in Redis for 30 days) through parse, normalise,
classify, dedupe and the record store again — after a parser or taxonomy fix. Items the store already holds
stay as they are (one record per story, never emitted twice); items the old code dropped are stored and
streamed now. Prints one JSON line: items, and records emitted, duplicate, unchanged and stored.
Needs the Redis of the running system (REDIS_URL, or the one \`geointel run\` supervises).`;

export const command: Command = {
  name: 'reprocess',
  help: HELP,
  async run(args, io) {
    const { positionals } = parseFlags(args, {});
    if (positionals.length !== 1) throw new GeoError('USAGE', 'expected one SOURCE id');
    const id = positionals[0]!;
    const config = loadConfig({ env: io.env });
    const log = commandLogger(io.env, 'reprocess');
    const { target } = await chooseRedis(config, log, false);
    const runtime = await openRuntime({
      config,
      log,
      redis: target,
      roles: [],
      lead: false,
      metricsPort: null,
    });
    try {
      const source = runtime.sources().find((s) => s.id === id);
      if (!source) throw new GeoError('USAGE', `no source "${id}" in the registry`);
      const body = await runtime.stores.sources.getBody(id);
      if (!body)
        throw new GeoError(
          'INPUT_INVALID',
          `no stored body for "${id}" (not fetched yet, or older than 30 days)`,
        );
      const doc = await parseDocument(body.bytes, {
        url: body.url,
        contentType: body.contentType,
        kind: source.kind,
        html: source.html,
        maxItems: config.app.ingest.maxItemsPerDocument,
      });
      const { items } = normalizeFor(doc, {
        source,
        fetchedAt: body.fetchedAt,
        url: body.url,
        limits: config.app.ingest,
      });
      const taxonomy = compileTaxonomy(config.topics, config.tags);
      // The version the workers use: the promoted one in Redis, else the baseline (model.enabled).
      const model = config.app.model.enabled
        ? await activeModel(runtime.stores.models, config, runtime.log)()
        : undefined;
      const classified = items.map((item) => classifyFor(item, source, taxonomy, model));
      const stories = await runtime.stores.stories.assign(classified.map((c) => c.story));
      const outcomes = await runtime.stores.records.put(
        recordsFor(classified, stories, source, body.fetchedAt),
      );
      const counts = { emitted: 0, duplicate: 0, unchanged: 0, stored: 0 };
      for (const o of outcomes) counts[o]++;
      writeJsonLine(io.stdout, { source: id, fetchedAt: body.fetchedAt, items: items.length, ...counts });
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
