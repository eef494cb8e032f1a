import type { Config } from '../config/load.js';
import type { SourceEntry } from '../config/sources-schema.js';
import { isGeoError } from '../errors.js';
import { createFetcherFromConfig } from '../fetch/index.js';
import { parseDocument } from '../pipeline/parse/index.js';

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

/** Fetches one source once through the hardened fetcher and parses it: what `sources check` prints. */
export async function checkSource(
  source: SourceEntry,
  config: Config,
  opts: { allowPrivate?: boolean },
): Promise<SourceCheckReport> {
  const started = performance.now();
  const fetcher = createFetcherFromConfig(config.app.fetch, { allowPrivate: opts.allowPrivate });
  const base = { source: source.id, url: source.url };
  try {
    const res = await fetcher.fetch(source.url);
    const fetchMs = Math.round(performance.now() - started);
    if (res.status !== 200) {
      return { ...base, ok: true, items: 0, finalUrl: res.finalUrl, fetchMs, ms: fetchMs };
    }
    const t = performance.now();
    const doc = await parseDocument(res.body, {
      url: res.finalUrl,
      contentType: res.contentType,
      kind: source.kind,
      html: source.html,
      maxItems: config.app.ingest.maxItemsPerDocument,
    });
    return {
      ...base,
      ok: true,
      format: doc.format,
      encoding: doc.encoding,
      items: doc.items.length,
      warnings: doc.warnings.length,
      finalUrl: res.finalUrl,
      fetchMs,
      parseMs: Math.round(performance.now() - t),
      ms: Math.round(performance.now() - started),
    };
  } catch (err) {
    return {
      ...base,
      ok: false,
      ms: Math.round(performance.now() - started),
      error: isGeoError(err)
        ? { code: err.code, message: err.message }
        : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) },
    };
  }
}
