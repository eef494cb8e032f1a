import type { Config } from '../config/load.js';
import type { SourceEntry } from '../config/sources-schema.js';
import { isGeoError } from '../errors.js';
import { createFetcherFromConfig, type Fetcher, type Resolver } from '../fetch/index.js';
import { type HealthCounters, nextHealth } from '../pipeline/health.js';
import { datesAllFetchDay, type HealthFlag, healthFlags } from '../pipeline/health-flags.js';
import { parseDocument } from '../pipeline/parse/index.js';
import { cleanText, htmlToText } from '../pipeline/parse/text.js';
import { pollDocument } from '../pipeline/poll.js';
import type { ParsedItem } from '../pipeline/types.js';

/** The summary length `sources check` counts as a real summary when config `ingest.summaryMinChars` is unset. */
export const DEFAULT_SUMMARY_MIN_CHARS = 150;

export interface SourceCheckReport {
  source: string;
  url: string;
  /** False when the fetch or parse failed, or the body shows a broken source (see `error`). */
  ok: boolean;
  format?: string;
  encoding?: string;
  items?: number;
  /** Newest item date (ISO-8601), null when no item carries one. */
  newest?: string | null;
  /** Items whose summary (or content) has at least `minChars` characters of text, and their share. */
  summaries?: { minChars: number; count: number; share: number };
  warnings?: number;
  finalUrl?: string;
  /** Every redirect was permanent: where the feed now lives (the `moved` flag after several fetches). */
  permanentRedirect?: string;
  fetchMs?: number;
  parseMs?: number;
  ms: number;
  /** Health flags this one fetch raises (`empty-listing`, `dates-all-fetch-day`). */
  flags?: HealthFlag[];
  /** The failure, or the first flag that makes the source broken. */
  error?: { code: string; message: string };
}

/**
 * Test seams of `sources check`, never reachable from the command line: the production address policy and
 * resolver stay as they are unless a test passes these.
 */
export interface CheckInternals {
  /** Host name → addresses (tests: the registry's hosts → a loopback fixture server). */
  resolver?: Resolver;
  /** Rewrites each registry URL just before it is fetched (tests: https://host/p → http://host:port/p). */
  rewriteUrl?: (url: string) => string;
  /** The clock of "today" and of the flags. @defaultValue Date.now */
  now?: () => number;
}

const EMPTY_HEALTH: HealthCounters = { consecutiveFailures: 0, fetches: 0, notModified: 0 };
/** Flags that make `sources check` fail: one fetch shows them for certain. */
const BROKEN: Record<string, string> = {
  'empty-listing': 'EMPTY_LISTING',
  'dates-all-fetch-day': 'DATES_ALL_FETCH_DAY',
};
/** Source kinds that promise a feed: an HTML page in their place is a broken source. */
const FEED_KINDS = new Set(['rss', 'atom', 'rdf', 'json', 'geojson']);

function summaryMinChars(config: Config): number {
  const v = (config.app.ingest as { summaryMinChars?: unknown }).summaryMinChars;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : DEFAULT_SUMMARY_MIN_CHARS;
}

/** Items whose summary text (as the normalise stage takes it: summary, else content) is at least `min` long. */
export function summaryCoverage(
  items: readonly ParsedItem[],
  minChars: number,
): { minChars: number; count: number; share: number } {
  const count = items.filter(
    (i) => [...cleanText(htmlToText(i.summary ?? i.content ?? ''))].length >= minChars,
  ).length;
  const share = items.length ? Math.round((count / items.length) * 100) / 100 : 0;
  return { minChars, count, share };
}

/**
 * Fetches one source once through the hardened fetcher and parses it: what `sources check` prints. One fetcher
 * serves the whole run, so robots.txt answers and per-host politeness are shared across sources. A source is
 * broken (ok false) when the fetch or the parse fails, when a feed source serves an HTML page, when the body
 * has no items, or when every item is dated today.
 */
