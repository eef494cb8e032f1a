/** The classify stage: topic classification, relevance, event rules and tags. */

export {
  type ClassifyOptions,
  classifyItem,
  classifyItemDetailed,
  type DetailedClassification,
  type Explanation,
  type PriorExplanation,
  type TermEvidence,
} from './classify-item.js';
export { type Decision, decide, type ScoredTopic, scoreTopics } from './decide.js';
export { decideEvent, type EventDecision, type EventFacts, isEventItem, readEventFacts } from './events.js';
export { type LexiconEvidence, lexiconEvidence, type TopicEvidence } from './evidence.js';
export {
  foldWord,
  LexiconMatcher,
  type Match,
  type PreparedText,
  prepareText,
  type TermSpec,
  tokenize,
} from './matcher.js';
export { describeGate, type Gate, gateFor, neutralGate, type SourcePrior, sourcePriorOf } from './priors.js';
export {
  compileTagger,
  type DetailedTags,
  type Tagger,
  tagItem,
  tagItemDetailed,
  tagPrepared,
} from './tags.js';
export { compileTaxonomy, OFF_TOPIC, type Taxonomy, type TermPayload, VETO } from './taxonomy.js';
