/**
 * Reads an edition as readers get it — the API's `/v1/digests/:date` and the e-mailed digest: the final edition
 * when published (the digest frozen at publication), else the draft built now from the editors' picks (records
 * read from the record store), or from the day's best records when editors picked nothing. The building is the
 * pure `buildEdition` stage; this module only gathers its inputs from the stores.
 */
import type { AppConfig } from '../config/app-schema.js';
import type { SourceEntry } from '../config/sources-schema.js';
import type { Digest, DigestTopic } from '../pipeline/digest/build.js';
import { buildEdition, type EditionResult } from '../pipeline/digest/edition.js';
import { selectionOptions } from '../pipeline/digest/select.js';
import type { DigestRecord } from '../pipeline/types.js';
import type { EditionState, EditionStore } from './editions.js';
import type { RecordStore } from './types.js';

const DAY = 86_400_000;

export interface EditionReaderDeps {
  records: RecordStore;
  editions: EditionStore;
  digest: AppConfig['digest'];
  topics: () => readonly DigestTopic[];
  /** The source registry: what each source publishes, for the automatic draft's selection. Absent: none known. */
  sources?: () => readonly SourceEntry[];
}

export interface ServedEdition {
  edition: 'final' | 'draft';
  digest: Digest;
  publishedAt?: string;
}

/** The draft digest of an edition's current state with a given issue number. */
export async function editionDraft(
  deps: EditionReaderDeps,
  date: string,
  state: EditionState,
  issue: number,
): Promise<EditionResult> {
  const records = new Map<string, DigestRecord | null>();
  let dayRecords: DigestRecord[] = [];
  if (state.entries.length > 0) {
    const got = await Promise.all(state.entries.map((e) => deps.records.story(e.storyId)));
    state.entries.forEach((e, i) => {
      records.set(e.storyId, got[i] ?? null);
    });
  } else {
    // A superset of the day's window (time zones reach ±14 h); buildEdition keeps exactly the window.
    const day = Date.parse(`${date}T00:00:00Z`);
    dayRecords = await deps.records.storiesBetween(day - 2 * DAY, day + DAY);
  }
  return buildEdition({
    date,
    issue,
    picks: state.entries,
    records,
    order: state.order,
    dayRecords,
    timeZone: deps.digest.timeZone,
    cutoffHour: deps.digest.cutoffHour,
    perSection: deps.digest.perSection,
    topics: deps.topics(),
    ...selectionOptions(deps.digest, deps.sources?.() ?? []),
  });
}

/**
 * The edition readers get for a date: `which` 'final' → the published one or null; 'draft' → the draft even
 * when published; absent → the final one when published, else the draft (numbered as the next issue).
 */
export async function readEdition(
  deps: EditionReaderDeps,
  date: string,
  which?: 'final' | 'draft',
): Promise<ServedEdition | null> {
  const final = which === 'draft' ? null : await deps.editions.final(date);
  if (final) return { edition: 'final', digest: final.digest, publishedAt: final.publishedAt };
  if (which === 'final') return null;
  const state = await deps.editions.get(date);
  const issue = state.issue ?? (await deps.editions.lastIssue()) + 1;
  return { edition: 'draft', digest: (await editionDraft(deps, date, state, issue)).digest };
}
