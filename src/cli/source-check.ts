import type { Config } from '../config/load.js';
import type { SourceEntry } from '../config/sources-schema.js';
import { isGeoError } from '../errors.js';
import type { Fetcher } from '../fetch/index.js';
import { parseDocument } from '../pipeline/parse/index.js';
import { pollDocument } from '../pipeline/poll.js';

export interface SourceCheckReport {
  source: string;
  url: string;
  ok: boolean;
  format?: string;
  encoding?: string;
  items?: number;
  warnings?: number;
  finalUrl?: string;
  fetchMs?: number;
  parseMs?: number;
  ms: number;
  error?: { code: string; message: string };
}

/**
 * Fetches one source once through the hardened fetcher and parses it: what `sources check` prints. One fetcher
 * serves the whole run, so robots.txt answers and per-host politeness are shared across sources.
 */
export async function checkSource(
  source: SourceEntry,
  config: Config,
  fetcher: Fetcher,
): Promise<SourceCheckReport> {
  const started = performance.now();
  const base = { source: source.id, url: source.url };
  const ms = () => Math.round(performance.now() - started);
  try {
    const res = await pollDocument(
      { fetch: fetcher.fetch, parse: parseDocument, now: () => performance.now() },
      {
        url: source.url,
        kind: source.kind,
        html: source.html,
        maxItems: config.app.ingest.maxItemsPerDocument,
      },
    );
    if (res.status === 'not-modified')
      return { ...base, ok: true, items: 0, finalUrl: res.finalUrl, ms: ms() };
    return {
      ...base,
      ok: true,
      format: res.doc.format,
      encoding: res.doc.encoding,
      items: res.doc.items.length,
      warnings: res.doc.warnings.length,
      finalUrl: res.finalUrl,
      fetchMs: Math.round(res.fetchMs),
      parseMs: Math.round(res.parseMs),
      ms: ms(),
    };
  } catch (err) {
    return {
      ...base,
      ok: false,
      ms: ms(),
      error: isGeoError(err)
        ? { code: err.code, message: err.message }
        : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) },
    };
  }
}
