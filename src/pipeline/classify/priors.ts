/**
 * Source priors: what the classifier knows of an item before reading it — what its source publishes (registry
 * `publishes`), the sections the source is known for (`topicHints`) and its declared language — turned into the
 * gate its items are judged with. The numbers live in config/topics.yaml `priors` (one block per kind of
 * source, each field defaulting to `settings`); docs/classification.md § Source priors says how they were
 * chosen. Pure.
 */
import type { Publishes, SourceEntry } from '../../config/sources-schema.js';
import type { Taxonomy } from './taxonomy.js';

/** What the registry says of an item's source, as the classifier uses it. */
export interface SourcePrior {
  /** Registry `publishes`; absent: no prior (the `settings` gate, the `settings` hint boost). */
  publishes?: Publishes;
  /** Registry `topicHints`: topics that get the prior's hint boost when the item's own words support them. */
  topicHints?: readonly string[];
  /** Registry `language`: a prior of language detection, strongest on short titles. */
  language?: string;
}

/** The gate an item is judged with: the settings, adjusted by its source's prior. */
export interface Gate {
  /** The prior's name (`publishes`), or `none`. */
  prior: Publishes | 'none';
  minScore: number;
  offTopicRatio: number;
  /** Raw added to a hinted topic that has evidence of its own. */
  hintBoost: number;
}

/** The registry entry's prior (for the ingest path and the CLI). */
export function sourcePriorOf(
  source: Pick<SourceEntry, 'publishes' | 'topicHints'> & { language?: string | undefined },
): SourcePrior {
  return {
    publishes: source.publishes,
    ...(source.topicHints.length > 0 ? { topicHints: source.topicHints } : {}),
    ...(source.language ? { language: source.language } : {}),
  };
}

/** The gate of the settings alone: what an item without a known source is judged with. */
export function neutralGate(taxonomy: Taxonomy): Gate {
  const s = taxonomy.settings;
  return {
    prior: 'none',
    minScore: s.minScore,
    offTopicRatio: s.offTopicRatio,
    hintBoost: s.sourceHintBoost,
  };
}

/** The gate of an item from a source with this prior. */
export function gateFor(prior: SourcePrior | undefined, taxonomy: Taxonomy): Gate {
  const neutral = neutralGate(taxonomy);
  if (!prior?.publishes) return neutral;
  const p = taxonomy.priors[prior.publishes] ?? {};
  return {
    prior: prior.publishes,
    minScore: p.minScore ?? neutral.minScore,
    offTopicRatio: p.offTopicRatio ?? neutral.offTopicRatio,
    hintBoost: p.hintBoost ?? neutral.hintBoost,
  };
}

/** The gate's differences from the neutral one, in words (`--explain`); empty when there are none. */
export function describeGate(gate: Gate, neutral: Gate): string[] {
  const out: string[] = [];
  if (gate.minScore !== neutral.minScore) out.push(`minScore ${gate.minScore} (default ${neutral.minScore})`);
  if (gate.offTopicRatio !== neutral.offTopicRatio)
    out.push(`off-topic ratio ${gate.offTopicRatio} (default ${neutral.offTopicRatio})`);
  if (gate.hintBoost !== neutral.hintBoost)
    out.push(`topicHints boost ${gate.hintBoost} (default ${neutral.hintBoost})`);
  return out;
}
