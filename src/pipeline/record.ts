/**
 * The record stage: one digest record (`geointel.record/1`, docs/contracts.md) from an item, its classification and
 * story, with the bulletin's attribution line in both languages.
 */
import type { SourceEntry } from '../config/sources-schema.js';
import { isValidTimeZone, zonedParts } from './digest/zoned.js';
import { isDerivedSource } from './source-match.js';
import type { Classification, DigestRecord, DuplicateRef, Item, StoryAssignment } from './types.js';

/** Registry facts a citation needs. */
export type CitationSource = Pick<SourceEntry, 'name'> &
  Partial<Pick<SourceEntry, 'nameZh' | 'shortName' | 'timeZone'>>;

/**
 * Attribution lines: zh `（美国地质调查局，2023.10.5）`, en `(USGS, 2023-10-05)`. The date is the publication
 * day in the source's own time zone (`fetchedAt` when the source gave no usable date).
 */
export function citation(
  publishedAt: string | null | undefined,
  fetchedAt: string,
  source: CitationSource,
): { zh: string; en: string } {
  const tz = source.timeZone && isValidTimeZone(source.timeZone) ? source.timeZone : 'UTC';
  let t = publishedAt ? Date.parse(publishedAt) : Number.NaN;
  if (Number.isNaN(t)) t = Date.parse(fetchedAt);
  const nameZh = source.nameZh ?? source.shortName ?? source.name;
  const nameEn = source.shortName ?? source.name;
  if (Number.isNaN(t)) return { zh: `（${nameZh}）`, en: `(${nameEn})` };
  const p = zonedParts(t, tz);
  const mm = String(p.month).padStart(2, '0');
  const dd = String(p.day).padStart(2, '0');
  return { zh: `（${nameZh}，${p.year}.${p.month}.${p.day}）`, en: `(${nameEn}, ${p.year}-${mm}-${dd})` };
}

/** Everything {@link buildRecord} combines. */
export interface RecordInput {
  item: Item;
  classification: Classification;
  story: StoryAssignment;
  source: CitationSource & Pick<SourceEntry, 'id'>;
  /** ISO-8601 instant the document was fetched. */
  fetchedAt: string;
  /** Later duplicates of the story (the store fills this in). @defaultValue [] */
  duplicates?: DuplicateRef[];
}

/**
 * A journal's name from a feed title: without the aggregator prefix (`AAAS:`, `ScienceDirect Publication:`,
 * `Wiley:`) and the feed suffix (`: Table of Contents`, `: Most Recent Articles`, `RSS`).
 */
export function publisherName(raw: string): string {
  const name = raw
    .replace(/\s+/g, ' ')
    .trim()
    .replace(
      /^(ScienceDirect Publication|AAAS|Wiley|SAGE Publications|Springer|Taylor & Francis|Cambridge Core)\s*:\s*/i,
      '',
    )
    .replace(
      /\s*[:|–—-]\s*(Table of Contents|Most Recent Articles|Latest (Articles|Issue|Results)|Current Issue|Early View|Advance Articles|Just Accepted|RSS( feed)?)$/i,
      '',
    )
    .replace(/\s+RSS( feed)?$/i, '')
    .trim();
  return name || raw.trim();
}

/**
 * The source a record cites: the registry entry, or — for a source made up because no entry claims the
 * document — the publisher the item names (a journal in an aggregator's export), never a file path.
 */
function citedSource(item: Item, source: RecordInput['source']): RecordInput['source'] {
  const publisher = (item as Item & { publisher?: string }).publisher;
  if (!publisher || !isDerivedSource(source)) return source;
  const name = publisherName(publisher);
  const id =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || source.id;
  return { id, name, shortName: name, timeZone: source.timeZone };
}

/** Builds the digest record of one item. */
export function buildRecord(input: RecordInput): DigestRecord {
  const { item, classification: c, story, fetchedAt } = input;
  const source = citedSource(item, input.source);
  const published = item.publishedAt && !Number.isNaN(Date.parse(item.publishedAt)) ? item.publishedAt : null;
  const record: DigestRecord = {
    schema: 'geointel.record/1',
    id: item.id,
    storyId: story.storyId,
    canonicalId: story.canonicalId,
    // Item text is already plain (the normalise stage decoded it once); decoding again would turn a literal
    // "&amp;" in a title into "&".
    title: item.title,
    summary: item.summary ?? item.content ?? '',
    url: item.url ?? '',
    source: {
      id: source.id,
      name: source.name,
      ...(source.nameZh ? { nameZh: source.nameZh } : {}),
      ...(source.shortName ? { shortName: source.shortName } : {}),
    },
    publishedAt: published,
    fetchedAt,
    language: c.language || item.language || 'und',
    relevant: c.relevant,
    topic: c.relevant ? c.topic : null,
    topics: c.topics,
    runnerUp: c.runnerUp ?? null,
    tags: c.tags,
    duplicates: input.duplicates ?? [],
    citation: citation(published, fetchedAt, source),
  };
  if (item.geo) {
    const { lat, lon, depthKm, magnitude, alertLevel } = item.geo;
    record.geo = { lat, lon, depthKm, magnitude, alertLevel };
    for (const k of Object.keys(record.geo) as Array<keyof typeof record.geo>) {
      if (record.geo[k] === undefined) delete record.geo[k];
    }
  }
  return record;
}
