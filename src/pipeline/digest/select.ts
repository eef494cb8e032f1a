/**
 * Bulletin selection (issue #12): which of the day's stories take a numbered slot of the automatic draft, and
 * in what order. Three rules, in this order of weight:
 * 1. Raw event listings (an event feed's entries, or records an event rule decided) never take a numbered slot:
 *    they are summarised per event sequence in the section's event box (sequences.ts). Research and policy
 *    news fill the slots.
 * 2. Relevance confidence: the primary topic's score, with its margin over the runner-up. A relay's item needs
 *    `minConfidence` to be drafted at all: relays republish every science release, and the classify gate
 *    admits one of their items on little more than one strong title term. The items of agencies, programmes
 *    and journals, and a relay's item whose story has an originator's item, need only the classify gate (those
 *    sources publish for the remit); so do the items of sources the registry does not list (nothing is known
 *    against them: they rank a little below originators, and take no floor).
 * 3. Originating agency over relay: a relay's item ranks below the same confidence from an originator, unless
 *    its story carries the originator's item (the dedupe stage makes that item canonical).
 * Editors' picks (edition.ts) are not selected: an editor's choice always stays.
 */
import type { Publishes } from '../../config/sources-schema.js';
import type { DigestRecord } from '../types.js';

/** What a source publishes (`publishes` of config/sources.yaml), or undefined for a source it does not list. */
export type PublishesOf = (sourceId: string) => Publishes | undefined;

/** @defaultValue 0.6 */
export const DEFAULT_MIN_CONFIDENCE = 0.6;

/** Rank weight of an item by who published it: originators 1, relays and unknown sources below. */
const ORIGIN_WEIGHT: Record<Publishes | 'unknown', number> = {
  agency: 1,
  programme: 1,
  journal: 1,
  events: 1,
  relay: 0.85,
  unknown: 0.9,
};

/** Weight of the margin over the runner-up in the rank (the confidence itself weighs 1). */
const MARGIN_WEIGHT = 0.25;

/** The registry as a lookup: `publishesOf(config.sources)`. */
export function publishesOf(sources: readonly { id: string; publishes: Publishes }[]): PublishesOf {
  const byId = new Map(sources.map((s) => [s.id, s.publishes]));
  return (id) => byId.get(id);
}

/** The primary topic's score (0..1): how sure the classifier is that the item is in the bulletin's remit. */
export function relevanceConfidence(r: DigestRecord): number {
  return r.topics.find((t) => t.id === r.topic)?.score ?? r.topics[0]?.score ?? 0;
}

/** The primary score less the runner-up's (0 when the runner-up scores as high; the score when there is none). */
export function sectionMargin(r: DigestRecord): number {
  const other = r.runnerUp && r.runnerUp.id !== r.topic ? r.runnerUp.score : 0;
  return Math.max(0, relevanceConfidence(r) - other);
}

/** The event type an event rule gave the record (`event:<type>` evidence), or undefined. */
export function eventTypeOf(r: DigestRecord): string | undefined {
  for (const t of r.topics) {
    for (const e of t.evidence) if (e.startsWith('event:')) return e.slice('event:'.length);
  }
  return undefined;
}

/**
 * A raw event listing: the source publishes events, an event rule decided the record, or it carries a
 * magnitude (USGS, GDACS, Earthquakes Canada entries).
 */
export function isEventListing(r: DigestRecord, publishes?: PublishesOf): boolean {
  return (
    publishes?.(r.source.id) === 'events' || eventTypeOf(r) !== undefined || r.geo?.magnitude !== undefined
  );
}

/**
 * Who originated the item as far as the record tells: its own source's kind, else an originator's among the
 * story's duplicates, else — for a relay's item whose story's canonical item is another — an originator.
 */
export function originOf(r: DigestRecord, publishes?: PublishesOf): Publishes | 'unknown' {
  const own = publishes?.(r.source.id) ?? 'unknown';
  if (own !== 'relay' && own !== 'unknown') return own;
  for (const d of r.duplicates) {
    const kind = publishes?.(d.sourceId);
    if (kind && kind !== 'relay' && kind !== 'events') return kind;
  }
  // The dedupe stage makes the first non-relay item canonical: a relay's item pointing elsewhere has one.
  if (own === 'relay' && r.canonicalId !== r.id) return 'agency';
  return own;
}

/** The bulletin score of a news item (0..1): confidence with its margin, weighted by origin. */
export function bulletinScore(r: DigestRecord, publishes?: PublishesOf): number {
  const c = relevanceConfidence(r);
  const m = sectionMargin(r);
  return (ORIGIN_WEIGHT[originOf(r, publishes)] * (c + MARGIN_WEIGHT * m)) / (1 + MARGIN_WEIGHT);
}

/** Whether a news item may take an automatic slot: a relay's item needs `minConfidence`. */
export function passesFloor(r: DigestRecord, minConfidence: number, publishes?: PublishesOf): boolean {
  return originOf(r, publishes) !== 'relay' || relevanceConfidence(r) >= minConfidence;
}

/** The selection settings of `digest:` (config/geointel.yaml) and the registry, as digest options. */
export function selectionOptions(
  digest: { minConfidence: number; eventRadiusKm: number; eventSpanDays: number },
  sources: readonly { id: string; publishes: Publishes }[],
): { publishes: PublishesOf; minConfidence: number; eventRadiusKm: number; eventSpanDays: number } {
  return {
    publishes: publishesOf(sources),
    minConfidence: digest.minConfidence,
    eventRadiusKm: digest.eventRadiusKm,
    eventSpanDays: digest.eventSpanDays,
  };
}
