import { z } from 'zod';

/**
 * config/topics.yaml: the taxonomy, its lexicons and the relevance gate. Owned by the classify stage;
 * extended by the "Language, topic classification and tags" work.
 */
export const TopicSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z-]*$/),
    name: z.string(),
    nameZh: z.string(),
    order: z.number().int(),
  })
  .passthrough();

export const TopicsFileSchema = z
  .object({
    topics: z.array(TopicSchema).min(1),
  })
  .passthrough();

export type TopicsFile = z.infer<typeof TopicsFileSchema>;
