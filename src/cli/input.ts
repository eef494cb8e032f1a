import { readFile } from 'node:fs/promises';
import type { Config } from '../config/load.js';
import type { SourceEntry } from '../config/sources-schema.js';
import { GeoError, isGeoError } from '../errors.js';
import { createFetcherFromConfig, type Fetcher } from '../fetch/index.js';
import { type ArticleExtraction, type ArticleRule, extractArticle } from '../pipeline/article/index.js';
import { contentTypeOf } from '../pipeline/parse/content-type.js';
import { parseDocument } from '../pipeline/parse/index.js';
import { pollDocument } from '../pipeline/poll.js';
import { matchSource } from '../pipeline/source-match.js';
import type { ParseDocument } from '../pipeline/types.js';

/** Bytes of one input argument and what is known about them. */
export interface Input {
  bytes: Uint8Array;
  contentType?: string;
  /** Final URL after redirects, for URL inputs: the base of relative links. */
  url?: string;
}

/** A URL argument: anything with a scheme (`http:`, but also `file:` or `ftp:`, which the fetcher refuses). */
export function isUrlArgument(arg: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(arg) && !/^[a-z]:[\\/]/i.test(arg);
}

/**
 * Reads FILE or URL. URLs go through the hardened fetcher (SSRF policy, caps, timeouts, robots.txt); the
 * fetcher is made on first use from the configuration, with `--allow-private` added for this run.
 */
export function createInputReader(
  opts: { config?: () => Config; allowPrivate?: boolean; fetcher?: () => Fetcher } = {},
) {
  let fetcher: Fetcher | undefined;
  return async function readInput(arg: string): Promise<Input> {
    if (isUrlArgument(arg)) {
      if (!opts.config) throw new GeoError('USAGE', `URL inputs need the configuration (${arg})`);
      fetcher ??=
        opts.fetcher?.() ??
        createFetcherFromConfig(opts.config().app.fetch, { allowPrivate: opts.allowPrivate });
      const res = await fetcher.fetch(arg);
      if (res.status !== 200) throw new GeoError('EMPTY_RESPONSE', `${arg}: server answered ${res.status}`);
      return { bytes: res.body, contentType: contentTypeOf(res), url: res.finalUrl };
    }
    return readLocal(arg);
  };
}

async function readLocal(arg: string): Promise<Input> {
  try {
    return { bytes: await readFile(arg) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
    throw new GeoError('INPUT_INVALID', `cannot read ${arg}: ${code}`, { cause: err });
  }
}

/** An input ready to be read with a registry entry's rule; URL inputs were fetched and parsed once already. */
export interface DocumentInput {
  url?: string;
  parse(source?: SourceEntry): Promise<ParseDocument>;
}

/**
 * Reads FILE or URL for `ingest`: a URL goes through `pollDocument` like the fetch worker (the registry entry
 * its URL belongs to chooses how it is parsed); a later `parse(other)` with another entry re-reads the bytes.
 */
export function createDocumentReader(opts: {
  config: Config;
  allowPrivate?: boolean;
  maxItems: number;
  /** The run's one fetcher (shared with the article pages, so per-host politeness holds across both). */
  fetcher?: () => Fetcher;
}) {
  let fetcher: Fetcher | undefined;
  const parseBytes =
    (bytes: Uint8Array, url: string | undefined, contentType: string | undefined) => (source?: SourceEntry) =>
      parseDocument(bytes, {
        url,
        contentType,
        kind: source?.kind,
        html: source?.html,
        maxItems: opts.maxItems,
      });
  return async function readDocument(arg: string): Promise<DocumentInput> {
    if (!isUrlArgument(arg)) {
      const { bytes } = await readLocal(arg);
      return { parse: parseBytes(bytes, undefined, undefined) };
    }
    fetcher ??=
      opts.fetcher?.() ?? createFetcherFromConfig(opts.config.app.fetch, { allowPrivate: opts.allowPrivate });
    const known = matchSource(opts.config.sources, { links: [arg] });
    const res = await pollDocument(
      { fetch: (url, o) => fetcher!.fetch(url, o), parse: parseDocument },
      { url: arg, kind: known?.kind, html: known?.html, maxItems: opts.maxItems },
    );
    if (res.status !== 'ok') throw new GeoError('EMPTY_RESPONSE', `${arg}: server answered 304`);
    const again = parseBytes(res.body, res.finalUrl, res.contentType);
    return { url: res.finalUrl, parse: async (source) => (source === known ? res.doc : again(source)) };
  };
}

/** Accept header of article page requests: HTML first. */
const ARTICLE_ACCEPT = 'text/html, application/xhtml+xml;q=0.9, */*;q=0.1';

/** What reading one article page gave: the extraction, or the reason there is none. */
export type ArticleOutcome = { extraction: ArticleExtraction } | { code: string; message: string };

/**
 * Reads article pages for `--articles`: each URL is fetched at most once per run through the hardened
 * fetcher (SSRF policy, robots.txt, per-host politeness) and run through the article stage. Never throws.
 */
export function createArticleReader(opts: {
  fetcher: () => Fetcher;
  ingest: Pick<Config['app']['ingest'], 'summaryMinChars' | 'summaryMaxChars'>;
}) {
  const seen = new Map<string, Promise<ArticleOutcome>>();
  const read = async (url: string, rule?: ArticleRule): Promise<ArticleOutcome> => {
    try {
      const res = await opts.fetcher().fetch(url, { accept: ARTICLE_ACCEPT });
      if (res.status !== 200) return { code: 'EMPTY_RESPONSE', message: `${url}: server answered 304` };
      if (res.contentType && !/html|xml/.test(res.contentType)) {
        return { code: 'ARTICLE_NOT_HTML', message: `${url} is ${res.contentType}, not an HTML page` };
      }
      const extraction = extractArticle(res.body, {
        url: res.finalUrl,
        contentType: contentTypeOf(res),
        summaryMinChars: opts.ingest.summaryMinChars,
        summaryMaxChars: opts.ingest.summaryMaxChars,
        rule,
      });
      return { extraction };
    } catch (err) {
      return isGeoError(err)
        ? { code: err.code, message: err.message }
        : { code: 'INTERNAL', message: err instanceof Error ? err.message : 'unexpected failure' };
    }
  };
  return function readArticle(url: string, rule?: ArticleRule): Promise<ArticleOutcome> {
    let p = seen.get(url);
    if (!p) {
      p = read(url, rule);
      seen.set(url, p);
    }
    return p;
  };
}

/** Runs `fn` over `items` with at most `limit` at a time, results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (x: T, i: number) => Promise<R>,
) {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
