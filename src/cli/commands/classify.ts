/** `geointel classify`: JSON Lines items on stdin → one classification per line on stdout, same order. */

import { loadConfig } from '../../config/load.js';
import type { SourceEntry } from '../../config/sources-schema.js';
import {
  type ClassifyOptions,
  classifyItemDetailed,
  compileTaxonomy,
  type Explanation,
  sourcePriorOf,
  type TermEvidence,
  tagItemDetailed,
} from '../../pipeline/classify/index.js';
import { renderVerdict } from '../../pipeline/model/apply.js';
import type { Item } from '../../pipeline/types.js';
import { cliModel } from '../../runtime/model.js';
import { type Command, parseFlags, writeJsonLine } from '../command.js';
import { readItems } from '../item-input.js';

const HELP = `Usage: geointel classify [--explain] [--model FILE|none] < items.jsonl

Reads JSON Lines items (docs/contracts.md "Item": {"id"?, "title", "summary"?, "content"?, "url"?, "language"?,
"source"?, "publishedAt"?}, plus optional "geo" {lat, lon, magnitude?, alertLevel?, eventType?} and "eventIds")
on stdin and prints one classification per item, in input order:
  {"id", "language", "relevant", "topic", "topics": [{"id", "score", "evidence"}], "runnerUp": {"id", "score"}|null,
   "tags": {"commodities", "countries"}}
"runnerUp" is the second choice: for a placed item the best other section whose evidence also outweighs the
off-topic evidence, for an off-topic item its best section with evidence; null when there is none and for items
an event rule decided.

A missing id is the 0-based line number. A line that is not JSON or has no title is reported on stderr as one
JSON line {"level":"warn","code":"INPUT_INVALID","line":<1-based line number>,"message"} and skipped; the other
lines are still classified and the exit code is 1. Blank lines are ignored.

"source" is looked up in config/sources.yaml: what it publishes (journal, agency, programme, relay, events)
selects the source prior of config/topics.yaml "priors" (the relevance gate and the boost of its topicHints),
sources that publish events are judged by the event rules of config/topics.yaml (also any item with "geo" or
"eventIds"), and its declared language is, with the item's "language", a prior of language detection —
strongest on titles under 40 letters. Lexicons, thresholds, priors and event rules: config/topics.yaml;
commodity and country lexicons: config/tags.yaml.

Options:
  --explain   add an "explain" field to each line: how the language was found, which rule decided
              (lexicon, event or veto) and why, every topic's raw score and score with its terms
              (term, weight, field title|text, count, contribution), the off-topic terms, and the terms
              behind each tag. A term's contribution is what it adds to the raw score: weight × the
              field's weight (title or text, config/topics.yaml) × (1 + repeatBonus × min(2, count − 1));
              raw = the sum of the contributions + sourceHint (the prior's boost of a topic of the source's
              topicHints that has evidence of its own); score = 1 − exp(−raw / saturation). "prior": the
              source prior's name (what the source publishes, or none), its minScore, offTopicRatio and
              hintBoost, and its effect (how it differs from the default gate, and the decision without it);
              "runnerUp"; the language's "prior" (the declared languages that weighed, and by how much);
              "model": the learned model's verdict — version, who decided (rule: an event rule, a title
              veto or the source's topicHints, the model not asked; lexicon: the model agreed or was not
              sure enough; model: it overturned the lexicon, or placed an item the lexicon found no section
              for while it gave off-topic < combine.offTopicBelow), the lexicon's answer, the probability of
              each class, and the features (words w:, title words t:, bigrams b:, character n-grams c:, Chinese
              characters z:/z1:, lexicon evidence lex:) that weighed most for the final class.
  --model     FILE: a model file (geointel.model/1, e.g. models/baseline-v1.json); none: the lexicons alone.
              Default: config model.baseline while model.enabled (this command reads no Redis, so a version
              promoted there is not used: export it with geointel model … or pass its file).
`;

function optionsFor(item: Item, sources: ReadonlyMap<string, SourceEntry>): ClassifyOptions {
  const src = item.source ? sources.get(item.source) : undefined;
  return src ? { source: sourcePriorOf(src) } : {};
}

export const command: Command = {
  name: 'classify',
  help: HELP,
  async run(args, io) {
    const { values } = parseFlags(args, { explain: { type: 'boolean' }, model: { type: 'string' } }, false);
    const config = loadConfig({ env: io.env });
    const taxonomy = compileTaxonomy(config.topics, config.tags);
    const sources = new Map(config.sources.map((s) => [s.id, s]));
    const model = cliModel(values.model, config);
    const bad = await readItems(io, (item) => {
      const { classification, explanation } = classifyItemDetailed(item, taxonomy, {
        ...optionsFor(item, sources),
        ...(model ? { model } : {}),
      });
      if (values.explain) {
        const tags = taxonomy.tagger ? tagItemDetailed(item, taxonomy.tagger).evidence : undefined;
        const explain = renderExplanation(explanation, tags);
        if (model && explanation.model) {
          const final = classification.relevant && classification.topic ? classification.topic : 'off-topic';
          explain.model = renderVerdict(explanation.model, item, explanation, model, final);
        }
        writeJsonLine(io.stdout, { ...classification, explain });
      } else writeJsonLine(io.stdout, classification);
    });
    return bad > 0 ? 1 : 0;
  },
};

/** One matched term as printed: what it adds to its topic's raw score, and why. */
function termEvidence(x: TermEvidence) {
  return { term: x.term, weight: x.weight, field: x.field, count: x.count, contribution: x.contribution };
}

/** The `explain` field: the explanation with only the topics that had evidence. */
function renderExplanation(e: Explanation, tags: unknown): Record<string, unknown> {
  return {
    decidedBy: e.decidedBy,
    reason: e.reason,
    language: e.language,
    topics: e.topics.map((t) => ({
      id: t.id,
      raw: t.raw,
      score: t.score,
      ...(t.sourceHint ? { sourceHint: t.sourceHint } : {}),
      terms: t.terms.map(termEvidence),
    })),
    offTopic: { raw: e.offTopic.raw, terms: e.offTopic.terms.map(termEvidence) },
    prior: e.prior,
    runnerUp: e.runnerUp,
    ...(e.veto ? { veto: e.veto } : {}),
    ...(e.event ? { event: { ...e.event.facts, topic: e.event.topic } } : {}),
    ...(tags ? { tags } : {}),
  };
}
