/**
 * Near-duplicate similarity of two items and the geo/time test for event reports. The threshold and the
 * formula were chosen from measurements (docs/dedupe.md).
 */
import type { GeoInfo } from '../types.js';
import { VALUE_BASE, valuesConflict } from './text.js';
import { featureWeight } from './weights.js';

/**
 * Factor applied to the similarity of two titles that state different values of one class (different numbers,
 * days or months, opposite directions; `valuesConflict`): "7 killed in attacks in Iraq" / "27 killed in attacks
 * across Iraq" are different reports however many words they share.
 */
export const CONFLICT_FACTOR = 0.6;

/**
 * Title similarity from the weighted intersection `shared` and the weighted set sizes `wa`, `wb`: mean of
 * Jaccard and overlap coefficient (containment), times {@link CONFLICT_FACTOR} on a value conflict.
 * Containment rewards a short headline fully contained in a longer one; Jaccard keeps long lists honest.
 */
export function combineSimilarity(shared: number, wa: number, wb: number, conflict: boolean): number {
  if (shared <= 0 || wa <= 0 || wb <= 0) return 0;
  const s = (shared / (wa + wb - shared) + shared / Math.min(wa, wb)) / 2;
  return conflict ? s * CONFLICT_FACTOR : s;
}

/**
 * A shared feature is "rare" when its IDF weight exceeds this: df ≤ 11 of the table's 4,894 documents, or unknown
 * (names). Chosen on the tuning years among 4–7 (docs/dedupe.md).
 */
export const RARE_WEIGHT = 6;

/** Shared and shared-rare feature counts are capped here (titles; a long text must not win on length alone). */
export const SHARED_CAP = 8;

/**
 * Logistic model of "same story" for Latin-script titles, fitted by scripts/dedupe-fit.mjs on the STS headline
 * pairs of 2013 + 2014 only (docs/dedupe.md): logit = bias + jaccard·J + overlap·O + conflict·[value conflict] +
 * shared·(shared features) + rare·(shared features weighing more than {@link RARE_WEIGHT}) + unmatched·(features
 * of the smaller set that the other lacks). Counts are capped at {@link SHARED_CAP}.
 */
export const SIMILARITY_MODEL = {
  bias: -4.634,
  jaccard: 5.179,
  overlap: -0.738,
  conflict: -3.724,
  shared: 0.953,
  rare: 0.62,
  unmatched: -0.613,
} as const;

/**
 * Floor on the plain mean of weighted Jaccard and overlap under which the model's score is capped by that mean:
 * two long titles that share four frequent names but little else (J ≈ 0.2) must not join on counts alone. It
 * changes no STS decision on the tuning years (0.42 would) and keeps three quarters of the synthetic bench
 * stream's extra joins apart (docs/dedupe.md).
 */
export const MODEL_FLOOR = 0.4;

/**
 * Title similarity 0..1 of Latin-script titles: {@link SIMILARITY_MODEL} on the weighted intersection `shared`,
 * the weighted set sizes `wa`, `wb`, the value-conflict flag, the counts of shared and shared rare features and
 * the number of features of the smaller set (`minLength` features) that the other lacks; at most the mean of
 * weighted Jaccard and overlap when that is under {@link MODEL_FLOOR}.
 */
export function modelSimilarity(
  shared: number,
  wa: number,
  wb: number,
  conflict: boolean,
  nShared: number,
  nRare: number,
  minLength: number,
): number {
  if (shared <= 0 || wa <= 0 || wb <= 0) return 0;
  const m = SIMILARITY_MODEL;
  const jaccard = shared / (wa + wb - shared);
  const overlap = shared / Math.min(wa, wb);
  const z =
    m.bias +
    m.jaccard * jaccard +
    m.overlap * overlap +
    (conflict ? m.conflict : 0) +
    m.shared * Math.min(nShared, SHARED_CAP) +
    m.rare * Math.min(nRare, SHARED_CAP) +
    m.unmatched * Math.min(minLength - nShared, SHARED_CAP);
  const p = 1 / (1 + Math.exp(-z));
  const mean = (jaccard + overlap) / 2;
  return mean < MODEL_FLOOR ? Math.min(p, mean) : p;
}

/**
 * Title similarity of two feature sets (docs/dedupe.md): {@link modelSimilarity} for Latin-script titles; for
 * mostly-CJK titles (`cjk`, character bigrams, which the IDF table does not know) the IDF-weighted mean of
 * Jaccard and overlap coefficient, lowered on a value conflict ({@link combineSimilarity}).
 */
