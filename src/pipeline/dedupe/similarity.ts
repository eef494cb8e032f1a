/**
 * Near-duplicate similarity of two items and the geo/time test for event reports. The threshold and the
 * formula were chosen from measurements (docs/dedupe.md).
 */
import type { GeoInfo } from '../types.js';
import { intersectionSize } from './text.js';

/**
 * Title similarity: mean of Jaccard and overlap coefficient (containment) of the hashed feature sets.
 * Containment rewards a short headline fully contained in a longer one; Jaccard keeps long lists honest.
 */
export function textSimilarity(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 || b.length === 0) return 0;
  const i = intersectionSize(a, b);
  const jaccard = i / (a.length + b.length - i);
  const overlap = i / Math.min(a.length, b.length);
  return (jaccard + overlap) / 2;
}

/** Default near-duplicate threshold on {@link textSimilarity} (docs/dedupe.md). */
export const DEFAULT_THRESHOLD = 0.55;

/** Threshold for mostly-CJK titles, whose character bigrams overlap less for the same story (docs/dedupe.md). */
export const DEFAULT_THRESHOLD_CJK = 0.4;

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
