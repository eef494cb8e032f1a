import { z } from 'zod';
import { PUBLISHES } from './sources-schema.js';

/**
 * config/topics.yaml: the taxonomy, its lexicons, the relevance gate and the event rules. Owned by the
 * classify stage (src/pipeline/classify). Every knob of the classifier lives here.
 */

const LANG = /^[a-z]{2}$/;

/** `term: weight` pairs; terms follow src/pipeline/classify/matcher.ts (`word*` prefix, `=Case`). */
export const WeightedTermsSchema = z
  .record(z.string().min(1, 'a term must not be empty'), z.number().min(-50).max(50))
  .describe('term → weight (negative weights count against the topic, 0 blocks shorter terms inside it)');

/** Rejects keys that are not ISO 639-1 codes with a message naming the key. */
function languageKeys(v: Record<string, unknown>, ctx: z.RefinementCtx): void {
  for (const key of Object.keys(v)) {
    if (!LANG.test(key)) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `"${key}" is not a language key: use ISO 639-1 codes such as en, zh, de`,
      });
    }
  }
}

/** Per-language lexicons keyed by ISO 639-1 code. */
export const LexiconSchema = z
  .record(z.string(), WeightedTermsSchema.nullable())
  .superRefine(languageKeys)
  .transform((v) => Object.fromEntries(Object.entries(v).map(([k, t]) => [k, t ?? {}])))
  .describe('language → { term: weight }');

/** Per-language term lists keyed by ISO 639-1 code. */
export const TermListSchema = z
  .record(z.string(), z.array(z.string().min(1)))
  .superRefine(languageKeys)
  .describe('language → [terms]');

export const TopicSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z-]*$/, 'topic ids are lower-case words joined by hyphens'),
    name: z.string(),
    nameZh: z.string(),
    order: z.number().int(),
    terms: LexiconSchema.default({}).describe('positive and negative evidence for this topic'),
  })
  .passthrough();

export const SettingsSchema = z
  .object({
    titleWeight: z.number().min(0).default(2).describe('multiplier of a term found in the title'),
    textWeight: z.number().min(0).default(1).describe('multiplier of a term found only in summary/content'),
    maxTextChars: z.number().int().min(100).default(4000).describe('characters of summary+content read'),
    saturation: z.number().positive().default(6).describe('score = 1 - exp(-raw / saturation)'),
    minScore: z.number().min(0).max(1).default(0.45).describe('relevance gate on the best topic score'),
    secondaryMinScore: z.number().min(0).max(1).default(0.4).describe('a secondary topic needs this score'),
    secondaryRatio: z.number().min(0).max(1).default(0.5).describe('…and this fraction of the best score'),
    offTopicRatio: z
      .number()
      .min(0)
      .default(1)
      .describe('relevant only if best raw > offTopicRatio × off-topic raw'),
    sourceHintBoost: z.number().min(0).default(1).describe('raw added to a topic the source is known for'),
    repeatBonus: z.number().min(0).default(0.25).describe('extra weight per repeated occurrence (max 2)'),
  })
  .strict();

/**
 * A source prior (what the source publishes, registry `publishes`): the relevance gate and the topicHints boost
 * its items are judged with. A field left out keeps the `settings` value.
 */
export const PriorSchema = z
  .object({
    minScore: z.number().min(0).max(1).optional().describe('relevance gate on the best topic score'),
    offTopicRatio: z.number().min(0).optional().describe('relevant only if best raw > this × off-topic raw'),
    hintBoost: z.number().min(0).optional().describe("raw added to a topic of the source's topicHints"),
  })
  .strict();

/** One prior per kind of source (`journal`, `agency`, `programme`, `relay`, `events`). */
export const PriorsSchema = z
  .partialRecord(z.enum(PUBLISHES), PriorSchema)
  .describe('publishes → the gate and hint boost of its items');

const ALERT = z.enum(['green', 'yellow', 'orange', 'red']);

export const EventRuleSchema = z
  .object({
    type: z.string().min(1).describe('event type: earthquake, volcano, landslide, cyclone, flood, drought…'),
    topic: z.string().nullable().describe('topic id, or null for off-topic'),
    minMagnitude: z.number().optional().describe('relevant from this magnitude (earthquakes)'),
    alertLevels: z.array(ALERT).optional().describe('relevant at these alert levels whatever the magnitude'),
  })
  .strict();

export const EventsSchema = z
  .object({
    score: z.number().min(0).max(1).default(0.9).describe('score of a relevant event item'),
    rules: z.array(EventRuleSchema).default([]),
    typeTerms: z
      .record(z.string(), TermListSchema)
      .default({})
      .describe('event type → language → words that reveal the type in a title or summary'),
  })
  .strict();

export const TopicsFileSchema = z
  .object({
    settings: SettingsSchema.default(SettingsSchema.parse({})),
    topics: z.array(TopicSchema).min(1),
    offTopic: LexiconSchema.default({}).describe('evidence that an item is not geoscience (medicine, AI…)'),
    veto: TermListSchema.default({}).describe(
      'title terms that make an item off-topic (errata, obituaries…)',
    ),
    events: EventsSchema.default(EventsSchema.parse({})),
    priors: PriorsSchema.default({}),
  })
  .passthrough()
  .superRefine((file, ctx) => {
    const ids = new Set<string>();
    file.topics.forEach((t, i) => {
      if (ids.has(t.id))
        ctx.addIssue({ code: 'custom', path: ['topics', i, 'id'], message: `duplicate topic id "${t.id}"` });
      ids.add(t.id);
    });
    file.events.rules.forEach((r, i) => {
      if (r.topic !== null && !ids.has(r.topic)) {
        ctx.addIssue({
          code: 'custom',
          path: ['events', 'rules', i, 'topic'],
          message: `unknown topic "${r.topic}" (known: ${[...ids].join(', ')})`,
        });
      }
    });
  });

export type TopicsFile = z.infer<typeof TopicsFileSchema>;
export type TopicEntry = z.infer<typeof TopicSchema>;
export type EventRule = z.infer<typeof EventRuleSchema>;
export type Prior = z.infer<typeof PriorSchema>;
