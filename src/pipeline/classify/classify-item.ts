/**
 * classifyItem: language, weighted-lexicon topic scores with evidence, the relevance gate, primary and
 * secondary topics, event rules and tags, for one item. Pure; the taxonomy is compiled once by
 * compileTaxonomy and passed in.
 *
 * Order of decisions:
 * 1. Language of title + summary (the item's `language` is the hint).
 * 2. Event items (geo facts, event ids, or `opts.events`) whose type is recognised are decided by the
 *    event rules alone.
 * 3. Otherwise each distinct lexicon term found counts `weight × field weight` (title above text) towards
 *    its topic, plus a small bonus for repeats; negative weights count against. Off-topic terms add up
 *    separately. score = 1 − exp(−raw / saturation).
 * 4. Relevant when no veto term is in the title, the best score reaches `minScore` and the best raw score
 *    exceeds `offTopicRatio` × the off-topic raw score. Secondary topics need `secondaryMinScore` and
 *    `secondaryRatio` × the best score.
 */
import { detectLanguageDetail } from '../language/index.js';
import type { Classification, Item, Tags, TopicScore } from '../types.js';
import { decideEvent, type EventDecision, isEventItem, readEventFacts } from './events.js';
import { type PreparedText, prepareText } from './matcher.js';
import { tagPrepared } from './tags.js';
import { OFF_TOPIC, type Taxonomy, type TermPayload, VETO } from './taxonomy.js';

export interface ClassifyOptions {
  /** Topic ids the item's source is known for (source registry `topicHints`). */
  sourceHints?: readonly string[];
  /** Judge as an event item (source registry `events`); default: when the item has geo facts or event ids. */
  events?: boolean;
}

/** One term's contribution, for explanations. */
export interface TermEvidence {
  term: string;
  weight: number;
  field: 'title' | 'text';
  count: number;
  contribution: number;
}

/** Why an item was classified as it was (`geointel classify --explain`). */
export interface Explanation {
  language: { code: string; method: string };
  decidedBy: 'lexicon' | 'event' | 'veto';
  reason: string;
  /** `raw` is the sum of the terms' contributions plus `sourceHint`, the boost of the source's topicHints. */
  topics: Array<{ id: string; raw: number; score: number; terms: TermEvidence[]; sourceHint?: number }>;
  offTopic: { raw: number; terms: TermEvidence[] };
  veto?: string[];
  event?: EventDecision;
}

