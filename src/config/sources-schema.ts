import { z } from 'zod';

const Duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 30m, 6h or 1d')
  .describe('poll interval');

/** How to read an HTML listing page that has no feed (cheerio; selectors are data, never built from feed text). */
export const HtmlRuleSchema = z
  .object({
    /** CSS selector of one listing entry; with `link`, `title`, `date`, `summary` relative to it. */
    item: z.string().optional(),
    link: z.string().optional(),
    title: z.string().optional(),
    date: z.string().optional(),
    summary: z.string().optional(),
    /** Regular expression an `<a href>` must match to be an item (used when `item` is absent). */
    linkPattern: z.string().optional(),
    /** Regular expression with one group `YYYYMMDD` (or `y`,`m`,`d` named groups) taking the date from the URL. */
    dateFromUrl: z.string().optional(),
  })
  .strict();

export const SourceSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    name: z.string().min(1),
    nameZh: z.string().optional(),
    shortName: z.string().optional(),
    homepage: z.string().url().optional(),
    url: z.string().url(),
    kind: z.enum(['rss', 'atom', 'rdf', 'json', 'geojson', 'html', 'auto']).default('auto'),
    language: z.string().min(2).max(3).optional(),
    /** IANA time zone of the publisher: the citation date is the publication date in this zone. Default UTC. */
    timeZone: z.string().default('UTC'),
    pollEvery: Duration.default('1h'),
    enabled: z.boolean().default(true),
    /** Relays republish other organisations' releases (ScienceDaily, Phys.org, EurekAlert). */
    relay: z.boolean().default(false),
    /** Event feeds (earthquakes, disaster alerts) are classified by the event rules of topics.yaml. */
    events: z.boolean().default(false),
    /** The source publishing the same pages in another language (bilingual sites such as NRCan's). */
    languageTwin: z.string().optional(),
    /** Extra hosts whose links identify this source (besides the url's and homepage's hosts). */
    hosts: z.array(z.string()).default([]),
    /** How sure we are of the URL (SOURCES.md legend A–D). */
    confidence: z.enum(['A', 'B', 'C', 'D']).optional(),
    topicHints: z.array(z.string()).default([]),
    html: HtmlRuleSchema.optional(),
  })
  .strict();

export const SourcesFileSchema = z
  .object({
    sources: z.array(SourceSchema).min(1),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Map<string, number>();
    file.sources.forEach((s, i) => {
      const first = seen.get(s.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', i, 'id'],
          message: `duplicate source id "${s.id}" (first at sources[${first}])`,
        });
      } else seen.set(s.id, i);
      if (s.languageTwin && !file.sources.some((t) => t.id === s.languageTwin)) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', i, 'languageTwin'],
          message: `no source "${s.languageTwin}" in this file`,
        });
      }
      if (s.kind === 'html' && !s.html) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', i, 'html'],
          message: 'kind html needs an html rule',
        });
      }
    });
  });

export type SourceEntry = z.infer<typeof SourceSchema>;
export type SourcesFile = z.infer<typeof SourcesFileSchema>;
