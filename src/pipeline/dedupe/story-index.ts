/**
 * The in-memory story index: incremental, first-seen story assignment over exact identity keys, MinHash/LSH
 * title candidates and geo + time proximity of event reports. State per story is small (first id, canonical,
 * event ids, a feature-set slice) and kept in typed columns, so that the cost per item stays flat at millions of
 * stories. A store that keeps the state elsewhere (Redis) runs the same `assign` over an index seeded with the
 * part of the state a batch reads ({@link createStoryIndexWithState}) and writes back what changed.
 */
import type { Item, StoryAssignment } from '../types.js';
import { BandTable, sketch } from './band-table.js';
import { eventIds, eventsConflict, identityKeys } from './identity.js';
import { bandKeys, DEFAULT_LSH, fmix32, type LshParams } from './minhash.js';
import { isRelay } from './relay.js';
import {
  combineSimilarity,
  DEFAULT_GEO_LIMITS,
  DEFAULT_THRESHOLD,
  DEFAULT_THRESHOLD_CJK,
  type EventPoint,
  eventPoint,
  type GeoLimits,
  geoCell,
  geoSimilarity,
  MAX_STORY_SPAN_MS,
  MIN_FEATURES,
  modelSimilarity,
  RARE_WEIGHT,
} from './similarity.js';
import { Column, FeaturePool, IdTable, keyHashes } from './store.js';
import { featureSet, isMostlyCjk } from './text.js';
import { featureWeights } from './weights.js';

/** Options of {@link createStoryIndex}. */
export interface StoryIndexOptions {
  /** Near-duplicate threshold on title similarity. @defaultValue 0.41 */
  threshold?: number;
  /** Threshold when the item's title is mostly CJK (character bigrams). @defaultValue 0.4 */
  thresholdCjk?: number;
  /** LSH layout. @defaultValue `{ bands: 20, rows: 2 }` */
  lsh?: LshParams;
  /** Stories kept per LSH bucket (newest first). @defaultValue 4 */
  perBucket?: number;
  /** Source registry ids of relays (ScienceDaily, Phys.org, EurekAlert). */
  relaySources?: Iterable<string>;
  /** Geo + time limits for event reports. */
  geo?: GeoLimits;
  /** Longest span (ms) of a story for title-key and text matches between dated items. @defaultValue 4 days */
  maxStorySpanMs?: number;
  /** Hosts of language twins mapped to one host (see {@link hostAliasesOf}); default none. */
  hostAliases?: ReadonlyMap<string, string>;
}

/** Per-call facts from the source registry. */
export interface AssignMeta {
  relay?: boolean;
  sourceId?: string;
}

/** Incremental story assignment with first-seen semantics. */
export interface StoryIndex {
  assign(item: Item, meta?: AssignMeta): StoryAssignment;
  /** Number of stories. */
  readonly size: number;
}

/**
 * Sketch pre-filter: a candidate must share a fraction (threshold − 0.05, at most 0.5) of the smaller sketch's
 * bits. It drops chance collisions of band keys; turning it off changes no STS decision with the model
 * (docs/dedupe.md).
 */
const sketchFraction = (threshold: number) => Math.min(0.5, threshold - 0.05);

/**
 * Rare-feature candidates: besides its 20 LSH band keys, a title is filed under (and looks up) its
 * {@link RARE_KEYS} heaviest features weighing more than {@link RARE_KEY_WEIGHT} (df ≤ 31 of 4,894, or unknown:
 * names, rare words, unusual numbers), in the same capped band table. Two headlines that share a name are then
 * compared even when MinHash banding, which sees the unweighted sets, misses them ("Bahrain Grand Prix Underway
 * Amid Protests" / "Bahrain race goes ahead amid unrest"). The cap keeps the cost per item flat. Chosen on the
 * STS tuning years (docs/dedupe.md).
 */
export const RARE_KEYS = 3;

/** IDF weight above which a feature is a rare-feature candidate key (see {@link RARE_KEYS}). */
export const RARE_KEY_WEIGHT = 5;

/** Salt of rare-feature keys, so that they do not coincide with band keys of the same number. */
const RARE_SALT = 0x7f4a7c15;

/**
 * The rare-feature keys of a feature set (with `weights` aligned to it): its up to {@link RARE_KEYS} heaviest
 * features above {@link RARE_KEY_WEIGHT}, ties to the smaller feature, each hashed with a salt.
 */
