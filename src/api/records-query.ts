/**
 * `GET /v1/records`: from the query string to a {@link RecordsQuery} of the record query store
 * (src/store/record-query.ts, which reads Redis and documents the order and the cursor). Values that the JSON
 * schema cannot check alone are checked here against the configuration: topic ids, commodity and country tags,
 * the map box, dates and the words of `q`.
 */
import type { Config } from '../config/load.js';
import { GeoError } from '../errors.js';
import { parseBbox } from '../pipeline/search/bbox.js';
import { textTokens } from '../pipeline/search/tokens.js';
import type { RecordsQuery } from '../store/record-query.js';

export { decodeCursor, encodeCursor, SCAN_MAX } from '../store/record-query.js';

/** Tokens a `q` may hold at most (each is one more set to intersect). */
export const MAX_QUERY_TOKENS = 8;

export interface RecordsQuerystring {
  topic?: string;
  source?: string;
  language?: string;
  commodity?: string;
  country?: string;
  bbox?: string;
  q?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit: number;
}

/** `YYYY-MM-DD` (UTC midnight) or an ISO-8601 instant, as ms. */
export function parseInstant(s: string, field: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(s)
    ? Date.parse(`${s}T00:00:00Z`)
    : /^\d{4}-\d{2}-\d{2}T/.test(s)
      ? Date.parse(s)
      : Number.NaN;
  if (!Number.isFinite(ms))
    throw new GeoError('INPUT_INVALID', `${field} must be YYYY-MM-DD or an ISO-8601 instant`);
  return ms;
}

/** The query of a request, checked against the configuration; INPUT_INVALID names what is wrong. */
export function recordsQueryOf(q: RecordsQuerystring, config: Pick<Config, 'topics' | 'tags'>): RecordsQuery {
  if (q.topic !== undefined && !config.topics.topics.some((t) => t.id === q.topic))
    throw new GeoError('INPUT_INVALID', 'topic is not a topic id of config/topics.yaml');
  if (q.commodity !== undefined && !Object.hasOwn(config.tags.commodities, q.commodity))
    throw new GeoError('INPUT_INVALID', 'commodity is not a commodity id of config/tags.yaml');
  const country = q.country?.toUpperCase();
  if (country !== undefined && !Object.hasOwn(config.tags.countries, country))
    throw new GeoError('INPUT_INVALID', 'country is not an ISO 3166-1 alpha-2 code of config/tags.yaml');
  let tokens: string[] | undefined;
  if (q.q !== undefined) {
    tokens = textTokens(q.q, MAX_QUERY_TOKENS + 1);
    if (tokens.length === 0)
      throw new GeoError(
        'INPUT_INVALID',
        'q holds no searchable word (stop-words and one-letter words are not indexed)',
      );
    if (tokens.length > MAX_QUERY_TOKENS)
      throw new GeoError('INPUT_INVALID', `q may hold at most ${MAX_QUERY_TOKENS} searchable words`);
  }
  return {
    topic: q.topic,
    source: q.source,
    language: q.language,
    commodity: q.commodity,
    country,
    bbox: q.bbox === undefined ? undefined : parseBbox(q.bbox),
    tokens,
    fromMs: q.from === undefined ? undefined : parseInstant(q.from, 'from'),
    toMs: q.to === undefined ? undefined : parseInstant(q.to, 'to'),
    cursor: q.cursor,
    limit: q.limit,
  };
}
