import type { AppConfig } from '../../config/app-schema.js';
import { loadConfig } from '../../config/load.js';
import type { SourceEntry } from '../../config/sources-schema.js';
import { GeoError, isGeoError } from '../../errors.js';
import { createFetcherFromConfig, type Fetcher } from '../../fetch/index.js';
import { type ArticleRule, applyArticle, needsArticle } from '../../pipeline/article/index.js';
import { compileTaxonomy } from '../../pipeline/classify/index.js';
import { classifyFor, ingestDocument, normalizeFor, recordsFor } from '../../pipeline/ingest.js';
import { parseWithRegistry } from '../../pipeline/source-match.js';
import type { DigestRecord, Item, ParseDocument, Warning } from '../../pipeline/types.js';
import { cliModel } from '../../runtime/model.js';
import { storyOptionsOf } from '../../runtime/story-options.js';
import { createMemoryStoryStore } from '../../store/memory-story-store.js';
import { type Command, type CommandIO, parseFlags, reportLine, writeJsonLine } from '../command.js';
import { createArticleReader, createDocumentReader, mapLimit } from '../input.js';

const HELP = `Usage: geointel ingest FILE|URL… [--source ID] [--now ISO] [--max-age-days N] [--articles] [--allow-private]
                       [--model FILE|none]

Parses feeds or pages and prints one digest record (schema geointel.record/1, docs/contracts.md) per item, in
input order, as JSON Lines: normalised, language-detected, classified, tagged and assigned to stories (one
story index across all inputs of the run). No Redis is needed.

  --source ID         the registry entry (config/sources.yaml) the inputs come from. Default: matched by the
                      feed's own link or the URL's host, else a source derived from that host.
  --now ISO           the fetch time (fetchedAt), e.g. 2025-12-13T18:00:00Z. Default: now. Items older than
                      the age window before it are left out; dates more than
                      ingest.futureToleranceHours after it are not believed.
  --max-age-days N    the age window for this run (default ingest.maxItemAgeDays, 30). An input whose items
                      fall outside it says so in one summary line on stderr.
  --articles          for items whose summary is missing or shorter than ingest.summaryMinChars (150), fetch
                      the article page once (hardened fetcher: SSRF policy, robots.txt, per-host politeness)
                      and take the summary, and the date when the item has none, from it (docs/articles.md).
  --allow-private     let URL inputs and article pages reach private and loopback addresses for this run.
  --model FILE|none   the learned model beside the lexicons (docs/classification.md): a model file, or none for
                      the lexicons alone. Default: config model.baseline while model.enabled.

Every dropped entry or distrusted field is one JSON line on stderr with a code. An input that cannot be
read or parsed is reported on stderr and the others are still processed; the exit code is then 1. An article
page that cannot be read is a warning (ARTICLE_UNREAD); the item keeps the summary it had.`;

/** Article pages fetched at once (each host is further limited by the fetcher's per-host politeness). */
const ARTICLE_CONCURRENCY = 4;

/** The registry entry's article switch and selector (an optional `article` field of the entry). */
function articleRuleOf(source: SourceEntry): { enabled: boolean; rule?: ArticleRule } {
  const article = (source as SourceEntry & { article?: { enabled?: boolean; selector?: string } }).article;
  return {
    enabled: article?.enabled !== false,
    rule: article?.selector ? { selector: article.selector } : undefined,
  };
}

