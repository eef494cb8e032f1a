/**
 * Event sequences (issue #12): a section's event listings grouped into one line each — the Herat earthquakes of
 * 7 and 11 October 2023 are one sequence, not four numbered items. Two events of one type join when they are
 * within `radiusKm` of each other (or, without coordinates, name the same place) and the later one follows the
 * sequence's last event within `spanDays`. Pure; the time zone gives the days.
 */
import type { DigestRecord } from '../types.js';
import { eventTypeOf } from './select.js';
import { zonedDate } from './zoned.js';

/** One line of a section's event box. */
export interface EventSequence {
  /** Event type of the rule that kept it: earthquake, volcano, landslide, subsidence, tsunami… or `event`. */
  type: string;
  /** The place of the sequence's largest event as the feed names it ("Zindah Jān, Afghanistan"). */
  region: string;
  /** First and last event, ISO instants. */
  from: string;
  to: string;
  /** Their days in the digest's time zone, `YYYY-MM-DD`. */
  days: { from: string; to: string };
  count: number;
  /** The largest magnitude, or null when no event gives one. */
  maxMagnitude: number | null;
  /** The highest alert level (green < yellow < orange < red), or null. */
  alertLevel: string | null;
  /** The largest event's page. */
  url: string;
  /** The events' story ids, oldest first. */
  storyIds: string[];
}

export interface SequenceOptions {
  timeZone: string;
  /** @defaultValue 150 */
  radiusKm?: number;
  /** @defaultValue 7 */
  spanDays?: number;
}

export const DEFAULT_EVENT_RADIUS_KM = 150;
export const DEFAULT_EVENT_SPAN_DAYS = 7;

const ALERTS = ['green', 'yellow', 'orange', 'red'];
const DAY_MS = 86_400_000;

const when = (r: DigestRecord) => {
  const t = r.publishedAt ? Date.parse(r.publishedAt) : Number.NaN;
  return Number.isNaN(t) ? Date.parse(r.fetchedAt) : t;
};

/**
 * Magnitude of an event record: its geo facts, else the event rule's `magnitude:` evidence, else a title that
 * opens with one (`M 6.3 - …`, `2018-08-21: M=4.8 - …`, `M4.8 earthquake …`).
 */
export function magnitudeOf(r: DigestRecord): number | undefined {
  if (r.geo?.magnitude !== undefined) return r.geo.magnitude;
  for (const t of r.topics) {
    for (const e of t.evidence) {
      if (e.startsWith('magnitude:')) {
        const m = Number(e.slice('magnitude:'.length));
        if (Number.isFinite(m)) return m;
      }
    }
  }
  const m = /^(?:\d{4}-\d{2}-\d{2}:\s*)?M\s*=?\s*(\d(?:[.,]\d+)?)(?![\d.,])/.exec(r.title.trim())?.[1];
  return m === undefined ? undefined : Number(m.replace(',', '.'));
}

function alertOf(r: DigestRecord): string | undefined {
  const a = r.geo?.alertLevel?.toLowerCase();
  if (a && ALERTS.includes(a)) return a;
  for (const t of r.topics) {
    for (const e of t.evidence) {
      const v = e.startsWith('alert:') ? e.slice('alert:'.length).toLowerCase() : '';
      if (ALERTS.includes(v)) return v;
    }
  }
  return undefined;
}

/**
 * The place an event entry names, from the title patterns of the event feeds: USGS `M 6.3 - 29 km NNE of
 * Zindah Jān, Afghanistan`, Earthquakes Canada `2018-08-21: M=4.8 - 209 km W of Port Hardy, BC - offshore`,
 * GDACS `Green earthquake alert (Magnitude 5.5M, Depth:10km) in South Africa 28/12/2019 15:36 UTC, …`, else
 * whatever follows `<n> km <bearing> of`. The distance and bearing are dropped; anything else: the title.
 */
