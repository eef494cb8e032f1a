/**
 * Shared data shapes of the pipeline. Field names follow docs/contracts.md; everything here is plain
 * JSON-serialisable data so that it can cross BullMQ jobs, Redis and the CLI unchanged.
 */

/** The format a document was read as (docs/contracts.md "Parse document"). */
export type FeedFormat = 'rss' | 'atom' | 'rdf' | 'json' | 'geojson' | 'html';

export interface Warning {
  /** Stable machine code, e.g. `DATE_UNPARSEABLE`, `ITEM_DROPPED_NO_TITLE`. */
  code: string;
  message: string;
}

export interface Enclosure {
  url: string;
  type?: string | null;
  length?: number | null;
}

/** Geographic facts carried by event feeds (USGS GeoJSON, GeoRSS, GDACS). */
export interface GeoInfo {
  lat: number;
  lon: number;
  depthKm?: number;
  magnitude?: number;
  /** USGS PAGER / GDACS alert level: green | yellow | orange | red. */
  alertLevel?: string;
  /** Event type where the feed says it: earthquake, volcano, cyclone, flood, drought, landslide, tsunami… */
  eventType?: string;
}

/** One entry as read from a feed or page, before normalisation. */
export interface ParsedItem {
  guid?: string | null;
  title?: string | null;
  link?: string | null;
  /** ISO-8601 UTC or null. */
  published?: string | null;
  updated?: string | null;
  author?: string | null;
  /** Sanitised HTML. */
  summary?: string | null;
  /** Sanitised HTML. */
  content?: string | null;
  categories?: string[];
  enclosures?: Enclosure[];
  /** Extension: geo facts for event feeds. */
  geo?: GeoInfo;
  /** Extension: agency event ids (USGS `id` + `ids` aliases, GDACS eventtype:eventid, …). */
  eventIds?: string[];
  /** Extension: DOI when the entry carries one (prism:doi, dc:identifier, link). */
  doi?: string | null;
}

export interface FeedMeta {
  title?: string | null;
  link?: string | null;
  description?: string | null;
  language?: string | null;
  updated?: string | null;
}

/** Output of `geointel parse` (docs/contracts.md). */
export interface ParseDocument {
  format: FeedFormat;
  /** The charset the bytes were decoded from, lower case (utf-8, gbk, windows-1252…). */
  encoding: string;
  feed: FeedMeta;
  items: ParsedItem[];
  warnings: Warning[];
}

/** A clean item: input of classify and dedupe (docs/contracts.md "Item"), produced by the normalise stage. */
export interface Item {
  id: string;
  title: string;
  summary?: string;
  content?: string;
  url?: string;
  language?: string;
  /** Source registry id. */
  source?: string;
  publishedAt?: string | null;
  /** Extensions used by dedupe and records. */
  guid?: string;
  doi?: string;
  eventIds?: string[];
  geo?: GeoInfo;
  categories?: string[];
}

export interface TopicScore {
  id: string;
  /** 0..1 */
  score: number;
  /** Matched terms or features that produced the score. */
  evidence: string[];
}

export interface Tags {
  commodities: string[];
  countries: string[];
}

/** The second section an item would fit ("also fits 基础地质"), with its score. */
export interface RunnerUp {
  id: string;
  /** 0..1, the topic's score. */
  score: number;
}

/** Output of the classify stage (docs/contracts.md). */
export interface Classification {
  id: string;
  language: string;
  relevant: boolean;
  topic: string | null;
  topics: TopicScore[];
  /**
   * The second choice: for a placed item, the best other topic whose evidence also outweighs the off-topic
   * evidence; for an off-topic item, its best topic with evidence; null when there is none (and for items an
   * event rule decided). The classify stage always sets it; optional for classifications made by hand.
   */
  runnerUp?: RunnerUp | null;
  tags: Tags;
}

/** Output of the dedupe stage (docs/contracts.md). */
export interface StoryAssignment {
  id: string;
  storyId: string;
  duplicateOf: string | null;
  canonicalId: string;
  similarity: number;
}

export interface RecordSource {
  id: string;
  name: string;
  nameZh?: string;
  shortName?: string;
}

export interface DuplicateRef {
  id: string;
  sourceId: string;
  url?: string;
}

/** The digest record, schema `geointel.record/1` (docs/contracts.md). */
export interface DigestRecord {
  schema: 'geointel.record/1';
  id: string;
  storyId: string;
  canonicalId: string;
  title: string;
  summary: string;
  url: string;
  source: RecordSource;
  publishedAt: string | null;
  fetchedAt: string;
  language: string;
  relevant: boolean;
  topic: string | null;
  topics: TopicScore[];
  /** The classification's second choice (absent from records stored before it existed). */
  runnerUp?: RunnerUp | null;
  tags: Tags;
  geo?: GeoInfo;
  duplicates: DuplicateRef[];
  citation: { zh: string; en: string };
  /** Editor-supplied Chinese title/summary, used by `--lang zh` renderings when present. */
  titleZh?: string;
  summaryZh?: string;
}
