import { z } from 'zod';

/**
 * config/tags.yaml: commodity and country lexicons of the tag stage (src/pipeline/classify/tags.ts). Terms
 * follow the matcher syntax of src/pipeline/classify/matcher.ts: whole words for Latin scripts, `word*` for a
 * prefix, `=Term` for a case-sensitive term, substrings for Chinese; blockers are longer phrases that hide
 * a false positive ("china clay", "golden rice", "地铁").
 */
const LANG = /^[a-z]{2}$/;
const Terms = z.record(
  z.string().regex(LANG, 'language keys are ISO 639-1 codes such as en, zh'),
  z.array(z.string().min(1)),
);

export const TagsFileSchema = z
  .object({
    commodities: z
      .record(
        z.string().regex(/^[a-z][a-z-]*$/, 'commodity ids are lower-case words joined by hyphens'),
        Terms,
      )
      .describe('commodity id → language → terms'),
    countries: z
      .record(
        z.string().regex(/^[A-Z]{2}$/, 'country keys are ISO 3166-1 alpha-2 codes such as CL, CN'),
        Terms,
      )
      .describe('ISO 3166-1 alpha-2 → language → names, adjectives, demonyms'),
    blockers: Terms.default({}).describe('phrases that are neither, hiding the shorter terms inside them'),
  })
  .strict();

export type TagsFile = z.infer<typeof TagsFileSchema>;
