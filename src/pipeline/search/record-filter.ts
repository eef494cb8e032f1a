/**
 * The filters of `GET /v1/records` that a stored record is checked against. Time bounds, text and the tag and
 * map indexes narrow the candidates in Redis first (src/store/record-query.ts); this check is the final word
 * on each record read, so an index entry that lags behind its record never lets a wrong record through.
 */
import type { DigestRecord } from '../types.js';
import { type BBox, inBbox } from './bbox.js';

export interface RecordFilter {
  /** Stories streamed to the topic (relevant, the topic scored). */
  topic?: string;
  source?: string;
  language?: string;
  /** A commodity tag id of config/tags.yaml. */
  commodity?: string;
  /** An ISO 3166-1 alpha-2 country tag. */
  country?: string;
  /** Stories with a `geo` point inside the box. */
  bbox?: BBox;
  /** Inclusive lower bound of digest time, ms. */
  fromMs?: number;
  /** Exclusive upper bound of digest time, ms. */
  toMs?: number;
  /** Full-text tokens (src/pipeline/search/tokens.ts), all of which a story must hold. */
  tokens?: string[];
}

/** Whether a record passes the record-level filters (topic, source, language, tags, map box). */
export function matchesFilter(r: DigestRecord, f: RecordFilter): boolean {
  if (f.topic !== undefined && !(r.relevant && r.topics.some((t) => t.id === f.topic))) return false;
  if (f.source !== undefined && r.source.id !== f.source) return false;
  if (f.language !== undefined && r.language !== f.language) return false;
  if (f.commodity !== undefined && !r.tags.commodities.includes(f.commodity)) return false;
  if (f.country !== undefined && !r.tags.countries.includes(f.country)) return false;
  if (f.bbox !== undefined && !(r.geo && inBbox(f.bbox, r.geo.lat, r.geo.lon))) return false;
  return true;
}
