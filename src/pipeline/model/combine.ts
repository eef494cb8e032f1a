/**
 * How the model joins the lexicon's decision. The rule, in order:
 *
 * 1. An explicit rule wins and the model is not asked: an event rule (event feeds), a title veto term, or the
 *    source's `topicHints` naming the topic the lexicon chose (the registry says what the source is for).
 * 2. Otherwise the lexicon's answer (a topic, or off-topic) stands unless the model's most probable class
 *    differs from it, has probability ≥ `minProbability`, and is ≥ `margin` more probable than the lexicon's
 *    answer under the model; then the model's class is the decision.
 * 3. When the lexicon found no section (its answer is off-topic, no rule) and the model's most probable class is
 *    a section while off-topic has probability < `offTopicBelow`, that section is the decision: a lexicon that
 *    is silent has not said the item is off-topic, only that none of its words appear, and the model reading
 *    the same words thinks off-topic unlikely.
 *
 * So the model overturns the lexicon's words only when it is confident and clearly disagrees, and its silence
 * when the model doubts that the item is off-topic; the lexicon keeps every other decision. The numbers travel
 * with the model (`combine` in its file), so a promoted version brings the rule it was measured with. Pure.
 */
import type { CombineSettings } from './serialize.js';
import { OFF_TOPIC_CLASS } from './serialize.js';

/** The lexicon's decision before the model is asked. */
export interface LexiconDecision {
  /** Topic id, or null for off-topic. */
  topic: string | null;
  decidedBy: 'lexicon' | 'event' | 'veto';
  /** Topic ids the item's source is registered for (`topicHints`). */
  sourceHints?: readonly string[];
}

export interface CombinedDecision {
  /** Topic id, or null for off-topic. */
  topic: string | null;
  /** Who decided: an explicit rule, the lexicon (the model agreed or was unsure), or the model. */
  by: 'rule' | 'lexicon' | 'model';
  /** The explicit rule, when one decided. */
  rule?: string;
  /** The model's most probable class and its probability (absent when a rule decided). */
  modelClass?: string;
  probability?: number;
  /** The model's probability of the lexicon's answer (absent when a rule decided). */
  lexiconProbability?: number;
  /** The model decided by rule 3 only: the lexicon found no section and off-topic was below `offTopicBelow`. */
  silence?: true;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** True when an explicit rule decided and the model must not be asked. */
export function ruleDecides(lex: LexiconDecision): string | undefined {
  if (lex.decidedBy === 'event') return 'event rule';
  if (lex.decidedBy === 'veto') return 'title veto';
  if (lex.topic !== null && lex.sourceHints?.includes(lex.topic)) return `source topicHints (${lex.topic})`;
  return undefined;
}

/**
 * The final decision from the lexicon's and the model's probabilities (in `classes` order). No strings are
 * built here (it runs for every item): {@link describeDecision} words it for explanations.
 * @example combineDecision({ topic: null, decidedBy: 'lexicon' }, [0.1, 0.85, 0.05], ['off-topic', 'marine', 'x'], s)
 */
export function combineDecision(
  lex: LexiconDecision,
  probs: ArrayLike<number>,
  classes: readonly string[],
  settings: CombineSettings,
): CombinedDecision {
  const rule = ruleDecides(lex);
  if (rule) return { topic: lex.topic, by: 'rule', rule };
  const lexClass = lex.topic ?? OFF_TOPIC_CLASS;
  let best = 0;
  for (let c = 1; c < classes.length; c++) if ((probs[c] as number) > (probs[best] as number)) best = c;
  const l = classes.indexOf(lexClass);
  const pBest = probs[best] as number;
  // A topic the model does not know (added to the taxonomy after training) counts as probability 0.
  const pLex = l >= 0 ? (probs[l] as number) : 0;
  const modelClass = classes[best] as string;
  const differs = modelClass !== lexClass;
  const confident = differs && pBest >= settings.minProbability && pBest - pLex >= settings.margin;
  // Rule 3: the lexicon is silent (off-topic) and the model finds off-topic unlikely; pLex is P(off-topic).
  const silence = differs && !confident && lex.topic === null && pLex < (settings.offTopicBelow ?? 0);
  const overrides = confident || silence;
  return {
    topic: overrides ? (modelClass === OFF_TOPIC_CLASS ? null : modelClass) : lex.topic,
    by: overrides ? 'model' : 'lexicon',
    modelClass,
    probability: pBest,
    lexiconProbability: pLex,
    ...(silence ? { silence: true as const } : {}),
  };
}

/** The decision in words (explanations). */
export function describeDecision(
  d: CombinedDecision,
  lex: Pick<LexiconDecision, 'topic'>,
  settings: CombineSettings,
  version: string,
): string {
  if (d.by === 'rule') return `${d.rule} decides; the model is not asked`;
  const lexClass = lex.topic ?? OFF_TOPIC_CLASS;
  const p = round(d.probability ?? 0);
  const pl = round(d.lexiconProbability ?? 0);
  if (d.by === 'model' && d.silence)
    return `model ${version}: ${d.modelClass} ${p}; the lexicon found no section and off-topic is only ${pl} (< ${settings.offTopicBelow ?? 0})`;
  if (d.by === 'model')
    return `model ${version}: ${d.modelClass} ${p} over the lexicon's ${lexClass} ${pl} (margin ≥ ${settings.margin})`;
  if (d.modelClass === lexClass) return `model ${version} agrees: ${lexClass} ${pl}`;
  return `model ${version} prefers ${d.modelClass} ${p} to ${lexClass} ${pl}: below the margin ${settings.margin} or the probability ${settings.minProbability}, the lexicon stands`;
}
