/**
 * The model's step in the classify decision: the lexicon's classification in, the final one out, with the
 * model's verdict in the explanation. The classify stage calls it when it is given a model
 * (`ClassifyOptions.model`); the rule is src/pipeline/model/combine.ts. Pure.
 */
import type { DetailedClassification, Explanation } from '../classify/classify-item.js';
import type { PreparedText } from '../classify/matcher.js';
import type { Item, RunnerUp, TopicScore } from '../types.js';
import {
  type CombinedDecision,
  combineDecision,
  describeDecision,
  type LexiconDecision,
  ruleDecides,
} from './combine.js';
import { modelInputOf } from './input.js';
import type { FeatureWeight, ModelScorer } from './scorer.js';

/** What the model said about an item (in `explanation.model`; `geointel classify --explain` prints it). */
export interface ModelVerdict {
  version: string;
  /** Who decided: an explicit rule (the model was not asked), the lexicon, or the model. */
  by: CombinedDecision['by'];
  /** The explicit rule, when one decided. */
  rule?: string;
  /** The model's classes and its probability of each, same order (absent when a rule decided). */
  classes?: readonly string[];
  probabilities?: Float64Array;
  /** The lexicon's answer (topic id or `off-topic`). */
  lexicon: string;
  /** When the model decided: why, and the features that weighed most for its class. */
  reason?: string;
  features?: FeatureWeight[];
}

/** The classify explanation with the model's verdict (`Explanation.model`). */
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

/** The verdict's probabilities by class, rounded (for JSON). */
export function verdictProbabilities(v: ModelVerdict): Record<string, number> | undefined {
  if (!v.classes || !v.probabilities) return undefined;
  const out: Record<string, number> = {};
  v.classes.forEach((c, i) => {
    out[c] = round(v.probabilities?.[i] as number);
  });
  return out;
}

/**
 * The classification after the model's say. An item decided by an event rule or a title veto, or placed by
 * the lexicon in a topic its source is hinted to, is returned as it was (the verdict says so). The
 * explanation passed in is completed in place (the classify stage makes a new one per call).
 */
export function applyModel(
  detailed: DetailedClassification,
  item: Item,
  model: ModelScorer,
  opts: ApplyOptions = {},
): DetailedClassification & { explanation: ExplanationWithModel } {
  const { classification } = detailed;
  // The explanation is the classify stage's own, made for this call: the verdict is added to it in place.
  const explanation = detailed.explanation as ExplanationWithModel;
  const lexicon: LexiconDecision = {
    topic: classification.relevant ? classification.topic : null,
    decidedBy: explanation.decidedBy,
  };
  if (opts.sourceHints) lexicon.sourceHints = opts.sourceHints;
  const lexClass = lexicon.topic ?? 'off-topic';
  const rule = ruleDecides(lexicon);
  if (rule) {
    explanation.model = { version: model.version, by: 'rule', rule, lexicon: lexClass };
    return { classification, explanation };
  }
  const input = modelInputOf(item, explanation);
  if (opts.prepared) input.prepared = opts.prepared;
  const probs = model.score(input);
  const decision = combineDecision(lexicon, probs, model.classes, model.combine);
  const verdict: ModelVerdict = {
    version: model.version,
    by: decision.by,
    classes: model.classes,
    probabilities: probs,
    lexicon: lexClass,
  };
  explanation.model = verdict;
  if (decision.by !== 'model') return { classification, explanation };

  const reason = describeDecision(decision, lexicon, model.combine, model.version);
  verdict.reason = reason;
  const cls = decision.modelClass as string;
  verdict.features = model.explain(input, opts.top ?? 5, [cls]).top[cls] ?? [];
  let topics: TopicScore[] = [];
  if (decision.topic !== null) {
    const own: TopicScore = {
      id: decision.topic,
      score: round(decision.probability ?? 0),
      evidence: verdict.features.map((f) => `model:${f.feature}`),
    };
    // The lexicon's other topics stay as secondary ones when they were.
    topics = [own, ...classification.topics.filter((t) => t.id !== decision.topic && t.id !== lexicon.topic)];
  }
  // The second choice: the lexicon's section when the model moved the item out of it; else the model's next
  // most probable section when the model finds it more probable than off-topic (as the lexicon's runner-up must
  // outweigh the off-topic evidence).
  let runnerUp: RunnerUp | null = null;
  if (lexicon.topic !== null && lexicon.topic !== decision.topic) {
    runnerUp = { id: lexicon.topic, score: classification.topics[0]?.score ?? 0 };
  } else {
    let next = -1;
    model.classes.forEach((c, i) => {
      if (c === 'off-topic' || c === decision.topic) return;
      if (next < 0 || (probs[i] as number) > (probs[next] as number)) next = i;
    });
    const off = model.classes.indexOf('off-topic');
    if (next >= 0 && (probs[next] as number) > (probs[off] as number))
      runnerUp = { id: model.classes[next] as string, score: round(probs[next] as number) };
  }
  explanation.reason = `${explanation.reason}; ${reason}`;
  explanation.runnerUp = runnerUp;
  return {
    classification: {
      ...classification,
      relevant: decision.topic !== null,
      topic: decision.topic,
      topics,
      runnerUp,
    },
    explanation,
  };
}

/**
 * The model's verdict as `geointel classify --explain` prints it: who decided and why, the probabilities, and
 * the features that weighed most for the final class (computed here when the model did not decide).
 */
export function renderVerdict(
  verdict: ModelVerdict,
  item: Item,
  explanation: Explanation,
  model: ModelScorer,
  finalClass: string,
): Record<string, unknown> {
  const probabilities = verdictProbabilities(verdict);
  let features = verdict.features;
  if (!features && verdict.by !== 'rule') {
    features = model.explain(modelInputOf(item, explanation), 5, [finalClass]).top[finalClass] ?? [];
  }
  let reason = verdict.reason;
  if (!reason && verdict.by === 'rule') reason = `${verdict.rule} decides; the model is not asked`;
  else if (!reason && probabilities) {
    const [top, p] = Object.entries(probabilities).sort((a, b) => b[1] - a[1])[0] as [string, number];
    const settings = model.combine;
    reason =
      top === verdict.lexicon
        ? `model ${verdict.version} agrees: ${top} ${p}`
        : `model ${verdict.version} prefers ${top} ${p} to ${verdict.lexicon} ${probabilities[verdict.lexicon] ?? 0}: below the margin ${settings.margin} or the probability ${settings.minProbability}, the lexicon stands`;
  }
  return {
    version: verdict.version,
    by: verdict.by,
    ...(reason ? { reason } : {}),
    lexicon: verdict.lexicon,
    ...(probabilities ? { probabilities } : {}),
    ...(features ? { features } : {}),
  };
}
