/**
 * buildEdition: the digest of one edition from the editors' choices. When editors accepted stories for the
 * edition, the digest holds exactly those (their records with the editors' title/summary/titleZh/summaryZh
 * applied), each in the section the editor chose, in the editors' order, numbered continuously across
 * sections in topic order; no per-section cap and no confidence floor (an editor's choice wins; a picked event
 * listing is a numbered item like any pick, and the sections' event boxes are empty). When they accepted none,
 * it is the day's best records, as {@link buildDigest} makes them (with its event boxes). Pure: records and the
 * issue number are arguments.
 */
import type { DigestRecord } from '../types.js';
import { buildDigest, type Digest, type DigestOptions, type DigestSection } from './build.js';

/** What an editor changed (absent fields keep the record's own). */
export interface EditionEdits {
  title?: string;
  summary?: string;
  titleZh?: string;
  summaryZh?: string;
}

/** One accepted story of the edition (an AcceptedEntry of the store has this shape). */
export interface EditionPick {
  storyId: string;
  /** The section (topic id) the editor put it in. */
  section: string;
  edits: EditionEdits;
  /** When it was accepted (ISO-8601): the order of picks no editor ordered. */
  at?: string;
}

export interface EditionInput extends Omit<DigestOptions, 'date' | 'issue'> {
  date: string;
  issue: number;
  picks: readonly EditionPick[];
  /** The stored record of each picked story (absent or null: the record is gone, the pick is left out). */
  records: ReadonlyMap<string, DigestRecord | null>;
  /** Section → story ids in the editors' order. */
  order: Readonly<Record<string, readonly string[]>>;
  /** Records around the day, for the automatic draft when there are no picks (buildDigest keeps the window). */
  dayRecords: readonly DigestRecord[];
}

export interface EditionResult {
  digest: Digest;
  /** `picks`: built from the editors' picks; `auto`: none were made, the day's best records. */
  source: 'picks' | 'auto';
  /** Picked story ids left out: their record is gone, or neither their section nor their topic is configured. */
  omitted: string[];
}

/** The record with the editor's text applied. */
export function applyEdits(record: DigestRecord, edits: EditionEdits): DigestRecord {
  const out: DigestRecord = { ...record };
  if (edits.title !== undefined && edits.title !== '') out.title = edits.title;
  if (edits.summary !== undefined) out.summary = edits.summary;
  if (edits.titleZh !== undefined && edits.titleZh !== '') out.titleZh = edits.titleZh;
  if (edits.summaryZh !== undefined && edits.summaryZh !== '') out.summaryZh = edits.summaryZh;
  return out;
}

export function buildEdition(input: EditionInput): EditionResult {
  const { date, issue, picks } = input;
  const opts: DigestOptions = {
    date,
    issue,
    timeZone: input.timeZone,
    cutoffHour: input.cutoffHour,
    perSection: input.perSection,
    topics: input.topics,
    publishes: input.publishes,
    minConfidence: input.minConfidence,
    eventRadiusKm: input.eventRadiusKm,
    eventSpanDays: input.eventSpanDays,
  };
  if (picks.length === 0) return { digest: buildDigest(input.dayRecords, opts), source: 'auto', omitted: [] };

  // The frame (date, window, time zone, every section empty), then the picks in their sections.
  const frame = buildDigest([], opts);
  const known = new Set(frame.sections.map((s) => s.id));
  const bySection = new Map<string, Array<{ pick: EditionPick; record: DigestRecord }>>();
  const omitted: string[] = [];
  for (const pick of picks) {
    const record = input.records.get(pick.storyId);
    const section = known.has(pick.section)
      ? pick.section
      : record?.topic && known.has(record.topic)
        ? record.topic
        : null;
    if (!record || section === null) {
      omitted.push(pick.storyId);
      continue;
    }
    const list = bySection.get(section) ?? [];
    list.push({ pick, record: applyEdits(record, pick.edits) });
    bySection.set(section, list);
  }

  let n = 0;
  const sections = frame.sections.map((s): DigestSection => {
    const list = bySection.get(s.id) ?? [];
    const rank = new Map((input.order[s.id] ?? []).map((id, i) => [id, i]));
    const unranked = Number.MAX_SAFE_INTEGER;
    list.sort(
      (a, b) =>
        (rank.get(a.pick.storyId) ?? unranked) - (rank.get(b.pick.storyId) ?? unranked) ||
        (a.pick.at ?? '').localeCompare(b.pick.at ?? '') ||
        (a.pick.storyId < b.pick.storyId ? -1 : 1),
    );
    return { ...s, items: list.map(({ record }) => ({ n: ++n, record })) };
  });
  return { digest: { ...frame, sections, count: n }, source: 'picks', omitted };
}