export function placeOf(title: string): string {
  const t = title.replace(/\s+/g, ' ').trim();
  const gdacs = /\bin (.+?) \d{1,2}\/\d{1,2}\/\d{4}\b/.exec(t)?.[1];
  if (gdacs && !/^\[?unknown\]?$/i.test(gdacs)) return gdacs;
  const listing = /^(?:\d{4}-\d{2}-\d{2}:\s*)?M\s*=?\s*\d+(?:[.,]\d+)?[^-]*? - (.+)$/i.exec(t)?.[1];
  if (listing) {
    const place = listing
      .split(' - ')[0]!
      .replace(/^\d+(?:[.,]\d+)?\s*km\s+[A-Z]{1,3}\s+(?:of|de|d')\s*/i, '')
      .trim();
    if (place) return place;
  }
  const near = /\b\d+(?:[.,]\d+)?\s*km\s+[A-Z]{1,3}\s+(?:of|de|d')\s*(.+)$/i.exec(t)?.[1]?.trim();
  if (near) return near;
  return t.length > 80 ? `${t.slice(0, 79)}…` : t;
}

/** Great-circle distance in km (haversine). */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

const fold = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

interface Member {
  record: DigestRecord;
  at: number;
  type: string;
  place: string;
}

/**
 * The event records of one section as sequences: highest alert level first (PAGER and GDACS levels measure
 * impact), then largest magnitude, then earliest.
 */
export function eventSequences(events: readonly DigestRecord[], o: SequenceOptions): EventSequence[] {
  const radius = o.radiusKm ?? DEFAULT_EVENT_RADIUS_KM;
  const span = (o.spanDays ?? DEFAULT_EVENT_SPAN_DAYS) * DAY_MS;
  const members: Member[] = events
    .map((record) => ({
      record,
      at: when(record),
      type:
        eventTypeOf(record) ??
        record.geo?.eventType?.toLowerCase() ??
        (magnitudeOf(record) !== undefined ? 'earthquake' : 'event'),
      place: placeOf(record.title),
    }))
    .sort((a, b) => a.at - b.at || (a.record.storyId < b.record.storyId ? -1 : 1));

  const groups: Member[][] = [];
  for (const m of members) {
    const near = (x: Member) => {
      const p = m.record.geo;
      const q = x.record.geo;
      if (p && q) return distanceKm(p, q) <= radius;
      return fold(x.place) === fold(m.place);
    };
    const joins = groups.find((g) => {
      const last = g[g.length - 1]!;
      return last.type === m.type && m.at - last.at <= span && g.some(near);
    });
    if (joins) joins.push(m);
    else groups.push([m]);
  }

  const sequences = groups.map((g): EventSequence => {
    let largest = g[0]!;
    let max: number | undefined;
    let alert = -1;
    for (const m of g) {
      const mag = magnitudeOf(m.record);
      if (mag !== undefined && (max === undefined || mag > max)) {
        max = mag;
        largest = m;
      }
      alert = Math.max(alert, ALERTS.indexOf(alertOf(m.record) ?? ''));
    }
    const first = g[0]!;
    const last = g[g.length - 1]!;
    return {
      type: first.type,
      region: largest.place,
      from: new Date(first.at).toISOString(),
      to: new Date(last.at).toISOString(),
      days: { from: zonedDate(first.at, o.timeZone), to: zonedDate(last.at, o.timeZone) },
      count: g.length,
      maxMagnitude: max ?? null,
      alertLevel: alert >= 0 ? ALERTS[alert]! : null,
      url: largest.record.url,
      storyIds: g.map((m) => m.record.storyId),
    };
  });
  const alertRank = (q: EventSequence) => (q.alertLevel ? ALERTS.indexOf(q.alertLevel) : -1);
  return sequences.sort(
    (a, b) =>
      alertRank(b) - alertRank(a) ||
      (b.maxMagnitude ?? -1) - (a.maxMagnitude ?? -1) ||
      a.from.localeCompare(b.from),
  );
}
