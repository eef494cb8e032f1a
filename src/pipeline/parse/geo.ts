/**
 * Geographic extensions of XML feeds: GeoRSS (`georss:point`, `georss:elev`), W3C geo (`geo:lat`/`geo:long`,
 * also inside `geo:Point`), GDACS (`gdacs:alertlevel`, `eventtype`, `eventid`, `severity unit="M"`) and the
 * USGS Atom conventions (magnitude in the title, network id in the `urn:earthquake-usgs-gov:` id).
 */
import type { GeoInfo } from '../types.js';
import type { XmlElement } from './xml.js';
import { attr, child, textOf } from './xml-read.js';

/** GDACS event type codes → GeoInfo.eventType. */
const GDACS_TYPES: Record<string, string> = {
  EQ: 'earthquake',
  TC: 'cyclone',
  FL: 'flood',
  VO: 'volcano',
  DR: 'drought',
  WF: 'wildfire',
  TS: 'tsunami',
  LS: 'landslide',
};

function num(s: string | undefined | null): number | undefined {
  if (s === undefined || s === null || s.trim() === '') return undefined;
  const n = Number(s.trim());
  return Number.isFinite(n) ? n : undefined;
}

function point(item: XmlElement): { lat: number; lon: number } | undefined {
  const georss = child(item, 'georss:point');
  if (georss) {
    const [lat, lon] = textOf(georss)
      .trim()
      .split(/[\s,]+/)
      .map(Number);
    if (Number.isFinite(lat) && Number.isFinite(lon)) return { lat: lat!, lon: lon! };
  }
  const holder = child(item, 'geo:point') ?? item;
  const lat = num(textOf(child(holder, 'geo:lat')));
  const lon = num(textOf(child(holder, 'geo:long', 'geo:lon')));
  if (lat !== undefined && lon !== undefined) return { lat, lon };
  return undefined;
}

/** Geo facts and event ids of one RSS item or Atom entry. */
export function readGeo(item: XmlElement): { geo?: GeoInfo; eventIds: string[] } {
  const eventIds: string[] = [];
  const p = point(item);
  if (!p || Math.abs(p.lat) > 90 || Math.abs(p.lon) > 180) return { eventIds: gdacsIds(item) };
  const geo: GeoInfo = { lat: p.lat, lon: p.lon };
  const elev = num(textOf(child(item, 'georss:elev')));
  if (elev !== undefined && elev <= 0) geo.depthKm = -elev / 1000;
  const alert = textOf(child(item, 'gdacs:alertlevel')).trim().toLowerCase();
  if (alert) geo.alertLevel = alert;
  const type = textOf(child(item, 'gdacs:eventtype')).trim().toUpperCase();
  if (type) geo.eventType = Object.hasOwn(GDACS_TYPES, type) ? GDACS_TYPES[type]! : type.toLowerCase();
  const severity = child(item, 'gdacs:severity');
  if (severity && attr(severity, 'unit') === 'M') {
    const mag = num(attr(severity, 'value'));
    if (mag !== undefined) geo.magnitude = mag;
  }
  eventIds.push(...gdacsIds(item));
  return { geo, eventIds };
}

function gdacsIds(item: XmlElement): string[] {
  const type = textOf(child(item, 'gdacs:eventtype')).trim().toUpperCase();
  const id = textOf(child(item, 'gdacs:eventid')).trim();
  return type && /^[A-Z]{2}$/.test(type) && /^\d+$/.test(id) ? [`gdacs:${type}:${id}`] : [];
}

/** USGS Atom: `urn:earthquake-usgs-gov:ci:38388032` → `ci38388032`; magnitude from `M 1.2 - …` titles. */
export function usgsAtomExtras(id: string | null, title: string | null, geo: GeoInfo | undefined): string[] {
  const m = id ? /^urn:earthquake-usgs-gov:([a-z0-9]+):([a-z0-9]+)$/i.exec(id) : null;
  if (!m) return [];
  if (geo) {
    geo.eventType ??= 'earthquake';
    const mag = title ? /^M\s*(-?\d+(?:\.\d+)?)\b/.exec(title) : null;
    if (mag) geo.magnitude = Number(mag[1]);
  }
  return [`${m[1]}${m[2]}`.toLowerCase()];
}
