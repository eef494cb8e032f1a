/** Digest stage: window selection, bulletin selection, event sequences, numbering and rendering. */
export {
  buildDigest,
  type Digest,
  type DigestEntry,
  type DigestOptions,
  type DigestSection,
  type DigestTopic,
  dayOfYear,
  primaryScore,
} from './build.js';
export { createKeywords, type KeywordSources, keywordSources, recordKeywords } from './keywords.js';
export { eventLine, isChinese, keywordLine, type Lang, type RenderOptions, safeUrl } from './labels.js';
export { renderDigest, renderJson } from './render.js';
export { CSP, escapeHtml, renderHtml } from './render-html.js';
export { escapeMarkdown, renderMarkdown } from './render-md.js';
export {
  bulletinScore,
  DEFAULT_MIN_CONFIDENCE,
  isEventListing,
  originOf,
  type PublishesOf,
  passesFloor,
  publishesOf,
  relevanceConfidence,
  sectionMargin,
  selectionOptions,
} from './select.js';
export {
  DEFAULT_EVENT_RADIUS_KM,
  DEFAULT_EVENT_SPAN_DAYS,
  distanceKm,
  type EventSequence,
  eventSequences,
  magnitudeOf,
  placeOf,
} from './sequences.js';
export { zonedDate, zonedTime } from './zoned.js';
