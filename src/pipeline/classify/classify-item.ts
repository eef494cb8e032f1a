/**
 * classifyItem: language, weighted-lexicon topic scores with evidence, the source prior, the relevance gate,
 * primary, secondary and runner-up topics, event rules and tags, for one item. Pure; the taxonomy is compiled
 * once by compileTaxonomy and passed in.
 *
 * Order of decisions:
 * 1. Language of title + summary: the item's `language` (its feed's) and its source's declared language are
 *    priors, strongest when the text is short (src/pipeline/language).
 * 2. Event items (the source publishes events, or the item has geo facts or event ids) whose type is
 *    recognised are decided by the event rules alone: the rule's section, no runner-up.
 * 3. Otherwise the lexicon evidence (evidence.ts) and the source prior's gate (priors.ts) go to the one
 *    decision function (decide.ts): relevance, sections, runner-up, reason.
 */
import { detectLanguageDetail, languageSample } from '../language/index.js';
import { applyModel, type ModelVerdict } from '../model/apply.js';
import type { ModelScorer } from '../model/scorer.js';
import type { Classification, Item, RunnerUp, Tags, TopicScore } from '../types.js';
import { decide } from './decide.js';
import { decideEvent, type EventDecision, isEventItem, readEventFacts } from './events.js';
import { lexiconEvidence, type TermEvidence } from './evidence.js';
import { prepareText } from './matcher.js';
import { describeGate, gateFor, neutralGate, type SourcePrior } from './priors.js';
import { tagPrepared } from './tags.js';
import type { Taxonomy } from './taxonomy.js';

export type { TermEvidence } from './evidence.js';

export interface ClassifyOptions {
  /** What the registry says of the item's source (`sourcePriorOf(entry)`): publishes, topicHints, language. */
  source?: SourcePrior;
  /**
   * Judge as an event item. Default: when the source publishes events, or the item has geo facts or event ids.
   */
  events?: boolean;
  /**
   * A learned model: it joins the lexicon's decision under the rule of src/pipeline/model/combine.ts (an event
   * rule, a title veto or the source's topicHints still win). Absent: the lexicons alone.
   */
  model?: ModelScorer;
}

/** The source prior as applied to one item (`--explain`). */
export interface PriorExplanation {
  /** What the source publishes, or `none`. */
  name: string;
  minScore: number;
  offTopicRatio: number;
  hintBoost: number;
  /** The topics the source hints (`topicHints`). */
  topicHints: string[];
  /** Its differences from the default gate, and whether they changed the decision. */
  effect: string;
}

/** Why an item was classified as it was (`geointel classify --explain`). */
export interface Explanation {
  language: {
    code: string;
    method: string;
    /** The declared languages that weighed as priors, and by how much (short: the text was short). */
    prior?: { languages: string[]; weight: number; short: boolean };
  };
  decidedBy: 'lexicon' | 'event' | 'veto';
  reason: string;
  /** `raw` is the sum of the terms' contributions plus `sourceHint`, the prior's boost of a hinted topic. */
  topics: Array<{ id: string; raw: number; score: number; terms: TermEvidence[]; sourceHint?: number }>;
  offTopic: { raw: number; terms: TermEvidence[] };
  prior: PriorExplanation;
  runnerUp: RunnerUp | null;
  veto?: string[];
  event?: EventDecision;
  /** What the learned model said, when there is one (`ClassifyOptions.model`). */
  model?: ModelVerdict;
}

export interface DetailedClassification {
  classification: Classification;
  explanation: Explanation;
}

function itemText(item: Item, max: number): string {
  const parts = [item.summary, item.content].filter((x): x is string => Boolean(x));
  const joined = parts.join('\n');
  return joined.length > max ? joined.slice(0, max) : joined;
}

