/** Dedupe stage: identity keys, near-duplicate features and the story index (docs/dedupe.md). */
export { type DedupeOptions, dedupeItems } from './batch.js';
export { dois, eventIds, eventsConflict, identityKeys, urlEventIds } from './identity.js';
export { bandKeys, DEFAULT_LSH, type LshParams, minhash } from './minhash.js';
export { isRelay, RELAY_HOSTS } from './relay.js';
export {
  DEFAULT_THRESHOLD,
  DEFAULT_THRESHOLD_CJK,
  geoSimilarity,
  haversineKm,
  textSimilarity,
} from './similarity.js';
export {
  type AssignMeta,
  type AssignReads,
  createStoryIndex,
  createStoryIndexWithState,
  type StoryIndex,
  type StoryIndexOptions,
  type StoryIndexState,
  type StoryLookups,
  type StoryRecord,
  storyLookups,
} from './story-index.js';
export { featureSet, isMostlyCjk, normalizeText, tokenize } from './text.js';
export { hostAliasesOf } from './twins.js';
