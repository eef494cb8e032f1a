import { relaySourceIds, type SourceEntry } from '../config/sources-schema.js';
import { hostAliasesOf, type StoryIndexOptions } from '../pipeline/dedupe/index.js';

/** Story index options from the source registry: relay sources (`publishes: relay`) and language-twin host aliases. */
export function storyOptionsOf(sources: readonly SourceEntry[]): StoryIndexOptions {
  return {
    relaySources: relaySourceIds(sources),
    hostAliases: hostAliasesOf(sources),
  };
}
