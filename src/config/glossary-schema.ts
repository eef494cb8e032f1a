import { z } from 'zod';

/**
 * config/glossary.yaml: aligned geoscience terms, one entry per concept, the Chinese as the bulletin writes it
 * and the terms that say the same in the feeds' languages. Two readers: the translation backends
 * (src/translate/) receive the pairs found in a text so that a machine draft keeps the bulletin's terms, and the
 * zh digest's 关键词 line (src/pipeline/digest/keywords.ts) shows the Chinese of the entries an item names.
 *
 * Terms are literal (no `word*` prefixes: they are handed to a translator as written): Latin scripts match whole
 * words, case- and accent-insensitively, hyphens and spaces alike; `=Term` matches case-sensitively (acronyms);
 * Chinese and Japanese match as substrings. Every term must translate to the entry's `zh` exactly, because a
 * backend may substitute one for the other.
 */

const Term = z
  .string()
  .min(1)
  .refine(
    (s) => !s.includes('*'),
    'glossary terms are literal: no `*` prefixes (they go to the translator as written)',
  );
const Terms = z.array(Term).min(1);

export const GlossaryEntrySchema = z
  .object({
    en: Terms.describe('English terms (singular and plural forms written out)'),
    zh: z.string().min(1).describe('the Chinese term as the bulletin writes it'),
    da: Terms.optional(),
    de: Terms.optional(),
    es: Terms.optional(),
    fr: Terms.optional(),
    it: Terms.optional(),
    ja: Terms.optional(),
    pt: Terms.optional(),
    tag: z
      .string()
      .regex(/^[a-z][a-z-]*$/)
      .optional()
      .describe('the commodity id of config/tags.yaml this entry names (its 关键词 label)'),
    keyword: z
      .boolean()
      .default(true)
      .describe('false: a translation aid only (e.g. "Iron Age" → 铁器时代), never shown on the 关键词 line'),
  })
  .strict();

/** The languages an entry may carry terms in, besides the Chinese. */
export const GLOSSARY_LANGS = ['en', 'da', 'de', 'es', 'fr', 'it', 'ja', 'pt'] as const;

export const GlossaryFileSchema = z
  .object({ entries: z.array(GlossaryEntrySchema).default([]) })
  .strict()
  .superRefine((file, ctx) => {
    // One meaning per term: the same term in two entries would make the translation depend on file order.
    const seen = new Map<string, number>();
    file.entries.forEach((e, i) => {
      for (const lang of GLOSSARY_LANGS) {
        (e[lang] ?? []).forEach((term, j) => {
          const key = term.startsWith('=') ? term.slice(1) : term.toLowerCase();
          const first = seen.get(key);
          if (first !== undefined && first !== i)
            ctx.addIssue({
              code: 'custom',
              path: ['entries', i, lang, j],
              message: `"${term}" is already a term of entries[${first}]`,
            });
          else seen.set(key, i);
        });
      }
    });
  });

export type GlossaryFile = z.infer<typeof GlossaryFileSchema>;
export type GlossaryEntry = z.infer<typeof GlossaryEntrySchema>;
