/**
 * How the model joins the lexicon's decision. The rule, in order:
 *
 * 1. An explicit rule wins and the model is not asked: an event rule (event feeds), a title veto term, or the
 *    source's `topicHints` naming the topic the lexicon chose (the registry says what the source is for).
 * 2. Otherwise the lexicon's answer (a topic, or off-topic) stands unless the model's most probable class
 *    differs from it, has probability ≥ `minProbability`, and is ≥ `margin` more probable than the lexicon's
 *    answer under the model; then the model's class is the decision.
 *
 * So the model overturns the lexicon only when it is confident and clearly disagrees; the lexicon keeps every
 * decision the model has no firm view on. Both numbers travel with the model (`combine` in its file), so a
 * promoted version brings the rule it was measured with. Pure.
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
  /** Why, for explanations. */
  reason: string;
  /** The model's probability of the decision's class (undefined when the model was not asked). */
  probability?: number;
  /** The model's probability of the lexicon's answer (undefined when the model was not asked). */
  lexiconProbability?: number;
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
 * The final decision from the lexicon's and the model's probabilities (in `classes` order).
 * @example combineDecision({ topic: null, decidedBy: 'lexicon' }, [0.1, 0.85, 0.05], ['off-topic', 'marine', 'x'], s)
 */
export function combineDecision(
  lex: LexiconDecision,
  probs: ArrayLike<number>,
  classes: readonly string[],
  settings: CombineSettings,
  version = 'model',
): CombinedDecision {
  const rule = ruleDecides(lex);
  if (rule) return { topic: lex.topic, by: 'rule', reason: `${rule} decides; the model is not asked` };
  const lexClass = lex.topic ?? OFF_TOPIC_CLASS;
  let best = 0;
  for (let c = 1; c < classes.length; c++) if ((probs[c] as number) > (probs[best] as number)) best = c;
  const l = classes.indexOf(lexClass);
  const pBest = probs[best] as number;
  // A topic the model does not know (added to the taxonomy after training) counts as probability 0.
  const pLex = l >= 0 ? (probs[l] as number) : 0;
  const modelClass = classes[best] as string;
  if (modelClass !== lexClass && pBest >= settings.minProbability && pBest - pLex >= settings.margin) {
    return {
      topic: modelClass === OFF_TOPIC_CLASS ? null : modelClass,
      by: 'model',
      reason: `${version}: ${modelClass} ${round(pBest)} over the lexicon's ${lexClass} ${round(pLex)} (margin ≥ ${settings.margin})`,
      probability: round(pBest),
      lexiconProbability: round(pLex),
    };
  }
  return {
    topic: lex.topic,
    by: 'lexicon',
    reason:
      modelClass === lexClass
        ? `${version} agrees: ${lexClass} ${round(pLex)}`
        : `${version} prefers ${modelClass} ${round(pBest)} to ${lexClass} ${round(pLex)}, below the margin ${settings.margin} or probability ${settings.minProbability}`,
    probability: round(pLex),
    lexiconProbability: round(pLex),
  };
}