export function rareKeys(features: Uint32Array, weights: Float64Array): Uint32Array {
  const pick: number[] = [];
  for (let i = 0; i < features.length; i++) {
    if (weights[i]! <= RARE_KEY_WEIGHT) continue;
    let at = pick.length;
    while (at > 0 && weights[pick[at - 1]!]! < weights[i]!) at--;
    if (at < RARE_KEYS) pick.splice(at, 0, i);
    if (pick.length > RARE_KEYS) pick.pop();
  }
  const keys = new Uint32Array(pick.length);
  for (let k = 0; k < pick.length; k++) keys[k] = fmix32(features[pick[k]!]! ^ RARE_SALT);
  return keys;
}

/**
 * Title similarity of an item and a candidate story as the index computes it: the logistic model for Latin
 * titles, the weighted mean for mostly-CJK ones, from the weighted intersection `shared`, the item's weight
 * `total`, the story's weight `wb`, the value-conflict flag, the shared and shared-rare counts and the smaller
 * set's length. Without the conflict it bounds the final similarity: a candidate under the threshold then is
 * never taken (a store need not fetch it).
 */
export function candidateSimilarity(
  cjk: boolean,
  shared: number,
  total: number,
  wb: number,
  conflict: boolean,
  nShared: number,
  nRare: number,
  minLength: number,
): number {
  return cjk
    ? combineSimilarity(shared, total, wb, conflict)
    : modelSimilarity(shared, total, wb, conflict, nShared, nRare, minLength);
}

/** Receives prefetch reads so that they are not optimised away. */
let sink = 0;

/** @internal */
export const prefetchSink = () => sink;

const round = (x: number) => Math.round(x * 1000) / 1000;

const NO_KEYS: Uint32Array = new Uint32Array(0);

/**
 * The title candidate keys of a feature set (with `weights` aligned to it): its LSH band keys, then its
 * rare-feature keys; none for a title too short to match by text ({@link MIN_FEATURES}).
 */
export function titleKeys(features: Uint32Array, weights: Float64Array, lsh: LshParams): Uint32Array {
  if (features.length < MIN_FEATURES) return NO_KEYS;
  const bands = bandKeys(features, lsh);
  const rare = rareKeys(features, weights);
  const out = new Uint32Array(bands.length + rare.length);
  out.set(bands);
  out.set(rare, bands.length);
  return out;
}

/** The 27 geo + time cells probed around a point, in probing order (the point's own cell is the 14th). */
export function neighbourCells(p: EventPoint, limits: GeoLimits): string[] {
  const out: string[] = [];
  for (let dt = -1; dt <= 1; dt++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) out.push(geoCell(p, dt, dy, dx, limits));
  return out;
}

/**
 * What the index derives from one item alone: identity keys, title features, event point, and on first use the
 * title candidate keys, sketch and geo cells. A store builds it once per item and fetches exactly what it names
 * before it seeds an index for a batch ({@link StoryIndexState.assignWith}).
 */
export class StoryLookups {
  readonly ev: string[];
  readonly ids: string[];
  /** Fingerprints of the identity keys. */
  readonly hashes: Array<[number, number]>;
  /** Publication time (epoch ms), NaN when undated. */
  readonly t: number;
  readonly features: Uint32Array;
  readonly weights: Float64Array;
  readonly total: number;
  readonly point: EventPoint | null;
  private keys: Uint32Array | null = null;

  constructor(
    readonly item: Item,
    private readonly opts: StoryIndexOptions = {},
  ) {
    this.ev = eventIds(item);
    this.ids = identityKeys(item, this.ev, opts.hostAliases);
    this.hashes = this.ids.map(keyHashes);
    this.t = item.publishedAt ? Date.parse(item.publishedAt) : Number.NaN;
    this.features = featureSet(item.title);
    this.point = eventPoint(item.geo, item.publishedAt);
    const { weights, total } = featureWeights(this.features);
    this.weights = weights;
    this.total = total;
  }

  /** Title candidate keys ({@link titleKeys}). */
  get titleKeys(): Uint32Array {
    if (!this.keys) this.keys = titleKeys(this.features, this.weights, this.opts.lsh ?? DEFAULT_LSH);
    return this.keys;
  }

  get cjk(): boolean {
    return isMostlyCjk(this.item.title);
  }

  /** The band-entry pre-filter: a candidate's sketch must share this fraction of the smaller sketch's bits. */
  get sketch(): number {
    return sketch(this.features);
  }

  /** The near-duplicate threshold for this title. */
  get threshold(): number {
    const o = this.opts;
    return this.cjk ? (o.thresholdCjk ?? DEFAULT_THRESHOLD_CJK) : (o.threshold ?? DEFAULT_THRESHOLD);
  }

