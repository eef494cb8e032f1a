import { loadConfig } from '../../config/load.js';
import { GeoError, isGeoError } from '../../errors.js';
import { type ParseOptions, parseDocument } from '../../pipeline/parse/index.js';
import type { ParseDocument } from '../../pipeline/types.js';
import {
  type Command,
  type CommandIO,
  parseFlags,
  readLines,
  reportLine,
  writeJsonLine,
} from '../command.js';
import { createInputReader } from '../input.js';

const HELP = `Usage: geointel parse FILE|URL [--allow-private] [--content-type CT] [--url BASE] [--kind KIND] [--max-items N]
       geointel parse --batch [--content-type CT] [--url BASE] < paths

Parses one feed (RSS 0.9x/1.0/2.0, Atom, JSON Feed, USGS GeoJSON) or HTML listing page and prints one
JSON parse document (docs/contracts.md "Parse document"). Each warning is also printed on stderr as one JSON
line with its code. A document that is not a feed exits 1 with {"code","message"} on stderr.

  --content-type CT  HTTP Content-Type of the bytes (its charset is a decoding hint)
  --url BASE         document URL, the base of relative links
  --kind KIND        rss | atom | rdf | json | geojson | html | auto (default auto)
  --allow-private    let a URL reach private and loopback addresses for this run
  --max-items N      entries read per document (default 1000; the rest are reported)
  --batch            read file paths from stdin, one per line; print one line per path:
                     {"file","ok":true,"feed":<doc>} or {"file","ok":false,"error":{"code","message"}}`;

const KINDS = new Set(['rss', 'atom', 'rdf', 'json', 'geojson', 'html', 'auto']);

function optionsOf(values: Record<string, unknown>): ParseOptions {
  const kind = (values.kind as string | undefined) ?? 'auto';
  if (!KINDS.has(kind)) throw new GeoError('USAGE', `--kind must be one of ${[...KINDS].join(', ')}`);
  const maxRaw = values['max-items'] as string | undefined;
  const maxItems = maxRaw === undefined ? undefined : Number(maxRaw);
  if (maxItems !== undefined && (!Number.isInteger(maxItems) || maxItems < 0)) {
    throw new GeoError('USAGE', '--max-items must be a non-negative integer');
  }
  return {
    contentType: values['content-type'] as string | undefined,
    url: values.url as string | undefined,
    kind: kind as ParseOptions['kind'],
    maxItems,
  };
}

type ReadInput = ReturnType<typeof createInputReader>;

async function parseOne(readInput: ReadInput, arg: string, base: ParseOptions): Promise<ParseDocument> {
  const input = await readInput(arg);
  return parseDocument(input.bytes, {
    ...base,
    contentType: base.contentType ?? input.contentType,
    url: base.url ?? input.url,
  });
}

function errorJson(err: unknown): { code: string; message: string } {
  if (isGeoError(err)) return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : 'unexpected failure' };
}

async function runBatch(io: CommandIO, readInput: ReadInput, base: ParseOptions): Promise<number> {
  for await (const line of readLines(io.stdin)) {
    const file = line.trim();
    if (!file) continue;
    try {
      const doc = await parseOne(readInput, file, base);
      for (const w of doc.warnings) reportLine(io, { code: w.code, message: w.message, file });
      writeJsonLine(io.stdout, { file, ok: true, feed: doc });
    } catch (err) {
      writeJsonLine(io.stdout, { file, ok: false, error: errorJson(err) });
    }
  }
  return 0;
}

export const command: Command = {
  name: 'parse',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      'content-type': { type: 'string' },
      url: { type: 'string' },
      kind: { type: 'string' },
      'max-items': { type: 'string' },
      batch: { type: 'boolean' },
      'allow-private': { type: 'boolean' },
    });
    const base = optionsOf(values);
    const readInput = createInputReader({
      config: () => loadConfig({ env: io.env }),
      allowPrivate: values['allow-private'],
    });
    if (values.batch) {
      if (positionals.length > 0) throw new GeoError('USAGE', '--batch reads paths from stdin; give no FILE');
      return runBatch(io, readInput, base);
    }
    if (positionals.length !== 1) throw new GeoError('USAGE', 'expected exactly one FILE');
    try {
      const doc = await parseOne(readInput, positionals[0]!, base);
      for (const w of doc.warnings)
        reportLine(io, { code: w.code, message: w.message, file: positionals[0] });
      io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      return 0;
    } catch (err) {
      writeJsonLine(io.stderr, errorJson(err));
      return 1;
    }
  },
};
