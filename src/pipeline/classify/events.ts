/**
 * Event items (USGS, GDACS, NRCan…): relevance comes from the event type, magnitude and alert level
 * under the rules of config/topics.yaml `events`, not from the lexicons.
 */
import type { Item } from '../types.js';
import type { Taxonomy } from './taxonomy.js';

export interface EventFacts {
  type: string;
  magnitude?: number;
  alertLevel?: string;
}

export interface EventDecision {
  facts: EventFacts;
  /** Topic id, or null when the rule (or the lack of one) makes the item off-topic. */
  topic: string | null;
  evidence: string[];
  /** Why, for --explain. */
  reason: string;
}

/** GDACS and other short codes → the type names used in the rules. */
const TYPE_ALIASES: Record<string, string> = {
  eq: 'earthquake',
  tc: 'cyclone',
  fl: 'flood',
  dr: 'drought',
  vo: 'volcano',
  wf: 'wildfire',
  ts: 'tsunami',
  ls: 'landslide',
  'tropical cyclone': 'cyclone',
  hurricane: 'cyclone',
  typhoon: 'cyclone',
  volcanic: 'volcano',
  eruption: 'volcano',
};

const MAGNITUDE_PATTERNS = [
  /\bM(?:w|wp|ww|b|l|L|s|d)?\s*(?:[=:]\s*)?(\d(?:\.\d+)?)\b/,
  /\bmagnitude\s*(?:of\s*)?(?:[=:]\s*)?(\d(?:\.\d+)?)/i,
  /\b(\d\.\d)[\s-]*magnitude\b/i,
  /(\d(?:\.\d+)?)\s*级/,
];
const ALERT_PATTERN =
  /\b(green|yellow|orange|red)\b[^.]{0,30}\balert\b|\balert level is (green|yellow|orange|red)\b/i;

/** True when the item is to be judged as an event: told so, or it carries geo facts or event ids. */
export function isEventItem(item: Item, events?: boolean): boolean {
  if (events !== undefined) return events;
  return item.geo !== undefined || (item.eventIds?.length ?? 0) > 0;
}

function normalizeType(t: string): string {
  const k = t.trim().toLowerCase();
  return Object.hasOwn(TYPE_ALIASES, k) ? TYPE_ALIASES[k]! : k;
}

/** Reads type, magnitude and alert level from the item's geo facts, else from its title and summary. */
export function readEventFacts(item: Item, text: string, taxonomy: Taxonomy): EventFacts | undefined {
  let type = item.geo?.eventType ? normalizeType(item.geo.eventType) : undefined;
  if (!type) {
    // Prefer a type that has a topic ("floods and landslides" is a landslide item), title before text.
    for (const source of [item.title, text]) {
      const types = taxonomy.events.matcher.match(source).flatMap((m) => m.payloads.map((p) => p.topic));
      type = types.find((t) => Boolean(taxonomy.events.rules.get(t)?.topic)) ?? types[0];
      if (type) break;
    }
  }
  const mag = item.geo?.magnitude ?? parseMagnitude(`${item.title}\n${text}`);
  // A bare "M=6.1 - 32 km NNW of …" title in an event feed is an earthquake.
  if (!type && mag !== undefined && parseMagnitude(item.title) !== undefined) type = 'earthquake';
  if (!type) return undefined;
  const facts: EventFacts = { type };
  if (mag !== undefined) facts.magnitude = mag;
  const alert = item.geo?.alertLevel ?? ALERT_PATTERN.exec(`${item.title}\n${text}`)?.slice(1).find(Boolean);
  if (alert) facts.alertLevel = alert.toLowerCase();
  return facts;
}

function parseMagnitude(s: string): number | undefined {
  for (const re of MAGNITUDE_PATTERNS) {
    const m = re.exec(s);
    if (m?.[1]) {
      const v = Number(m[1]);
      if (v > 0 && v < 10) return v;
    }
  }
  return undefined;
}

/** Applies the configured rule for the event type. Unknown types are off-topic. */
export function decideEvent(facts: EventFacts, taxonomy: Taxonomy): EventDecision {
  const rule = taxonomy.events.rules.get(facts.type);
  const evidence = [`event:${facts.type}`];
  if (facts.magnitude !== undefined) evidence.push(`magnitude:${facts.magnitude}`);
  if (facts.alertLevel) evidence.push(`alert:${facts.alertLevel}`);
  if (!rule) return { facts, topic: null, evidence, reason: `no rule for event type "${facts.type}"` };
  if (rule.topic === null)
    return { facts, topic: null, evidence, reason: `${facts.type} events are off-topic` };
  const gated = rule.minMagnitude !== undefined || rule.alertLevels !== undefined;
  if (!gated) return { facts, topic: rule.topic, evidence, reason: `${facts.type} events → ${rule.topic}` };
  const byMag = rule.minMagnitude !== undefined && (facts.magnitude ?? -1) >= rule.minMagnitude;
  const byAlert = rule.alertLevels?.includes(facts.alertLevel as never) ?? false;
  if (byMag || byAlert) {
    const why = byMag ? `magnitude ${facts.magnitude} ≥ ${rule.minMagnitude}` : `alert ${facts.alertLevel}`;
    return { facts, topic: rule.topic, evidence, reason: `${why} → ${rule.topic}` };
  }
  return {
    facts,
    topic: null,
    evidence,
    reason: `below thresholds (magnitude ≥ ${rule.minMagnitude ?? '–'} or alert ${rule.alertLevels?.join('/') ?? '–'})`,
  };
}
