/** Digest stage: window selection, grouping, ranking, numbering and rendering. */
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
export { isChinese, keywordLine, type Lang, type RenderOptions, safeUrl } from './labels.js';
export { renderDigest, renderJson } from './render.js';
export { CSP, escapeHtml, renderHtml } from './render-html.js';
export { escapeMarkdown, renderMarkdown } from './render-md.js';
export { zonedDate, zonedTime } from './zoned.js';