  get sketchFraction(): number {
    return sketchFraction(this.threshold);
  }

  /** Geo + time cells ({@link neighbourCells}); none without an event point. */
  get cells(): string[] {
    return this.point ? neighbourCells(this.point, this.opts.geo ?? DEFAULT_GEO_LIMITS) : [];
  }
}

/** The lookups of one item. */
export const storyLookups = (item: Item, opts: StoryIndexOptions = {}) => new StoryLookups(item, opts);

/** One story as a store keeps it: what {@link StoryIndexState} seeds and reads back. */
export interface StoryRecord {
  /** Id of the story's first item (= storyId). */
  firstId: string;
  /** The canonical item is a relay's: the first non-relay item will take over. */
  relayCanonical: boolean;
  /** Canonical item id when it is not the first item. */
  canonical?: string;
  /** Publication time (epoch ms) of the story's first dated item; NaN when none is dated. */
  time: number;
  events?: readonly string[];
  point?: EventPoint;
  /** The feature set as indexed (sorted, at most 255 features) and its weight (a float32). */
  features: ArrayLike<number>;
  weight: number;
}

/**
 * The state of an index, story by story and key by key, for a store that keeps it elsewhere: seed it with
 * what a batch reads, run `assign`, read back what changed. Story numbers are the index's own (in seeding
 * order, then creation order); band entries keep their order per key.
 */
export interface StoryIndexState {
  /** Number of stories (seeded and created). */
  readonly size: number;
  addStory(rec: StoryRecord): number;
  story(s: number): StoryRecord;
  key(hash: [number, number]): number | undefined;
  setKey(hash: [number, number], s: number): void;
  /** Entries under a title candidate key, oldest slot first: `[story, sketch]`. */
  bandEntries(key: number): Array<[story: number, sketch: number]>;
  /** Appends an entry (seeding: at most `perBucket` per key, in the stored order). */
  addBandEntry(key: number, s: number, sketch: number): void;
  cell(cell: string): readonly number[] | undefined;
  setCell(cell: string, stories: readonly number[]): void;
  /** Every identity key and its story. */
  forEachKey(fn: (hash: [number, number], s: number) => void): void;
  /** Every title candidate key that has entries. */
  forEachBand(fn: (key: number) => void): void;
  /** Every geo cell and its stories. */
  forEachCell(fn: (cell: string, stories: readonly number[]) => void): void;
  /** `assign` of an item whose lookups are made ({@link storyLookups}, with this index's options). */
  assignWith(lookups: StoryLookups, meta?: AssignMeta): StoryAssignment;
  /** What the last `assign` read besides its identity keys. */
  lastReads(): AssignReads;
}

/**
 * What one `assign` read besides its identity keys: the band lists of its title keys (`text`), the geo cells
 * around its point (`geo`), and the stories whose changing facts (time, events, canonical) it used. A store
 * that checks these at commit knows the decision still holds; candidates whose features were only compared need
 * no check, since features never change.
 */
export interface AssignReads {
  text: boolean;
  geo: boolean;
  stories: number[];
}

/** Creates an empty in-memory story index. */
export function createStoryIndex(opts: StoryIndexOptions = {}): StoryIndex {
  return buildStoryIndex(opts, null, { stories: 0, entries: 0 }).index;
}

/**
 * An empty index and its {@link StoryIndexState} (for stores; the CLI and tests use {@link createStoryIndex}),
 * its tables sized for about `room.stories` stories and `room.entries` band entries (seeding need not regrow).
 */
export function createStoryIndexWithState(
  opts: StoryIndexOptions = {},
  room: { stories: number; entries: number } = { stories: 0, entries: 0 },
): {
  index: StoryIndex;
  state: StoryIndexState;
} {
  const { index, state } = buildStoryIndex(opts, [], room);
  return { index, state: state! };
}

const pow2AtLeast = (n: number, min: number) => Math.max(min, 2 ** Math.ceil(Math.log2(Math.max(1, n))));

