/**
 * Add by URL (`POST /v1/candidates/by-url`): an editor's page goes through the hardened fetcher (its SSRF
 * policy on every address and redirect hop, size and time caps, robots.txt, per-host politeness shared with the
 * workers) and then through the stages a feed's item goes through in the process worker — the article stage
 * reads the page, normalise, language and classification, story assignment through the runtime's story store,
 * the record store (which streams a relevant new story and puts it in its topics' pools) — and becomes a
 * candidate of the editor's topic, else of its classified topic.
 *
 * Source: the registry entry the page's URL belongs to (a USGS page is a USGS item: citation, relay flag,
 * topic hints), else the built-in {@link EDITOR_SOURCE} (`editor`, "Added by editors"), which is not part of
 * the registry: never scheduled, never listed by `/v1/sources`. A registry entry with the id `editor` replaces
 * the built-in one (to rename it, for instance).
 */

import type { Config } from '../config/load.js';
import { type SourceEntry, SourceSchema } from '../config/sources-schema.js';
import { GeoError } from '../errors.js';
import type { ArticleExtractor } from '../extract/article-pool.js';
import type { Fetcher } from '../fetch/index.js';
import { candidateTime } from '../pipeline/candidates.js';
import type { Taxonomy } from '../pipeline/classify/index.js';
import { classifyFor, normalizeFor, recordsFor } from '../pipeline/ingest.js';
import type { ModelScorer } from '../pipeline/model/scorer.js';
import { pageDocument } from '../pipeline/page-document.js';
import { contentTypeOf } from '../pipeline/parse/content-type.js';
import { matchSource } from '../pipeline/source-match.js';
import type { DigestRecord } from '../pipeline/types.js';
import type { CandidateStore } from '../store/candidates.js';
import type { PutOutcome, RecordStore, StoryStore } from '../store/types.js';
import { withRedis } from './errors.js';

/** The source of editor-added pages no registry entry claims. */
export const EDITOR_SOURCE: SourceEntry = Object.freeze(
  SourceSchema.parse({
    id: 'editor',
    name: 'Added by editors',
    nameZh: '编辑添加',
    url: 'https://editor.geointel.invalid/',
    kind: 'html',
    enabled: false,
  }),
);

/** Accept header of the page request: HTML first. */
const PAGE_ACCEPT = 'text/html, application/xhtml+xml;q=0.9, */*;q=0.1';

export interface AddByUrlDeps {
  fetcher: Fetcher;
  config: Config;
  /** The registry the cluster runs. */
  sources: () => readonly SourceEntry[];
  taxonomy: () => Taxonomy;
  stories: StoryStore;
  records: RecordStore;
  candidates: CandidateStore;
  /** The learned model the workers use (the promoted version, else the baseline); absent: lexicons alone. */
  model?: () => Promise<ModelScorer | undefined>;
  /** Reads the page off the API's event loop (worker threads; src/extract/article-pool.ts). */
  extractor: ArticleExtractor;
  now: number;
}

/** How long reading one added page may take before it is refused (`PARSE_TIMEOUT`). */
export const ADD_BY_URL_READ_MS = 10_000;

export interface AddByUrlResult {
  /** The story's record as stored (the first item's, with every later one in `duplicates`). */
  record: DigestRecord;
  /** The record of the page's own item. */
  item: DigestRecord;
  /** The page joined a story that existed before it. */
  joined: boolean;
  outcome: PutOutcome;
  /** The pool it was offered to (null: off-topic and no topic given) and whether it is a candidate there. */
  candidate: { topic: string; inPool: boolean } | null;
  finalUrl: string;
}

/** Redis work of add-by-URL may take longer than a plain read: story assignment waits for its lease. */
const ASSIGN_TIMEOUT_MS = 10_000;

export async function addByUrl(url: string, topic: string | undefined, deps: AddByUrlDeps) {
  const { config } = deps;
  const limits = config.app.ingest;
  const res = await deps.fetcher.fetch(url, { accept: PAGE_ACCEPT });
  if (res.status !== 200) throw new GeoError('EMPTY_RESPONSE', 'the server answered 304 Not Modified');
  if (res.contentType && !/html|xml/.test(res.contentType))
    throw new GeoError('PARSE_ERROR', `the URL is ${res.contentType}, not an HTML page`);
  const sources = deps.sources();
  const source =
    matchSource(sources, { links: [res.finalUrl, url] }) ??
    sources.find((s) => s.id === EDITOR_SOURCE.id) ??
    EDITOR_SOURCE;
  const extraction = await deps.extractor.extract(
    res.body,
    {
      url: res.finalUrl,
      contentType: contentTypeOf(res),
      summaryMinChars: limits.summaryMinChars,
      summaryMaxChars: limits.summaryMaxChars,
      rule: source.article?.selector ? { selector: source.article.selector } : undefined,
    },
    ADD_BY_URL_READ_MS,
  );
  const fetchedAt = new Date(deps.now).toISOString();
  const { items, warnings } = normalizeFor(pageDocument(extraction, res.finalUrl), {
    source,
    fetchedAt,
    url: res.finalUrl,
    limits,
  });
  const item = items[0];
  if (!item) {
    const why = warnings.map((w) => w.code).join(', ') || 'nothing readable';
    throw new GeoError('PARSE_ERROR', `the page gave no item (${why})`);
  }
  const classified = classifyFor(item, source, deps.taxonomy(), await deps.model?.());
  const [assignment] = await withRedis(() => deps.stories.assign([classified.story]), ASSIGN_TIMEOUT_MS);
  const [record] = recordsFor([classified], [assignment!], source, fetchedAt);
  const [outcome] = await withRedis(() => deps.records.put([record!]));
  const story = (await withRedis(() => deps.records.story(assignment!.storyId))) ?? record!;
  const target = topic ?? story.topic ?? record!.topic;
  const inPool = target
    ? await withRedis(() => deps.candidates.offer(story.storyId, target, candidateTime(story), deps.now))
    : false;
  return {
    record: story,
    item: record!,
    joined: assignment!.duplicateOf !== null,
    outcome: outcome!,
    candidate: target ? { topic: target, inPool } : null,
    finalUrl: res.finalUrl,
  } satisfies AddByUrlResult;
}