const answer = (relevant: boolean, topic: string | null) => (relevant && topic ? topic : 'off-topic');

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
  const source = opts.source;
  const lang = detectLanguageDetail(languageSample(title, text), {
    source: source?.language,
    feed: item.language,
  });
  const prepared = { title: prepareText(title), text: prepareText(text) };
  let tags: Tags = { commodities: [], countries: [] };
  if (taxonomy.tagger) {
    const { commodities, countries } = tagPrepared([prepared.title, prepared.text], taxonomy.tagger);
    tags = { commodities, countries };
  }
  const result = (
    relevant: boolean,
    topic: string | null,
    topics: TopicScore[],
    runnerUp: RunnerUp | null,
  ): Classification => ({ id: item.id, language: lang.language, relevant, topic, topics, runnerUp, tags });
  const gate = gateFor(source, taxonomy);
  const neutral = neutralGate(taxonomy);
  const changes = describeGate(gate, neutral);
  const prior: PriorExplanation = {
    name: gate.prior,
    minScore: gate.minScore,
    offTopicRatio: gate.offTopicRatio,
    hintBoost: gate.hintBoost,
    topicHints: [...(source?.topicHints ?? [])],
    effect: changes.length > 0 ? changes.join('; ') : 'the default gate',
  };
  const explanation: Explanation = {
    language: { code: lang.language, method: lang.method, ...(lang.prior ? { prior: lang.prior } : {}) },
    decidedBy: 'lexicon',
    reason: '',
    topics: [],
    offTopic: { raw: 0, terms: [] },
    prior,
    runnerUp: null,
  };

  const events = opts.events ?? (source?.publishes === 'events' ? true : undefined);
  if (isEventItem(item, events)) {
    const facts = readEventFacts({ ...item, title }, text, taxonomy);
    if (facts) {
      const decision = decideEvent(facts, taxonomy);
      explanation.decidedBy = 'event';
      explanation.event = decision;
      explanation.reason = decision.reason;
      prior.effect = 'an event rule decides: the rule’s section, no runner-up';
      const topics: TopicScore[] =
        decision.topic === null
          ? []
          : [{ id: decision.topic, score: taxonomy.events.score, evidence: decision.evidence }];
      return {
        classification: result(decision.topic !== null, decision.topic, topics, null),
        explanation,
      };
    }
  }

  const evidence = lexiconEvidence(prepared, taxonomy, lang.language);
  const hints = new Set(source?.topicHints ?? []);
  const d = decide(evidence, gate, hints, taxonomy);
  if (gate.prior !== 'none' && d.decidedBy === 'lexicon') {
    // What the prior did: the same evidence under the default gate (and the default hint boost).
    const without = decide(evidence, neutral, hints, taxonomy);
    const now = answer(d.relevant, d.topic);
    const before = answer(without.relevant, without.topic);
    prior.effect +=
      now === before ? '; decision unchanged' : `; decision ${now}, without the prior ${before}`;
  }
  explanation.decidedBy = d.decidedBy;
  explanation.reason = d.reason;
  explanation.topics = d.scored.filter((t) => t.raw !== 0);
  explanation.offTopic = evidence.offTopic;
  explanation.runnerUp = d.runnerUp;
  if (evidence.veto.length > 0) explanation.veto = evidence.veto;
  const detailed = { classification: result(d.relevant, d.topic, d.topics, d.runnerUp), explanation };
  if (!opts.model) return detailed;
  // The learned model joins the decision last (src/pipeline/model/apply.ts).
  return applyModel(detailed, item, opts.model, {
    ...(source?.topicHints ? { sourceHints: source.topicHints } : {}),
    prepared,
  });
}

/**
 * Classifies one item: language, relevance, primary topic and scored topics (best first), runner-up, tags.
 * @example classifyItem({ id: '1', title: 'Groundwater depletion in the North China Plain' }, taxonomy)
 */
export function classifyItem(item: Item, taxonomy: Taxonomy, opts?: ClassifyOptions): Classification {
  return classifyItemDetailed(item, taxonomy, opts).classification;
}
