import type { Config } from '../../config/load.js';
import { loadConfig } from '../../config/load.js';
import type { SourceEntry } from '../../config/sources-schema.js';
import { GeoError, isGeoError } from '../../errors.js';
import { createFetcherFromConfig, type Fetcher } from '../../fetch/index.js';
import {
  type ArticleRule,
  applyArticleToParsed,
  articleUrl,
  needsArticle,
} from '../../pipeline/article/index.js';
import { type ParseOptions, parseDocument } from '../../pipeline/parse/index.js';
import { parseWithRegistry } from '../../pipeline/source-match.js';
import type { ParseDocument, ParsedItem } from '../../pipeline/types.js';
import {
  type Command,
  type CommandIO,
  parseFlags,
  readLines,
  reportLine,
  writeJsonLine,
} from '../command.js';
import { createArticleReader, createInputReader, mapLimit } from '../input.js';

const HELP = `Usage: geointel parse FILE|URL [--allow-private] [--content-type CT] [--url BASE] [--kind KIND] [--source ID] [--max-items N] [--articles]
       geointel parse --batch [--content-type CT] [--url BASE] [--source ID] [--articles] < paths

Parses one feed (RSS 0.9x/1.0/2.0, Atom, JSON Feed, USGS GeoJSON) or HTML listing page and prints one
JSON parse document (docs/contracts.md "Parse document"). A document a registry entry (config/sources.yaml)
claims — by --source, by the URL's host or by the document's own link — is read with that entry's kind and
listing rule, as ingest reads it. Each warning is also printed on stderr as one JSON line with its code. A
document that is not a feed exits 1 with {"code","message"} on stderr.

  --content-type CT  HTTP Content-Type of the bytes (its charset is a decoding hint)
  --url BASE         document URL, the base of relative links (and how a registry entry is found)
  --kind KIND        rss | atom | rdf | json | geojson | html | auto (default: the registry entry's, else auto)
  --source ID        read with this registry entry's kind and rule
  --allow-private    let a URL (and article pages) reach private and loopback addresses for this run
  --max-items N      entries read per document (default 1000; the rest are reported)
  --articles         for entries whose summary is missing or shorter than ingest.summaryMinChars, fetch the
                     article page once and fill the summary (and the date when missing) from it
  --batch            read file paths from stdin, one per line; print one line per path:
                     {"file","ok":true,"feed":<doc>} or {"file","ok":false,"error":{"code","message"}};
                     exits 1 when any path failed`;

const KINDS = new Set(['rss', 'atom', 'rdf', 'json', 'geojson', 'html', 'auto']);

function optionsOf(values: Record<string, unknown>): ParseOptions & { kindGiven: boolean } {
  const kindGiven = values.kind !== undefined;
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
    kindGiven,
    maxItems,
  };
}

type ReadInput = ReturnType<typeof createInputReader>;
type ReadArticle = ReturnType<typeof createArticleReader>;

interface Ctx {
  io: CommandIO;
  readInput: ReadInput;
  base: ReturnType<typeof optionsOf>;
  config: () => Config;
  sourceId?: string;
  readArticle?: ReadArticle;
}

/** Parses one input with the rule of the registry entry that claims it (the same path as ingest). */
async function parseOne(ctx: Ctx, arg: string): Promise<ParseDocument> {
  const input = await ctx.readInput(arg);
  const { kindGiven, ...base } = ctx.base;
  const url = base.url ?? input.url;
  const { doc, source } = await parseWithRegistry(
    ctx.config().sources,
    { id: ctx.sourceId, url, fallbackName: arg },
    (src) =>
      parseDocument(input.bytes, {
        ...base,
        contentType: base.contentType ?? input.contentType,
        url,
        kind: kindGiven ? base.kind : (src?.kind ?? 'auto'),
        html: src?.html,
      }),
  );
  if (source.html && doc.format === 'html' && ctx.config().sources.includes(source)) {
    writeJsonLine(ctx.io.stderr, {
      level: 'info',
      code: 'SOURCE_RULE',
      message: `read with the listing rule of registry entry ${source.id}`,
      file: arg,
      source: source.id,
    });
  }
  return ctx.readArticle ? withArticles(ctx, doc, source, ctx.readArticle) : doc;
}