export interface DetailedClassification {
  classification: Classification;
  explanation: Explanation;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function usable(matchLang: string, lang: string): boolean {
  if (matchLang === 'en' || matchLang === lang || lang === 'und') return true;
  return (matchLang === 'zh' || matchLang === 'ja') && (lang === 'zh' || lang === 'ja');
}

/** Accumulates term evidence per pseudo/real topic. */
function collect(
  fields: Array<{ text: PreparedText; field: 'title' | 'text'; weight: number }>,
  taxonomy: Taxonomy,
  lang: string,
): Map<string, Map<string, TermEvidence>> {
  const byTopic = new Map<string, Map<string, TermEvidence>>();
  for (const f of fields) {
    for (const m of taxonomy.matcher.match(f.text)) {
      // One match may carry several payloads (languages, topics); per topic the largest usable weight counts.
      const weights = new Map<string, number>();
      if (m.payloads.length === 1) {
        const p = m.payloads[0] as TermPayload;
        if (p.weight !== 0 && usable(m.lang, lang)) weights.set(p.topic, p.weight);
      } else
        for (let k = 0; k < m.payloads.length; k++) {
          const p = m.payloads[k] as TermPayload;
          if (p.weight === 0 || !usable(m.langs[k] as string, lang)) continue;
          const w = weights.get(p.topic);
          if (w === undefined || Math.abs(p.weight) > Math.abs(w)) weights.set(p.topic, p.weight);
        }
      for (const [topic, weight] of weights) {
        const terms = byTopic.get(topic) ?? new Map<string, TermEvidence>();
        byTopic.set(topic, terms);
        const known = terms.get(m.term);
        if (!known) {
          terms.set(m.term, { term: m.term, weight, field: f.field, count: 1, contribution: 0 });
        } else {
          known.count++;
          if (
            f.weight >
            (known.field === 'title' ? taxonomy.settings.titleWeight : taxonomy.settings.textWeight)
          ) {
            known.field = f.field;
          }
        }
      }
    }
  }
  const s = taxonomy.settings;
  for (const terms of byTopic.values()) {
    for (const t of terms.values()) {
      const fw = t.field === 'title' ? s.titleWeight : s.textWeight;
      t.contribution = round(t.weight * fw * (1 + s.repeatBonus * Math.min(2, t.count - 1)));
    }
  }
  return byTopic;
}

const sum = (terms: Map<string, TermEvidence> | undefined) =>
  terms ? [...terms.values()].reduce((a, t) => a + t.contribution, 0) : 0;

function itemText(item: Item, max: number): string {
  const parts = [item.summary, item.content].filter((x): x is string => Boolean(x));
  const joined = parts.join('\n');
  return joined.length > max ? joined.slice(0, max) : joined;
}

/**
 * Classifies one item, with the explanation of the decision.
 */
export function classifyItemDetailed(
  item: Item,
  taxonomy: Taxonomy,
  opts: ClassifyOptions = {},
): DetailedClassification {
  const s = taxonomy.settings;
  // Item text is plain (the normalise stage, or the CLI for stdin items, made it so): never decoded again.
  const title = item.title ?? '';
  const text = itemText(item, s.maxTextChars);
  const lang = detectLanguageDetail(`${title}\n${text.slice(0, 400)}`, item.language);
  const prepared = { title: prepareText(title), text: prepareText(text) };
  let tags: Tags = { commodities: [], countries: [] };
  if (taxonomy.tagger) {
    const { commodities, countries } = tagPrepared([prepared.title, prepared.text], taxonomy.tagger);
    tags = { commodities, countries };
  }
  const result = (relevant: boolean, topic: string | null, topics: TopicScore[]): Classification => ({
    id: item.id,
    language: lang.language,
    relevant,
    topic,
    topics,
    tags,
  });
  const explanation: Explanation = {
    language: { code: lang.language, method: lang.method },
    decidedBy: 'lexicon',
    reason: '',
    topics: [],
    offTopic: { raw: 0, terms: [] },
  };

  if (isEventItem(item, opts.events)) {
    const facts = readEventFacts({ ...item, title }, text, taxonomy);
    if (facts) {
      const decision = decideEvent(facts, taxonomy);
      explanation.decidedBy = 'event';
      explanation.event = decision;
      explanation.reason = decision.reason;
      const topics: TopicScore[] =
        decision.topic === null
          ? []
          : [{ id: decision.topic, score: taxonomy.events.score, evidence: decision.evidence }];
      return { classification: result(decision.topic !== null, decision.topic, topics), explanation };
    }
  }

  const byTopic = collect(
    [
      { text: prepared.title, field: 'title', weight: s.titleWeight },
      { text: prepared.text, field: 'text', weight: s.textWeight },
    ],
    taxonomy,
    lang.language,
  );
  const hints = new Set(opts.sourceHints ?? []);
  const scored = taxonomy.topicIds.map((id) => {
    const terms = byTopic.get(id);
    let raw = sum(terms);
    const boost = raw > 0 && hints.has(id) ? s.sourceHintBoost : 0;
    raw += boost;
    const score = raw > 0 ? 1 - Math.exp(-raw / s.saturation) : 0;
    const list = terms ? [...terms.values()].sort((a, b) => b.contribution - a.contribution) : [];
    return { id, raw: round(raw), score: round(score), terms: list, ...(boost ? { sourceHint: boost } : {}) };
  });
  scored.sort(
    (a, b) => b.score - a.score || taxonomy.topicIds.indexOf(a.id) - taxonomy.topicIds.indexOf(b.id),
  );
  const off = byTopic.get(OFF_TOPIC);
  const offRaw = round(sum(off));
  explanation.topics = scored.filter((t) => t.raw !== 0);
  explanation.offTopic = { raw: offRaw, terms: off ? [...off.values()] : [] };

  const veto = [...(byTopic.get(VETO)?.values() ?? [])].filter((t) => t.field === 'title').map((t) => t.term);
  const best = scored[0];
  let relevant = false;
  if (veto.length > 0) {
    explanation.decidedBy = 'veto';
    explanation.veto = veto;
    explanation.reason = `title veto: ${veto.join(', ')}`;
  } else if (!best || best.score < s.minScore) {
    explanation.reason = `best score ${best?.score ?? 0} < minScore ${s.minScore}`;
  } else if (best.raw <= s.offTopicRatio * offRaw) {
    explanation.reason = `off-topic evidence ${offRaw} outweighs ${best.id} ${best.raw} (ratio ${s.offTopicRatio})`;
  } else {
    relevant = true;
    explanation.reason = `${best.id} ${best.score} ≥ ${s.minScore}; off-topic raw ${offRaw}`;
  }
  const chosen =
    relevant && best
      ? scored.filter(
          (t) => t === best || (t.score >= s.secondaryMinScore && t.score >= s.secondaryRatio * best.score),
        )
      : [];
  const topics: TopicScore[] = chosen.map((t) => ({
    id: t.id,
    score: t.score,
    evidence: t.terms.filter((e) => e.contribution > 0).map((e) => e.term),
  }));
  return { classification: result(relevant, relevant && best ? best.id : null, topics), explanation };
}

/**
 * Classifies one item: language, relevance, primary topic and scored topics (best first), tags.
 * @example classifyItem({ id: '1', title: 'Groundwater depletion in the North China Plain' }, taxonomy)
 */
export function classifyItem(item: Item, taxonomy: Taxonomy, opts?: ClassifyOptions): Classification {
  return classifyItemDetailed(item, taxonomy, opts).classification;
}
