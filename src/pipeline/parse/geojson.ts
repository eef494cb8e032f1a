/**
 * USGS earthquake GeoJSON reader (FeatureCollection or a single Feature): magnitude, depth, coordinates and
 * PAGER alert level into `geo`; the feature `id` plus the `ids` aliases (`,us1000envg,ci38388032,`) into
 * `eventIds`; `time`/`updated` (ms since the epoch) into published/updated.
 */
import type { FeedMeta, GeoInfo, ParsedItem } from '../types.js';
import { capEntries, type ReadContext, uniq } from './common.js';
import { parseEpochMs } from './dates.js';
import { arr, obj, str } from './json-feed.js';
import { cleanText } from './text.js';
import { safeLink } from './urls.js';

function numberOf(o: unknown, key: string): number | undefined {
  if (typeof o !== 'object' || o === null || !Object.hasOwn(o, key)) return undefined;
  const v = (o as Record<string, unknown>)[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** True when a parsed JSON value is a GeoJSON FeatureCollection or Feature. */
export function isGeoJson(doc: unknown): boolean {
  const t = str(doc, 'type');
  return t === 'FeatureCollection' || t === 'Feature';
}

function geoOf(feature: unknown, props: unknown): GeoInfo | undefined {
  const coords = arr(obj(feature, 'geometry'), 'coordinates');
  const [lon, lat, depth] = coords;
  if (typeof lon !== 'number' || typeof lat !== 'number' || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    return undefined;
  }
  const geo: GeoInfo = { lat, lon };
  if (typeof depth === 'number' && Number.isFinite(depth)) geo.depthKm = depth;
  const mag = numberOf(props, 'mag');
  if (mag !== undefined) geo.magnitude = mag;
  const alert = str(props, 'alert');
  if (alert) geo.alertLevel = alert.toLowerCase();
  const type = str(props, 'type');
  if (type) geo.eventType = type.toLowerCase();
  return geo;
}

function readFeature(f: unknown, ctx: ReadContext): ParsedItem {
  const props = obj(f, 'properties') ?? {};
  const rawId = typeof f === 'object' && f !== null ? (f as Record<string, unknown>).id : undefined;
  const id = typeof rawId === 'number' && Number.isFinite(rawId) ? String(rawId) : str(f, 'id');
  const aliases = (str(props, 'ids') ?? '').split(',').map((s) => s.trim());
  const title = str(props, 'title') ?? str(props, 'place');
  return {
    guid: id ?? null,
    title: title ? cleanText(title) || null : null,
    link: safeLink(str(props, 'url'), ctx.url),
    published: parseEpochMs(numberOf(props, 'time')),
    updated: parseEpochMs(numberOf(props, 'updated')),
    categories: uniq([str(props, 'type')]),
    geo: geoOf(f, props),
    eventIds: uniq(
      [id, ...aliases].filter((s): s is string => typeof s === 'string' && /^[\w.-]{1,64}$/.test(s)),
    ),
  };
}

/** Reads a parsed GeoJSON document. */
export function readGeoJson(doc: unknown, ctx: ReadContext): { feed: FeedMeta; items: ParsedItem[] } {
  const meta = obj(doc, 'metadata');
  const feed: FeedMeta = {
    title: str(meta, 'title') ? cleanText(str(meta, 'title')!) : null,
    link: safeLink(str(meta, 'url'), ctx.url),
    updated: parseEpochMs(numberOf(meta, 'generated')),
  };
  const features = str(doc, 'type') === 'Feature' ? [doc] : arr(doc, 'features');
  return { feed, items: capEntries(features, ctx).map((f) => readFeature(f, ctx)) };
}
