/**
 * The classify decision, in one place: the lexicon's evidence and the source prior's gate in; relevance, the
 * primary and secondary sections, the runner-up and the reason out. Another scorer (a model) joins here, as
 * one more input to this function. Pure.
 *
 * 1. Each topic's raw score is its terms' contributions, plus the gate's `hintBoost` when the source hints
 *    the topic and the terms found some evidence for it; score = 1 − exp(−raw / saturation).
 * 2. A veto term in the title makes the item off-topic.
 * 3. Otherwise it is relevant when the best score reaches the gate's `minScore` and the best raw exceeds
 *    `offTopicRatio` × the off-topic raw; its section is the best topic, and other topics with
 *    `secondaryMinScore` and `secondaryRatio` × the best score are secondary sections.
 * 4. The runner-up: for a relevant item, the best other topic whose raw also exceeds `offTopicRatio` × the
 *    off-topic raw; for an off-topic item (veto excepted), its best topic with evidence.
 */
import type { RunnerUp, TopicScore } from '../types.js';
import type { LexiconEvidence, TermEvidence } from './evidence.js';
import { round } from './evidence.js';
import type { Gate } from './priors.js';
import type { Taxonomy } from './taxonomy.js';

/** A topic scored under a gate. */
export interface ScoredTopic {
  id: string;
  /** Terms' contributions + `sourceHint`. */
  raw: number;
  score: number;
  terms: TermEvidence[];
  /** The prior's topicHints boost, when applied. */
  sourceHint?: number;
}

export interface Decision {
  relevant: boolean;
  topic: string | null;
  /** The primary section and the secondary ones, best first (empty when off-topic). */
  topics: TopicScore[];
  runnerUp: RunnerUp | null;
  /** Every topic under this gate, best first. */
  scored: ScoredTopic[];
  decidedBy: 'lexicon' | 'veto';
  reason: string;
}

/** Every topic's raw and score under the gate, best first (ties: taxonomy order). */
export function scoreTopics(
  evidence: LexiconEvidence,
  gate: Gate,
  hints: ReadonlySet<string>,
  taxonomy: Taxonomy,
): ScoredTopic[] {
  const s = taxonomy.settings;
  const scored = evidence.topics.map((t, order) => {
    const boost = t.termsRaw > 0 && hints.has(t.id) ? gate.hintBoost : 0;
    const raw = round(t.termsRaw + boost);
    const score = raw > 0 ? round(1 - Math.exp(-raw / s.saturation)) : 0;
    return { id: t.id, raw, score, terms: t.terms, order, ...(boost ? { sourceHint: boost } : {}) };
  });
  scored.sort((a, b) => b.score - a.score || a.order - b.order);
  return scored.map(({ order: _order, ...t }) => t);
}

/**
 * Relevance, sections and runner-up of an item from its lexicon evidence under a gate.
 * @example decide(lexiconEvidence(prepared, taxonomy, 'en'), gateFor({ publishes: 'relay' }, taxonomy), new Set(), taxonomy)
 */
export function decide(
  evidence: LexiconEvidence,
  gate: Gate,
  hints: ReadonlySet<string>,
  taxonomy: Taxonomy,
): Decision {
  const s = taxonomy.settings;
  const scored = scoreTopics(evidence, gate, hints, taxonomy);
  const offRaw = evidence.offTopic.raw;
  const best = scored[0];
  const withEvidence = scored.filter((t) => t.raw > 0);
  const outweighsOff = (t: ScoredTopic) => t.raw > gate.offTopicRatio * offRaw;
  const runnerUpOf = (t: ScoredTopic | undefined): RunnerUp | null =>
    t ? { id: t.id, score: t.score } : null;
  const off = (decidedBy: Decision['decidedBy'], reason: string, runnerUp: RunnerUp | null): Decision => ({
    relevant: false,
    topic: null,
    topics: [],
    runnerUp,
    scored,
    decidedBy,
    reason,
  });
  if (evidence.veto.length > 0) return off('veto', `title veto: ${evidence.veto.join(', ')}`, null);
  const prior = gate.prior === 'none' ? '' : ` (${gate.prior} prior)`;
  if (!best || best.score < gate.minScore)
    return off(
      'lexicon',
      `best score ${best?.score ?? 0} < minScore ${gate.minScore}${prior}`,
      runnerUpOf(withEvidence[0]),
    );
  if (!outweighsOff(best))
    return off(
      'lexicon',
      `off-topic evidence ${offRaw} outweighs ${best.id} ${best.raw} (ratio ${gate.offTopicRatio}${prior})`,
      runnerUpOf(withEvidence[0]),
    );
  const chosen = scored.filter(
    (t) => t === best || (t.score >= s.secondaryMinScore && t.score >= s.secondaryRatio * best.score),
  );
  return {
    relevant: true,
    topic: best.id,
    topics: chosen.map((t) => ({
      id: t.id,
      score: t.score,
      evidence: [
        ...t.terms.filter((e) => e.contribution > 0).map((e) => e.term),
        ...(t.sourceHint ? [`prior:${gate.prior}`] : []),
      ],
    })),
    runnerUp: runnerUpOf(withEvidence.find((t) => t !== best && outweighsOff(t))),
    scored,
    decidedBy: 'lexicon',
    reason: `${best.id} ${best.score} ≥ ${gate.minScore}; off-topic raw ${offRaw}${prior}`,
  };
}