/** Fills short or missing summaries (and missing dates) of the document's entries from their pages. */
async function withArticles(
  ctx: Ctx,
  doc: ParseDocument,
  source: SourceEntry,
  readArticle: ReadArticle,
): Promise<ParseDocument> {
  const article = (source as SourceEntry & { article?: { enabled?: boolean; selector?: string } }).article;
  if (article?.enabled === false) return doc;
  const rule: ArticleRule | undefined = article?.selector ? { selector: article.selector } : undefined;
  const { app } = ctx.config();
  const notAfter = new Date(Date.now() + app.ingest.futureToleranceHours * 3_600_000).toISOString();
  const warnings = [...doc.warnings];
  const items = await mapLimit(doc.items, 4, async (item: ParsedItem, i) => {
    const url = articleUrl(item);
    if (!url || !needsArticle(item, app.ingest.summaryMinChars)) return item;
    const outcome = await readArticle(url, rule);
    if ('extraction' in outcome) return applyArticleToParsed(item, outcome.extraction, { notAfter });
    warnings.push({
      code: 'ARTICLE_UNREAD',
      message: `entry ${i + 1}: article page not read (${outcome.code}: ${outcome.message})`,
    });
    return item;
  });
  return { ...doc, items, warnings };
}

function errorJson(err: unknown): { code: string; message: string } {
  if (isGeoError(err)) return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : 'unexpected failure' };
}

async function runBatch(ctx: Ctx): Promise<number> {
  let failures = 0;
  for await (const line of readLines(ctx.io.stdin)) {
    const file = line.trim();
    if (!file) continue;
    try {
      const doc = await parseOne(ctx, file);
      for (const w of doc.warnings) reportLine(ctx.io, { code: w.code, message: w.message, file });
      writeJsonLine(ctx.io.stdout, { file, ok: true, feed: doc });
    } catch (err) {
      if (isGeoError(err) && (err.code === 'USAGE' || err.code === 'CONFIG_INVALID')) throw err;
      failures++;
      writeJsonLine(ctx.io.stdout, { file, ok: false, error: errorJson(err) });
    }
  }
  return failures > 0 ? 1 : 0;
}

export const command: Command = {
  name: 'parse',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      'content-type': { type: 'string' },
      url: { type: 'string' },
      kind: { type: 'string' },
      source: { type: 'string' },
      'max-items': { type: 'string' },
      batch: { type: 'boolean' },
      articles: { type: 'boolean' },
      'allow-private': { type: 'boolean' },
    });
    const base = optionsOf(values);
    let config: Config | undefined;
    const getConfig = () => (config ??= loadConfig({ env: io.env }));
    if (values.source && !getConfig().sources.some((s) => s.id === values.source)) {
      throw new GeoError(
        'USAGE',
        `--source: no source "${values.source}" in ${getConfig().dir}/sources.yaml`,
      );
    }
    let fetcher: Fetcher | undefined;
    const getFetcher = () =>
      (fetcher ??= createFetcherFromConfig(getConfig().app.fetch, { allowPrivate: values['allow-private'] }));
    const ctx: Ctx = {
      io,
      base,
      config: getConfig,
      sourceId: values.source,
      readInput: createInputReader({
        config: getConfig,
        allowPrivate: values['allow-private'],
        fetcher: getFetcher,
      }),
      readArticle: values.articles
        ? createArticleReader({ fetcher: getFetcher, ingest: getConfig().app.ingest })
        : undefined,
    };
    if (values.batch) {
      if (positionals.length > 0) throw new GeoError('USAGE', '--batch reads paths from stdin; give no FILE');
      return runBatch(ctx);
    }
    if (positionals.length !== 1) throw new GeoError('USAGE', 'expected exactly one FILE');
    try {
      const doc = await parseOne(ctx, positionals[0]!);
      for (const w of doc.warnings)
        reportLine(io, { code: w.code, message: w.message, file: positionals[0] });
      io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      return 0;
    } catch (err) {
      if (isGeoError(err) && (err.code === 'USAGE' || err.code === 'CONFIG_INVALID')) throw err;
      writeJsonLine(io.stderr, errorJson(err));
      return 1;
    }
  },
};