export async function checkSource(
  source: SourceEntry,
  config: Config,
  fetcher: Fetcher,
  internals: Pick<CheckInternals, 'rewriteUrl' | 'now'> = {},
): Promise<SourceCheckReport> {
  const started = performance.now();
  const base = { source: source.id, url: source.url };
  const ms = () => Math.round(performance.now() - started);
  const nowMs = (internals.now ?? Date.now)();
  try {
    const res = await pollDocument(
      { fetch: fetcher.fetch, parse: parseDocument, now: () => performance.now() },
      {
        url: internals.rewriteUrl ? internals.rewriteUrl(source.url) : source.url,
        kind: source.kind,
        html: source.html,
        maxItems: config.app.ingest.maxItemsPerDocument,
      },
    );
    if (res.status === 'not-modified')
      return { ...base, ok: true, items: 0, finalUrl: res.finalUrl, ms: ms() };
    const items = res.doc.items;
    const newest = items.reduce<string | null>(
      (m, i) => (i.published && (!m || i.published > m) ? i.published : m),
      null,
    );
    const health = nextHealth(
      EMPTY_HEALTH,
      {
        kind: 'ok',
        items: items.length,
        newestItemAt: newest,
        datesAllFetchDay: datesAllFetchDay(
          items.map((i) => i.published),
          nowMs,
          source.timeZone,
        ),
      },
      { nowMs, pollEveryMs: 0 },
    );
    const flags = healthFlags(source, health, nowMs).filter((f) => f.flag in BROKEN);
    let error: SourceCheckReport['error'];
    if (FEED_KINDS.has(source.kind) && res.doc.format === 'html')
      error = {
        code: 'NOT_A_FEED',
        message: `expected ${source.kind}, the server sent an HTML page (${res.contentType || 'no Content-Type'})`,
      };
    else if (flags[0]) error = { code: BROKEN[flags[0].flag]!, message: flags[0].message };
    return {
      ...base,
      ok: !error,
      format: res.doc.format,
      encoding: res.doc.encoding,
      items: items.length,
      newest,
      summaries: summaryCoverage(items, summaryMinChars(config)),
      warnings: res.doc.warnings.length,
      finalUrl: res.finalUrl,
      ...(res.permanentRedirect ? { permanentRedirect: res.permanentRedirect } : {}),
      fetchMs: Math.round(res.fetchMs),
      parseMs: Math.round(res.parseMs),
      ms: ms(),
      ...(flags.length ? { flags } : {}),
      ...(error ? { error } : {}),
    };
  } catch (err) {
    const notFeed = isGeoError(err) && err.code === 'NOT_A_FEED' && FEED_KINDS.has(source.kind);
    return {
      ...base,
      ok: false,
      ms: ms(),
      error: isGeoError(err)
        ? { code: err.code, message: notFeed ? `expected ${source.kind}: ${err.message}` : err.message }
        : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) },
    };
  }
}

/**
 * Checks `targets` one after the other through one hardened fetcher built from the config (plus
 * `--allow-private`), calling `onReport` as each finishes; resolves to the reports in order.
 */
export async function checkSources(
  config: Config,
  targets: readonly SourceEntry[],
  opts: {
    allowPrivate?: boolean | string | readonly string[];
    onReport?: (r: SourceCheckReport) => void;
    internals?: CheckInternals;
  } = {},
): Promise<SourceCheckReport[]> {
  const internals = opts.internals ?? {};
  const fetcher = createFetcherFromConfig(config.app.fetch, {
    allowPrivate: opts.allowPrivate,
    ...(internals.resolver ? { resolver: internals.resolver } : {}),
  });
  const reports: SourceCheckReport[] = [];
  for (const source of targets) {
    const report = await checkSource(source, config, fetcher, internals);
    reports.push(report);
    opts.onReport?.(report);
  }
  return reports;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** One line of `sources check` text output. */
export function checkLine(r: SourceCheckReport): string {
  if (!r.ok) {
    const more = r.items !== undefined ? `; ${r.items} items, ${r.format}` : '';
    return `FAIL  ${r.source}: ${r.error?.code} ${r.error?.message} (${r.ms} ms${more})\n`;
  }
  const parts = [`${r.items} items`];
  if (r.items) {
    parts.push(`newest ${r.newest ?? 'undated'}`);
    if (r.summaries) parts.push(`summaries ≥${r.summaries.minChars} chars ${pct(r.summaries.share)}`);
  }
  const timing = r.fetchMs !== undefined ? `fetch ${r.fetchMs} ms, parse ${r.parseMs} ms` : `${r.ms} ms`;
  const moved = r.permanentRedirect ? `; permanently redirected to ${r.permanentRedirect}` : '';
  const fmt = r.format ? ` (${r.format}, ${r.encoding})` : ' (not modified)';
  return `ok    ${r.source}: ${parts.join(', ')}${fmt}, ${timing}${moved}\n`;
}
