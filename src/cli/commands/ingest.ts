import { loadConfig } from '../../config/load.js';
import { GeoError, isGeoError } from '../../errors.js';
import { compileTaxonomy } from '../../pipeline/classify/index.js';
import { ingestDocument } from '../../pipeline/ingest.js';
import { parseWithRegistry } from '../../pipeline/source-match.js';
import { storyOptionsOf } from '../../runtime/story-options.js';
import { createMemoryStoryStore } from '../../store/memory-story-store.js';
import { type Command, parseFlags, reportLine, writeJsonLine } from '../command.js';
import { createDocumentReader } from '../input.js';

const HELP = `Usage: geointel ingest FILE|URL… [--source ID] [--now ISO] [--allow-private]

Parses feeds or pages and prints one digest record (schema geointel.record/1, docs/contracts.md) per item, in
input order, as JSON Lines: normalised, language-detected, classified, tagged and assigned to stories (one
story index across all inputs of the run). No Redis is needed.

  --source ID       the registry entry (config/sources.yaml) the inputs come from. Default: matched by the
                    feed's own link or the URL's host, else a source derived from that host.
  --now ISO         the fetch time (fetchedAt), e.g. 2025-12-13T18:00:00Z. Default: now. Items older than
                    ingest.maxItemAgeDays before it are left out; dates more than
                    ingest.futureToleranceHours after it are not believed.
  --allow-private   let URL inputs reach private and loopback addresses for this run.

Every dropped entry or distrusted field is one JSON line on stderr with a code. An input that cannot be
read or parsed is reported on stderr and the others are still processed; the exit code is then 1.`;

export const command: Command = {
  name: 'ingest',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      source: { type: 'string' },
      now: { type: 'string' },
      'allow-private': { type: 'boolean' },
    });
    if (positionals.length === 0) throw new GeoError('USAGE', 'expected at least one FILE or URL');
    const now = values.now ?? new Date().toISOString();
    if (Number.isNaN(Date.parse(now)) || !/^\d{4}-\d{2}-\d{2}/.test(now)) {
      throw new GeoError('USAGE', `--now must be an ISO-8601 time, got "${now}"`);
    }
    const fetchedAt = new Date(now).toISOString();
    const config = loadConfig({ env: io.env });
    if (values.source && !config.sources.some((s) => s.id === values.source)) {
      throw new GeoError('USAGE', `--source: no source "${values.source}" in ${config.dir}/sources.yaml`);
    }
    const taxonomy = compileTaxonomy(config.topics, config.tags);
    const stories = createMemoryStoryStore(storyOptionsOf(config.sources));
    const readInput = createDocumentReader({
      config,
      allowPrivate: values['allow-private'],
      maxItems: config.app.ingest.maxItemsPerDocument,
    });

    let failures = 0;
    for (const arg of positionals) {
      try {
        const input = await readInput(arg);
        const { doc, source } = await parseWithRegistry(
          config.sources,
          { id: values.source, url: input.url, fallbackName: arg },
          (src) => input.parse(src),
        );
        const { records, warnings } = await ingestDocument(doc, {
          source,
          fetchedAt,
          url: input.url,
          limits: config.app.ingest,
          taxonomy,
          assign: (batch) => stories.assign(batch),
        });
        for (const w of warnings) reportLine(io, { ...w, input: arg, source: source.id });
        for (const r of records) writeJsonLine(io.stdout, r);
      } catch (err) {
        if (!isGeoError(err) || err.code === 'USAGE') throw err;
        failures++;
        writeJsonLine(io.stderr, { level: 'error', input: arg, code: err.code, message: err.message });
      }
    }
    return failures > 0 ? 1 : 0;
  },
};
