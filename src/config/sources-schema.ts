import { z } from 'zod';

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const duration = (what: string) =>
  z.string().regex(DURATION, 'a duration such as 30m, 6h or 1d').describe(what);
const Duration = duration('poll interval');

/** `30m`, `6h`, `1d`, `45s`, `500ms` → milliseconds (the registry's duration format). */
export function registryDurationMs(d: string): number {
  const m = DURATION.exec(d);
  if (!m) throw new RangeError(`not a duration: ${d}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    m[2] as 'ms' | 's' | 'm' | 'h' | 'd'
  ];
  return Number(m[1]) * unit;
}

/**
 * Expected cadence: at least `atLeast` new items in every window of `per` (`{ atLeast: 1, per: 7d }` = "one
 * item a week or more"). Fewer means the source has gone silent or its rule stopped matching: the health
 * flags compare a source's newest item against it. `per` is never shorter than the entry's `pollEvery`.
 */
export const ExpectSchema = z
  .object({
    atLeast: z.number().int().min(1),
    per: duration('cadence window'),
  })
  .strict();

/** Whether the entry's test fixture (tests/fixtures/feeds) is a real capture or written by hand (`*.synthetic.*`). */
export const FixtureKind = z.enum(['real', 'synthetic']);

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

/**
 * What a source publishes, one word (issue #12; replaces the former `relay` and `events` flags):
 * - `journal`: peer-reviewed papers (tables of contents of journals, a journal aggregator);
 * - `agency`: news of a survey, ministry or agency working across the bulletin's sections (the default);
 * - `programme`: news of a programme, institute or laboratory with one remit, named by its `topicHints`;
 * - `relay`: other organisations' releases republished (ScienceDaily, Phys.org, EurekAlert): in a story
 *   they defer to the originating organisation's item;
 * - `events`: event lists (earthquakes, eruptions, disaster alerts), judged by the event rules of topics.yaml.
 * The classifier reads it as a prior (config/topics.yaml `priors`; docs/classification.md § Source priors).
 */
export const PUBLISHES = ['journal', 'agency', 'programme', 'relay', 'events'] as const;
export const Publishes = z.enum(PUBLISHES);
export type Publishes = z.infer<typeof Publishes>;

/** Keys an old registry may still use, with what replaces them (a migration error names file, line and key). */
const RETIRED_KEYS: Record<string, string> = {
  relay:
    '"relay" was replaced by "publishes" (what the source publishes): write "publishes: relay" for relay: true, and delete "relay: false"',
  events:
    '"events" was replaced by "publishes" (what the source publishes): write "publishes: events" for events: true, and delete "events: false"',
};

/** Reports every retired key of one registry entry at its own path (so at its own line of the YAML file). */
function retiredKeys(entry: unknown, ctx: z.RefinementCtx): unknown {
  if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
    for (const key of Object.keys(entry)) {
      const message = RETIRED_KEYS[key];
      if (message) ctx.addIssue({ code: 'custom', path: [key], message });
    }
  }
  return entry;
}

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
    /** What the source publishes ({@link Publishes}): the prior of the classifier, the dedupe canonical choice. */
    publishes: Publishes.default('agency'),
    /** The source publishing the same pages in another language (bilingual sites such as NRCan's). */
    languageTwin: z.string().optional(),
    /** Extra hosts whose links identify this source (besides the url's and homepage's hosts). */
    hosts: z.array(z.string()).default([]),
    /** How sure we are of the URL (SOURCES.md legend A–D). */
    confidence: z.enum(['A', 'B', 'C', 'D']).optional(),
    /** Expected cadence ({@link ExpectSchema}); without one, {@link defaultExpect} of the entry's kind. */
    expect: ExpectSchema.optional(),
    /** Kind of the entry's test fixture: `real` capture or `synthetic` page/feed in the documented markup. */
    fixture: FixtureKind.optional(),
    topicHints: z.array(z.string()).default([]),
    html: HtmlRuleSchema.optional(),
    /**
     * Article pages of this source's items (the article stage, src/pipeline/article): `enabled: false` never
     * fetches them; `selector` names the element holding the article text when the page's own markup is not
     * enough. Default: fetched when an item has no usable summary, text found by the generic extractor.
     */
    article: z
      .object({
        enabled: z.boolean().optional(),
        selector: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/**
 * The shipped registry (config/sources.yaml) is complete: every entry names its Chinese name, confidence,
 * expected cadence, fixture kind, poll interval and what it publishes explicitly (tests/unit/registry-fixtures.test.ts holds it
 * to this on the raw YAML). Registries written for tests, benches or `GEOINTEL_CONFIG_DIR` may leave them out.
 */
export const CompleteSourceSchema = SourceSchema.extend({
  nameZh: z.string().min(1),
  confidence: z.enum(['A', 'B', 'C', 'D']),
  pollEvery: Duration,
  expect: ExpectSchema,
  fixture: FixtureKind,
  publishes: Publishes,
}).strict();

export const SourcesFileSchema = z
  .object({
    sources: z.array(z.preprocess(retiredKeys, SourceSchema)).min(1),
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
      // Refinements run on entries with other problems too: compare only well-formed durations.
      const valid = (d: unknown): d is string => typeof d === 'string' && DURATION.test(d);
      if (
        s.expect &&
        valid(s.expect.per) &&
        valid(s.pollEvery) &&
        registryDurationMs(s.expect.per) < registryDurationMs(s.pollEvery)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', i, 'expect', 'per'],
          message: `window ${s.expect.per} is shorter than pollEvery ${s.pollEvery}: it must hold at least one poll`,
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
export type Expect = z.infer<typeof ExpectSchema>;

/**
 * The cadence an entry without `expect` is held to, from the kind of source: event feeds (earthquakes,
 * alerts) and relays (many items a day) a week; feeds of agencies and journals two weeks; HTML listings
 * (newsrooms that post a few items a month) thirty days.
 */
export function defaultExpect(source: Pick<SourceEntry, 'kind' | 'publishes'>): Expect {
  if (source.publishes === 'events') return { atLeast: 1, per: '7d' };
  if (source.publishes === 'relay') return { atLeast: 5, per: '7d' };
  if (source.kind === 'html') return { atLeast: 1, per: '30d' };
  return { atLeast: 1, per: '14d' };
}

/** The entry's expected cadence: its own `expect`, else {@link defaultExpect}. */
export function expectOf(source: Pick<SourceEntry, 'kind' | 'publishes' | 'expect'>): Expect {
  return source.expect ?? defaultExpect(source);
}

/** Registry ids of the relay sources (`publishes: relay`): their items defer to the originator in a story. */
export function relaySourceIds(sources: readonly Pick<SourceEntry, 'id' | 'publishes'>[]): string[] {
  return sources.filter((s) => s.publishes === 'relay').map((s) => s.id);
}
