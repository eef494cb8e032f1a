/**
 * The async store interfaces: everything that persists between jobs and processes. Each has an in-memory
 * twin (the CLI, unit tests) and a Redis implementation (the runtime); one composition root
 * (`src/runtime/`) picks which. Stages in `src/pipeline/` never see these: adapters call a stage, then a store.
 */
import type { AssignMeta } from '../pipeline/dedupe/index.js';
import type { HealthCounters } from '../pipeline/health.js';
import type { Validators } from '../pipeline/poll.js';
import type { DigestRecord, Item, StoryAssignment } from '../pipeline/types.js';

/** One item to place in a story, with its registry facts. */
export interface StoryRequest {
  item: Item;
  meta: AssignMeta;
}

/**
 * The story index behind an async door. `assign` places a batch of items in input order (an item may join a
 * story opened earlier in the same batch) and is atomic against concurrent callers on other processes: two
 * workers assigning the same story at once never open two stories for it.
 */
export interface StoryStore {
  assign(batch: readonly StoryRequest[]): Promise<StoryAssignment[]>;
  /** Number of stories held (for metrics and benches). */
  size(): Promise<number>;
  close?(): Promise<void>;
}

/** What became of one record handed to {@link RecordStore.put}. */
export type PutOutcome =
  /** First record of its story: stored and added to `stream:all` and its topic streams (relevant only). */
  | 'emitted'
  /** A later item of a stored story: appended to the story record's `duplicates`, not emitted again. */
  | 'duplicate'
  /** This exact item was stored before (a retried or duplicated job): nothing changed. */
  | 'unchanged'
  /** Off-topic: stored for audit, never streamed nor offered to editors. */
  | 'stored';

/** A stream entry as read back. */
export interface StreamEntry {
  /** Redis stream id (`<ms>-<seq>`). */
  id: string;
  record: DigestRecord;
}

/**
 * Records, streams and candidates. `put` marks a story seen and emits it in one atomic step per record, so a
 * retried or duplicated job emits nothing twice (docs/contracts.md: one record per story per stream).
 */
export interface RecordStore {
  put(records: readonly DigestRecord[]): Promise<PutOutcome[]>;
  /** Whether each item id was stored before (same order). */
  seen(itemIds: readonly string[]): Promise<boolean[]>;
  /** The stored record of a story (with its duplicates), or null. */
  story(storyId: string): Promise<DigestRecord | null>;
  /** Story records whose digest time (publishedAt, else fetchedAt) lies in [fromMs, toMs). */
  storiesBetween(fromMs: number, toMs: number): Promise<DigestRecord[]>;
  /** Entries of `stream:<topic>` (`all` for every topic) after `afterId` (exclusive; `0` = from the start). */
  readStream(topic: string, afterId?: string, count?: number): Promise<StreamEntry[]>;
}

/** Health counters of one source (computed by the pure `nextHealth` stage; the sources issue adds flags). */
export type SourceHealth = HealthCounters;

export interface SourceState {
  validators: Validators;
  health: SourceHealth;
}

/** A fetched body kept for reprocessing. */
export interface StoredBody {
  bytes: Uint8Array;
  url: string;
  contentType: string;
  fetchedAt: string;
}

/** Per-source state: conditional-GET validators, health, the last body (for `geointel reprocess`). */
export interface SourceStateStore {
  get(sourceId: string): Promise<SourceState>;
  all(): Promise<Record<string, SourceState>>;
  setValidators(sourceId: string, v: Validators): Promise<void>;
  /** Replaces the health counters (the pure `nextHealth` stage computes them from the previous ones). */
  setHealth(sourceId: string, health: SourceHealth): Promise<void>;
  /** Keeps the last fetched body, compressed and bounded. */
  putBody(sourceId: string, body: StoredBody): Promise<void>;
  getBody(sourceId: string): Promise<StoredBody | null>;
  /** Counts `n` new items of a source on the UTC day of `atMs` (items per week on the sources page). */
  addItems(sourceId: string, n: number, atMs: number): Promise<void>;
  /** New items per source over the 7 UTC days ending with the day of `nowMs` (sources with none: absent). */
  itemsPerWeek(nowMs: number): Promise<Record<string, number>>;
}

/** One rendered digest per date. */
export interface StoredDigest {
  date: string;
  builtAt: string;
  /** Story ids in digest order. */
  storyIds: string[];
  json: unknown;
}

export interface DigestStore {
  /**
   * Stores the digest of `date` unless one exists and, in the same atomic step, appends the date to the
   * delivery outbox; returns whether this call created it (a re-run job creates nothing).
   */
  putIfAbsent(d: StoredDigest): Promise<boolean>;
  get(date: string): Promise<StoredDigest | null>;
}

/** What an editor changed when accepting a candidate (absent fields keep the record's own). */
export interface EditorEdits {
  title?: string;
  summary?: string;
  titleZh?: string;
  summaryZh?: string;
}

/** An accepted candidate, as the candidates workflow hands it to the editions. */
export interface AcceptedEntry {
  storyId: string;
  /** The story's digest day (YYYY-MM-DD, digest.timeZone/cutoffHour of its digest time). */
  date: string;
  /** The section (topic id) it goes in: the record's topic unless the editor chose another. */
  section: string;
  edits: EditorEdits;
  /** Token holder who accepted it, and when (ISO-8601). */
  by: string;
  at: string;
}

/**
 * Editions of the bulletin, one per digest date: a draft until an editor publishes it as the final edition with
 * its issue number. The candidates workflow only calls `place`; the editions module owns the rest.
 */
export interface EditionPlacer {
  /**
   * Places an accepted story in the edition of `entry.date`, or, when that edition is already published, in
   * the first unpublished edition after it; returns that edition's date. Placing a story again replaces its
   * entry (new edits or section) in the edition that holds it, unless that edition is published: then it
   * throws GeoError `EDITION_PUBLISHED` (409). Implemented by src/store/editions.ts (`ctx.editions`).
   */
  place(entry: AcceptedEntry): Promise<{ edition: string }>;
}
