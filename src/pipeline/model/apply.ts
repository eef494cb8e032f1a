/**
 * The model's step in the classify decision: the lexicon's classification in, the final one out, with the
 * model's verdict in the explanation. The classify stage calls it when it is given a model
 * (`ClassifyOptions.model`); the rule is src/pipeline/model/combine.ts. Pure.
 */
import type { DetailedClassification, Explanation } from '../classify/classify-item.js';
import type { PreparedText } from '../classify/matcher.js';
import type { Item, TopicScore } from '../types.js';
import { type CombinedDecision, combineDecision } from './combine.js';
import { modelInputOf } from './input.js';
import type { FeatureWeight, ModelScorer } from './scorer.js';

/** What the model said about an item (in `explanation.model`; `geointel classify --explain` prints it). */
export interface ModelVerdict {
  version: string;
  /** Who decided: an explicit rule (the model was not asked), the lexicon, or the model. */
  by: CombinedDecision['by'];
  reason: string;
  /** The model's probability per class (absent when a rule decided). */
  probabilities?: Record<string, number>;
  /** The lexicon's answer before the model (topic id or `off-topic`), when the model changed it. */
  lexicon?: string;
  /** When the model decided: the features that weighed most for its class. */
  features?: FeatureWeight[];
}

export type ExplanationWithModel = Explanation & { model?: ModelVerdict };

export interface ApplyOptions {
  /** The source's `topicHints` (an explicit rule: the lexicon's topic stands when the source is hinted to it). */
  sourceHints?: readonly string[];
  /** The classify stage's split title and text (the model need not split them again). */
  prepared?: { title: PreparedText; text: PreparedText };
  /** Top features kept in the verdict when the model decides. @defaultValue 5 */
  top?: number;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The classification after the model's say. An item decided by an event rule or a title veto, or placed by
 * the lexicon in a topic its source is hinted to, is returned as it was (the verdict says so).
 */
export function applyModel(
  detailed: DetailedClassification,
  item: Item,
  model: ModelScorer,
  opts: ApplyOptions = {},
): DetailedClassification & { explanation: ExplanationWithModel } {
  const { classification, explanation } = detailed;
  const lexicon = {
    topic: classification.relevant ? classification.topic : null,
    decidedBy: explanation.decidedBy,
    ...(opts.sourceHints ? { sourceHints: opts.sourceHints } : {}),
  };
  if (explanation.decidedBy !== 'lexicon' || (lexicon.topic && opts.sourceHints?.includes(lexicon.topic))) {
    const decision = combineDecision(lexicon, [], model.classes, model.combine, model.version);
    return {
      classification,
      explanation: { ...explanation, model: { version: model.version, by: 'rule', reason: decision.reason } },
    };
  }
  const input = modelInputOf(item, explanation);
  if (opts.prepared) input.prepared = opts.prepared;
  const probs = model.score(input);
  const decision = combineDecision(lexicon, probs, model.classes, model.combine, model.version);
  const probabilities: Record<string, number> = {};
  model.classes.forEach((c, i) => {
    probabilities[c] = round(probs[i] as number);
  });
  const verdict: ModelVerdict = { version: model.version, by: decision.by, reason: decision.reason, probabilities };
  if (decision.by !== 'model') return { classification, explanation: { ...explanation, model: verdict } };

  verdict.lexicon = lexicon.topic ?? 'off-topic';
  const cls = decision.topic ?? 'off-topic';
  verdict.features = model.explain(input, opts.top ?? 5).top[cls] ?? [];
  let topics: TopicScore[] = [];
  if (decision.topic !== null) {
    const own: TopicScore = {
      id: decision.topic,
      score: decision.probability ?? 0,
      evidence: verdict.features.map((f) => `model:${f.feature}`),
    };
    // The lexicon's other topics stay as secondary ones when they were.
    topics = [own, ...classification.topics.filter((t) => t.id !== decision.topic && t.id !== lexicon.topic)];
  }
  return {
    classification: { ...classification, relevant: decision.topic !== null, topic: decision.topic, topics },
    explanation: { ...explanation, reason: `${explanation.reason}; ${decision.reason}`, model: verdict },
  };
}
