/**
 * The map box of `GET /v1/records?bbox=minLon,minLat,maxLon,maxLat` (the GeoJSON / OGC order, degrees WGS 84).
 * Edges are inclusive. A box with minLon > maxLon crosses the antimeridian: `170,-50,-170,-10` holds 175°E and
 * 175°W. Latitudes must be ordered (minLat ≤ maxLat); a box never wraps over a pole.
 */
import { GeoError } from '../../errors.js';

export interface BBox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

const NUMBER = /^[-+]?(?:\d{1,3}(?:\.\d{1,12})?|\.\d{1,12})$/;

/** Parses `minLon,minLat,maxLon,maxLat`; INPUT_INVALID names what is wrong. */
export function parseBbox(s: string): BBox {
  const parts = s.split(',').map((p) => p.trim());
  if (parts.length !== 4 || !parts.every((p) => NUMBER.test(p)))
    throw new GeoError('INPUT_INVALID', 'bbox must be four numbers: minLon,minLat,maxLon,maxLat');
  const [minLon, minLat, maxLon, maxLat] = parts.map(Number) as [number, number, number, number];
  if ([minLon, maxLon].some((x) => x < -180 || x > 180))
    throw new GeoError('INPUT_INVALID', 'bbox longitudes must lie in [-180, 180]');
  if ([minLat, maxLat].some((y) => y < -90 || y > 90))
    throw new GeoError('INPUT_INVALID', 'bbox latitudes must lie in [-90, 90]');
  if (minLat > maxLat) throw new GeoError('INPUT_INVALID', 'bbox minLat must not exceed maxLat');
  return { minLon, minLat, maxLon, maxLat };
}

/** Whether the box crosses the antimeridian (its west edge east of its east edge). */
export function crossesAntimeridian(b: BBox): boolean {
  return b.minLon > b.maxLon;
}

/** Whether a point lies in the box (edges included; ±180° are the same meridian). */
export function inBbox(b: BBox, lat: number, lon: number): boolean {
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return false;
  if (lat < b.minLat || lat > b.maxLat) return false;
  const inLon = (x: number) =>
    crossesAntimeridian(b) ? x >= b.minLon || x <= b.maxLon : x >= b.minLon && x <= b.maxLon;
  return inLon(lon) || (Math.abs(lon) === 180 && inLon(-lon));
}