export const command: Command = {
  name: 'ingest',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      source: { type: 'string' },
      now: { type: 'string' },
      'max-age-days': { type: 'string' },
      articles: { type: 'boolean' },
      'allow-private': { type: 'boolean' },
      model: { type: 'string' },
    });
    if (positionals.length === 0) throw new GeoError('USAGE', 'expected at least one FILE or URL');
    const now = values.now ?? new Date().toISOString();
    if (Number.isNaN(Date.parse(now)) || !/^\d{4}-\d{2}-\d{2}/.test(now)) {
      throw new GeoError('USAGE', `--now must be an ISO-8601 time, got "${now}"`);
    }
    const maxAgeRaw = values['max-age-days'];
    const maxAge = maxAgeRaw === undefined ? undefined : Number(maxAgeRaw);
    if (maxAge !== undefined && !(Number.isFinite(maxAge) && maxAge > 0)) {
      throw new GeoError('USAGE', `--max-age-days must be a positive number of days, got "${maxAgeRaw}"`);
    }
    const fetchedAt = new Date(now).toISOString();
    const config = loadConfig({ env: io.env });
    if (values.source && !config.sources.some((s) => s.id === values.source)) {
      throw new GeoError('USAGE', `--source: no source "${values.source}" in ${config.dir}/sources.yaml`);
    }
    const limits: AppConfig['ingest'] = {
      ...config.app.ingest,
      ...(maxAge === undefined ? {} : { maxItemAgeDays: maxAge }),
    };
    const taxonomy = compileTaxonomy(config.topics, config.tags);
    const model = cliModel(values.model, config);
    const stories = createMemoryStoryStore(storyOptionsOf(config.sources));
    let fetcher: Fetcher | undefined;
    const getFetcher = () =>
      (fetcher ??= createFetcherFromConfig(config.app.fetch, { allowPrivate: values['allow-private'] }));
    const readInput = createDocumentReader({
      config,
      allowPrivate: values['allow-private'],
      maxItems: limits.maxItemsPerDocument,
      fetcher: getFetcher,
    });
    const readArticle = values.articles
      ? createArticleReader({ fetcher: getFetcher, ingest: limits })
      : undefined;

    let failures = 0;
    for (const arg of positionals) {
      try {
        const input = await readInput(arg);
        const { doc, source } = await parseWithRegistry(
          config.sources,
          { id: values.source, url: input.url, fallbackName: arg },
          (src) => input.parse(src),
        );
        const assign = stories.assign.bind(stories);
        const { records, warnings } = readArticle
          ? await ingestWithArticles(
              doc,
              { source, fetchedAt, url: input.url, limits, taxonomy, model, assign },
              (item) => fillFromArticle(item, source, { readArticle, limits, fetchedAt }),
            )
          : await ingestDocument(doc, { source, fetchedAt, url: input.url, limits, taxonomy, model, assign });
        for (const w of warnings) reportLine(io, { ...w, input: arg, source: source.id });
        reportAgeWindow(io, warnings, doc.items.length, limits.maxItemAgeDays, arg, source.id);
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

/**
 * One summary line when the age window left entries out: a feed whose every item is older than the window
 * otherwise prints nothing on stdout and only one ITEM_TOO_OLD line per item.
 */
function reportAgeWindow(
  io: CommandIO,
  warnings: readonly Warning[],
  total: number,
  days: number,
  input: string,
  source: string,
): void {
  const old = warnings.filter((w) => w.code === 'ITEM_TOO_OLD').length;
  if (old === 0) return;
  reportLine(io, {
    code: 'ITEMS_LEFT_OUT_OLD',
    message: `${old} of ${total} items older than ${days} days were left out; --max-age-days N or --now ISO to include them`,
    input,
    source,
    count: old,
    total,
  });
}

type IngestCtx = Parameters<typeof ingestDocument>[1];

/** ingestDocument with the article step between normalise and classify (items may be dropped there). */
async function ingestWithArticles(
  doc: ParseDocument,
  ctx: IngestCtx,
  fill: (item: Item) => Promise<{ item: Item | null; warnings: Warning[] }>,
): Promise<{ records: DigestRecord[]; warnings: Warning[] }> {
  const { items, warnings } = normalizeFor(doc, ctx);
  const filled = await mapLimit(items, ARTICLE_CONCURRENCY, fill);
  const kept: Item[] = [];
  for (const f of filled) {
    warnings.push(...f.warnings);
    if (f.item) kept.push(f.item);
  }
  const classified = kept.map((item) => classifyFor(item, ctx.source, ctx.taxonomy, ctx.model));
  const assigned = await ctx.assign(classified.map((c) => c.story));
  return { records: recordsFor(classified, assigned, ctx.source, ctx.fetchedAt), warnings };
}

/**
 * The item with its summary (and date, when it had none) from its article page. A page that dates the item
 * before the age window drops it (ITEM_TOO_OLD), as a feed date would have.
 */
async function fillFromArticle(
  item: Item,
  source: SourceEntry,
  ctx: {
    readArticle: ReturnType<typeof createArticleReader>;
    limits: AppConfig['ingest'];
    fetchedAt: string;
  },
): Promise<{ item: Item | null; warnings: Warning[] }> {
  const { enabled, rule } = articleRuleOf(source);
  if (!enabled || !needsArticle(item, ctx.limits.summaryMinChars) || !item.url) return { item, warnings: [] };
  const outcome = await ctx.readArticle(item.url, rule);
  if (!('extraction' in outcome)) {
    return {
      item,
      warnings: [
        {
          code: 'ARTICLE_UNREAD',
          message: `article page of "${item.title.slice(0, 80)}" not read (${outcome.code}: ${outcome.message}); summary left as it was`,
        },
      ],
    };
  }
  const fetched = Date.parse(ctx.fetchedAt);
  const notAfter = new Date(fetched + ctx.limits.futureToleranceHours * 3_600_000).toISOString();
  const out = applyArticle(item, outcome.extraction, { notAfter });
  if (out.publishedAt && !item.publishedAt) {
    if (Date.parse(out.publishedAt) < fetched - ctx.limits.maxItemAgeDays * 86_400_000) {
      return {
        item: null,
        warnings: [
          {
            code: 'ITEM_TOO_OLD',
            message: `"${item.title.slice(0, 80)}": its article page dates it ${out.publishedAt}, older than ${ctx.limits.maxItemAgeDays} days; left out`,
          },
        ],
      };
    }
  }
  return { item: out, warnings: [] };
}
