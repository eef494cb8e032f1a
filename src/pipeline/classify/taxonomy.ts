/**
 * compileTaxonomy: turns the validated topics file (and optionally the tags file) into matchers, once.
 * Everything the classifier needs at run time hangs off the returned object; it is immutable and can be
 * shared across items and workers.
 */

import type { TagsFile } from '../../config/tags-schema.js';
import type { EventRule, TopicsFile } from '../../config/topics-schema.js';
import { LexiconMatcher, type TermSpec } from './matcher.js';
import { compileTagger, type Tagger } from './tags.js';

/** Pseudo-topic id of off-topic evidence in the shared matcher. */
export const OFF_TOPIC = '@off';
/** Pseudo-topic id of title veto terms. */
export const VETO = '@veto';

/** What a lexicon term contributes: `weight` to topic `topic` (or OFF_TOPIC / VETO / `@event:<type>`). */
export interface TermPayload {
  topic: string;
  weight: number;
}

export interface Taxonomy {
  /** Topic ids in configuration order. */
  topicIds: readonly string[];
  settings: TopicsFile['settings'];
  matcher: LexiconMatcher<TermPayload>;
  events: {
    score: number;
    rules: ReadonlyMap<string, EventRule>;
    matcher: LexiconMatcher<TermPayload>;
  };
  /** The gate per kind of source (config/topics.yaml `priors`; priors.ts). */
  priors: TopicsFile['priors'];
  tagger?: Tagger;
}

function lexiconSpecs(
  lexicon: Record<string, Record<string, number>>,
  topic: string,
  out: TermSpec<TermPayload>[],
): void {
  for (const [lang, terms] of Object.entries(lexicon)) {
    for (const [term, weight] of Object.entries(terms)) out.push({ term, lang, payload: { topic, weight } });
  }
}

/**
 * Compiles the taxonomy (and the tag lexicons when given) into matchers.
 * @example const taxonomy = compileTaxonomy(config.topics, config.tags)
 */
export function compileTaxonomy(topics: TopicsFile, tags?: TagsFile): Taxonomy {
  const specs: TermSpec<TermPayload>[] = [];
  for (const t of topics.topics) lexiconSpecs(t.terms, t.id, specs);
  lexiconSpecs(topics.offTopic, OFF_TOPIC, specs);
  for (const [lang, terms] of Object.entries(topics.veto)) {
    for (const term of terms) specs.push({ term, lang, payload: { topic: VETO, weight: 1 } });
  }
  const eventSpecs: TermSpec<TermPayload>[] = [];
  for (const [type, byLang] of Object.entries(topics.events.typeTerms)) {
    for (const [lang, terms] of Object.entries(byLang)) {
      for (const term of terms) eventSpecs.push({ term, lang, payload: { topic: type, weight: 1 } });
    }
  }
  return {
    topicIds: [...topics.topics].sort((a, b) => a.order - b.order).map((t) => t.id),
    settings: topics.settings,
    priors: topics.priors,
    matcher: new LexiconMatcher(specs),
    events: {
      score: topics.events.score,
      rules: new Map(topics.events.rules.map((r) => [r.type, r])),
      matcher: new LexiconMatcher(eventSpecs),
    },
    ...(tags ? { tagger: compileTagger(tags) } : {}),
  };
}
