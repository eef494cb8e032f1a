import { z } from 'zod';
import type { DigestRecord } from './types.js';

const TopicScore = z.object({ id: z.string(), score: z.number(), evidence: z.array(z.string()) });

/**
 * The digest record `geointel.record/1` (docs/contracts.md) as a schema: what `digest --from`, the API and the
 * workers accept from files and Redis. Unknown fields pass through (later minor versions may add some).
 */
export const DigestRecordSchema = z
  .object({
    schema: z.literal('geointel.record/1'),
    id: z.string().min(1),
    storyId: z.string().min(1),
    canonicalId: z.string().min(1),
    title: z.string(),
    summary: z.string().default(''),
    url: z.string().default(''),
    source: z
      .object({
        id: z.string(),
        name: z.string(),
        nameZh: z.string().optional(),
        shortName: z.string().optional(),
      })
      .loose(),
    publishedAt: z.string().nullable(),
    fetchedAt: z.string(),
    language: z.string(),
    relevant: z.boolean(),
    topic: z.string().nullable(),
    topics: z.array(TopicScore),
    /** The second section the item would fit, with its score (records stored before #12 have none). */
    runnerUp: z.object({ id: z.string(), score: z.number() }).nullable().optional(),
    tags: z.object({ commodities: z.array(z.string()), countries: z.array(z.string()) }),
    geo: z
      .object({
        lat: z.number(),
        lon: z.number(),
        depthKm: z.number().optional(),
        magnitude: z.number().optional(),
        alertLevel: z.string().optional(),
        eventType: z.string().optional(),
      })
      .optional(),
    duplicates: z
      .array(z.object({ id: z.string(), sourceId: z.string(), url: z.string().optional() }))
      .default([]),
    citation: z.object({ zh: z.string(), en: z.string() }),
    titleZh: z.string().optional(),
    summaryZh: z.string().optional(),
  })
  .loose();

/** Validates one record; the error lists each bad field path. */
export function parseRecord(
  value: unknown,
): { ok: true; record: DigestRecord } | { ok: false; problems: string[] } {
  const r = DigestRecordSchema.safeParse(value);
  if (r.success) return { ok: true, record: r.data as DigestRecord };
  return {
    ok: false,
    problems: r.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`),
  };
}