/** `handles` (story → feature-pool handle) is kept only when the state is read: it costs memory per story. */
function buildStoryIndex(
  opts: StoryIndexOptions,
  handles: number[] | null,
  room: { stories: number; entries: number },
): { index: StoryIndex; state: StoryIndexState | null } {
  const thresholdLatin = opts.threshold ?? DEFAULT_THRESHOLD;
  const thresholdCjk = opts.thresholdCjk ?? DEFAULT_THRESHOLD_CJK;
  const lsh = opts.lsh ?? DEFAULT_LSH;
  const perBucket = opts.perBucket ?? 4;
  const limits = opts.geo ?? DEFAULT_GEO_LIMITS;
  const relaySources = new Set(opts.relaySources ?? []);
  const maxSpan = opts.maxStorySpanMs ?? MAX_STORY_SPAN_MS;
  // Story columns: story number → first item id (= storyId), canonical-is-relay flag; features in the pool.
  const firstIds: string[] = [];
  const stories = pow2AtLeast(2 * room.stories, 1 << 12);
  const relayCanonical = new Column(new Uint8Array(stories));
  // Publication time (epoch ms) of the story's first dated item; NaN when none is dated yet.
  const storyTime = new Column(new Float64Array(stories));
  /** Whether an item published at `t` may join story `s` by title (both dated: within the span). */
  const inSpan = (t: number, s: number) => {
    const st = storyTime.get(s);
    return Number.isNaN(t) || Number.isNaN(st) || Math.abs(t - st) <= maxSpan;
  };
  const canonical = new Map<number, string>();
  const events = new Map<number, string[]>();
  const points = new Map<number, EventPoint>();
  const cells = new Map<string, number[]>();
  const keys = new IdTable();
  const bands = new BandTable(perBucket, pow2AtLeast(2 * room.entries, 1 << 12));
  const pool = new FeaturePool(pow2AtLeast(16 * room.stories, 1 << 14));
  const candidates = new Uint32Array((lsh.bands + RARE_KEYS) * perBucket);
  const trace: AssignReads | null = handles ? { text: false, geo: false, stories: [] } : null;

  function byText(
    features: Uint32Array,
    weights: Float64Array,
    total: number,
    keyList: Uint32Array,
    ev: string[],
    point: EventPoint | null,
    cjk: boolean,
    t: number,
  ): [number, number] {
    const threshold = cjk ? thresholdCjk : thresholdLatin;
    const frac = sketchFraction(threshold);
    let best = -1;
    let bestSim = 0;
    if (keyList.length === 0) return [best, bestSim];
    if (trace) trace.text = true;
    let n = 0;
    const sk = sketch(features);
    sink ^= bands.touch(keyList);
    for (const key of keyList) n = bands.collect(key, candidates, n, sk, frac);
    sink ^= pool.touch(candidates, n);
    for (let c = 0; c < n; c++) {
      const handle = candidates[c]!;
      const shared = pool.intersectWeighted(features, weights, handle, RARE_WEIGHT);
      if (shared === 0) continue;
      const s = pool.story(handle);
      const nShared = pool.shared;
      const nRare = pool.sharedRare;
      const wb = pool.weight(handle);
      const minLength = Math.min(features.length, pool.length(handle));
      // Without the conflict term first: the conflict test reads the value tails only for pairs that may pass.
      let sim = candidateSimilarity(cjk, shared, total, wb, false, nShared, nRare, minLength);
      if (sim < threshold || sim <= bestSim) continue;
      if (pool.conflicts(features, handle))
        sim = candidateSimilarity(cjk, shared, total, wb, true, nShared, nRare, minLength);
      if (sim < threshold || sim <= bestSim) continue;
      trace?.stories.push(s);
      if (!inSpan(t, s)) continue;
      const se = events.get(s);
      if (se && eventsConflict(ev, se)) continue;
      // Two located reports far apart in space or time are different events, however alike their titles.
      const sp = point && points.get(s);
      if (sp && geoSimilarity(point, sp, limits) === 0) continue;
      [best, bestSim] = [s, sim];
    }
    return [best, bestSim];
  }

  function byGeo(p: EventPoint, ev: string[]): [number, number] {
    let best = -1;
    let bestSim = 0;
    if (trace) trace.geo = true;
    for (const cell of neighbourCells(p, limits))
      for (const s of cells.get(cell) ?? []) {
        trace?.stories.push(s);
        const se = events.get(s);
        if (se && eventsConflict(ev, se)) continue;
        const sim = geoSimilarity(p, points.get(s)!, limits);
        if (sim > bestSim) [best, bestSim] = [s, sim];
      }
    return [best, bestSim];
  }

  function assign(item: Item, meta: AssignMeta = {}): StoryAssignment {
    return assignWith(new StoryLookups(item, opts), meta);
  }

  function assignWith(l: StoryLookups, meta: AssignMeta = {}): StoryAssignment {
    const item = l.item;
    const relay = meta.relay ?? isRelay(item, meta.sourceId, relaySources);
    const { ev, ids, hashes, t } = l;
    sink ^= keys.touch(hashes);
    if (trace) [trace.text, trace.geo, trace.stories] = [false, false, []];
    let match = -1;
    let similarity = 1;
    for (let i = 0; i < ids.length && match < 0; i++) {
      const s = keys.get(hashes[i]!);
      if (s === undefined) continue;
      trace?.stories.push(s);
      if (ids[i]!.startsWith('t:') && !inSpan(t, s)) continue;
      const se = events.get(s);
      if (!ids[i]!.startsWith('e:') && se && eventsConflict(ev, se)) continue;
      match = s;
    }
    const { features, point, weights, total } = l;
    let keyList: Uint32Array = NO_KEYS;
    if (match < 0) {
      keyList = l.titleKeys;
      [match, similarity] = byText(features, weights, total, keyList, ev, point, l.cjk, t);
    }
    if (match < 0 && point) [match, similarity] = byGeo(point, ev);

    if (match >= 0) {
      if (relayCanonical.get(match) === 1 && !relay) {
        canonical.set(match, item.id);
        relayCanonical.set(match, 0);
      }
      if (ev.length) events.set(match, [...new Set([...(events.get(match) ?? []), ...ev])].slice(0, 32));
      if (!Number.isNaN(t) && Number.isNaN(storyTime.get(match))) storyTime.set(match, t);
      for (const h of hashes) keys.setIfAbsent(h, match);
      const storyId = firstIds[match]!;
      return {
        id: item.id,
        storyId,
        duplicateOf: storyId,
        canonicalId: canonical.get(match) ?? storyId,
        similarity: round(similarity),
      };
    }

    const s = firstIds.length;
    firstIds.push(item.id);
    const handle = pool.add(s, features, total);
    handles?.push(handle);
    relayCanonical.set(s, relay ? 1 : 0);
    storyTime.set(s, t);
    if (ev.length) events.set(s, ev);
    // A title key now names the newest story with that title (the older one is out of span or kept apart).
    for (let i = 0; i < ids.length; i++)
      if (ids[i]!.startsWith('t:')) keys.set(hashes[i]!, s);
      else keys.setIfAbsent(hashes[i]!, s);
    if (keyList.length > 0) {
      const sk = sketch(features);
      for (const key of keyList) bands.add(key, handle, sk);
    }
    if (point) {
      points.set(s, point);
      const cell = geoCell(point, 0, 0, 0, limits);
      cells.set(cell, [s, ...(cells.get(cell) ?? [])].slice(0, 16));
    }
    return { id: item.id, storyId: item.id, duplicateOf: null, canonicalId: item.id, similarity: 1 };
  }

  const index: StoryIndex = {
    assign,
    get size() {
      return firstIds.length;
    },
  };
  if (!handles) return { index, state: null };
  const tracked = handles;

  const state: StoryIndexState = {
    get size() {
      return firstIds.length;
    },
    addStory(rec) {
      const s = firstIds.length;
      firstIds.push(rec.firstId);
      tracked.push(pool.add(s, rec.features, rec.weight));
      relayCanonical.set(s, rec.relayCanonical ? 1 : 0);
      storyTime.set(s, rec.time);
      if (rec.canonical !== undefined) canonical.set(s, rec.canonical);
      if (rec.events?.length) events.set(s, [...rec.events]);
      if (rec.point) points.set(s, rec.point);
      return s;
    },
    story(s) {
      const handle = tracked[s]!;
      return {
        firstId: firstIds[s]!,
        relayCanonical: relayCanonical.get(s) === 1,
        canonical: canonical.get(s),
        time: storyTime.get(s),
        events: events.get(s),
        point: points.get(s),
        features: pool.features(handle),
        weight: pool.weight(handle),
      };
    },
    key: (hash) => keys.get(hash),
    setKey: (hash, s) => keys.set(hash, s),
    bandEntries: (key) =>
      bands.entries(key).map(([handle, sk]): [number, number] => [pool.story(handle), sk]),
    addBandEntry: (key, s, sk) => bands.add(key, tracked[s]!, sk),
    cell: (cell) => cells.get(cell),
    setCell: (cell, stories) => cells.set(cell, [...stories]),
    forEachKey: (fn) => keys.forEach(fn),
    forEachBand: (fn) => bands.forEachKey(fn),
    forEachCell: (fn) => {
      for (const [cell, stories] of cells) fn(cell, stories);
    },
    assignWith,
    lastReads: () => ({ ...trace! }),
  };
  return { index, state };
}