export function textSimilarity(a: Uint32Array, b: Uint32Array, cjk = false): number {
  if (a.length === 0 || b.length === 0) return 0;
  let wa = 0;
  let wb = 0;
  let shared = 0;
  let nShared = 0;
  let nRare = 0;
  for (let i = 0; i < a.length; i++) wa += featureWeight(a[i]!);
  for (let j = 0; j < b.length; j++) wb += featureWeight(b[j]!);
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      const w = featureWeight(x);
      shared += w;
      nShared++;
      if (w > RARE_WEIGHT) nRare++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  const conflict =
    a[a.length - 1]! >= VALUE_BASE &&
    b[b.length - 1]! >= VALUE_BASE &&
    valuesConflict(a, 0, a.length, b, 0, b.length);
  return cjk
    ? combineSimilarity(shared, wa, wb, conflict)
    : modelSimilarity(shared, wa, wb, conflict, nShared, nRare, Math.min(a.length, b.length));
}

/** Default near-duplicate threshold on {@link textSimilarity}: the F1-best on the tuning years (docs/dedupe.md). */
export const DEFAULT_THRESHOLD = 0.41;

/** Threshold for mostly-CJK titles, whose character bigrams overlap less for the same story (docs/dedupe.md). */
export const DEFAULT_THRESHOLD_CJK = 0.4;

/**
 * Longest time between a story's first dated item and another item joined to it by title (the within-source
 * title key or text similarity), when both are dated: 4 days. A weekly report with a recurring title ("Weekly
 * Volcanic Activity Report") is a new story each week; relays that re-post a release a few days later still
 * join. URL, GUID, DOI and event-id matches are not bounded.
 */
export const MAX_STORY_SPAN_MS = 4 * 86_400_000;

/** Minimum number of title features for a text-only match (very short titles are too ambiguous). */
export const MIN_FEATURES = 3;

/** A located, timed event report (earthquake, alert). */
export interface EventPoint {
  lat: number;
  lon: number;
  /** Epoch milliseconds. */
  t: number;
  magnitude?: number;
}

/** Limits of the geo + time proximity test. */
export interface GeoLimits {
  /** @defaultValue 120 000 (2 minutes) */
  maxMs: number;
  /** @defaultValue 50 */
  maxKm: number;
  /** @defaultValue 0.5 */
  maxMagnitude: number;
}

export const DEFAULT_GEO_LIMITS: GeoLimits = { maxMs: 120_000, maxKm: 50, maxMagnitude: 0.5 };

/** Event point of an item with geo facts and a publication time (which event feeds set to the origin time). */
export function eventPoint(
  geo: GeoInfo | undefined,
  publishedAt: string | null | undefined,
): EventPoint | null {
  if (!geo || !publishedAt || !Number.isFinite(geo.lat) || !Number.isFinite(geo.lon)) return null;
  const t = Date.parse(publishedAt);
  if (Number.isNaN(t)) return null;
  return { lat: geo.lat, lon: geo.lon, t, magnitude: geo.magnitude };
}

/** Great-circle distance in km. */
export function haversineKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const r = Math.PI / 180;
  const dLat = (b.lat - a.lat) * r;
  const dLon = (b.lon - a.lon) * r;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Similarity 0..1 of two event reports, or 0 when they are not within the limits. */
export function geoSimilarity(a: EventPoint, b: EventPoint, lim: GeoLimits = DEFAULT_GEO_LIMITS): number {
  const dt = Math.abs(a.t - b.t) / lim.maxMs;
  const dk = haversineKm(a, b) / lim.maxKm;
  const dm =
    a.magnitude !== undefined && b.magnitude !== undefined
      ? Math.abs(a.magnitude - b.magnitude) / lim.maxMagnitude
      : 0;
  const worst = Math.max(dt, dk, dm);
  return worst > 1 ? 0 : 1 - worst / 2;
}

/** Spatio-temporal cell of a point (2-minute × 0.5° cells); neighbours are probed by the index. */
export function geoCell(
  p: EventPoint,
  dt = 0,
  dLat = 0,
  dLon = 0,
  lim: GeoLimits = DEFAULT_GEO_LIMITS,
): string {
  return `${Math.floor(p.t / lim.maxMs) + dt}|${Math.floor(p.lat * 2) + dLat}|${Math.floor(p.lon * 2) + dLon}`;
}
