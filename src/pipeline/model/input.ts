/**
 * From the classify stage's view of an item to the model's input: the same title and text (cut where the
 * model stops reading), and the lexicon's evidence as raw scores without the source's hint (the model judges
 * the text; the registry's say is an explicit rule, src/pipeline/model/combine.ts).
 */
import type { Explanation } from '../classify/classify-item.js';
import type { Item } from '../types.js';
import type { LexiconEvidence, ModelInput } from './features.js';

/** Raw lexicon scores per topic (source hint removed) and off-topic, from a classify explanation. */
export function lexiconEvidence(explanation: Pick<Explanation, 'topics' | 'offTopic'>): LexiconEvidence {
  const topics: Record<string, number> = {};
  for (const t of explanation.topics) topics[t.id] = t.raw - (t.sourceHint ?? 0);
  return { topics, offTopic: explanation.offTopic.raw };
}

/** The text the model reads after the title: summary, then content. */
export function itemText(item: Pick<Item, 'summary' | 'content'>, max = 4000): string {
  const parts = [item.summary, item.content].filter((x): x is string => Boolean(x));
  const joined = parts.join('\n');
  return joined.length > max ? joined.slice(0, max) : joined;
}

/** The model's input for an item the lexicon has judged. */
export function modelInputOf(
  item: Pick<Item, 'title' | 'summary' | 'content'>,
  explanation: Pick<Explanation, 'topics' | 'offTopic'>,
): ModelInput {
  return { title: item.title ?? '', text: itemText(item), lexicon: lexiconEvidence(explanation) };
}
