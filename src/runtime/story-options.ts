import type { SourceEntry } from '../config/sources-schema.js';
import { hostAliasesOf, type StoryIndexOptions } from '../pipeline/dedupe/index.js';

/** Story index options from the source registry: relay sources and language-twin host aliases. */
export function storyOptionsOf(sources: readonly SourceEntry[]): StoryIndexOptions {
  return {
    relaySources: sources.filter((s) => s.relay).map((s) => s.id),
    hostAliases: hostAliasesOf(sources),
  };
}
