/** Job data schemas: every worker validates `job.data` before it calls a stage; bad data never retries. */
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';

const Iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO-8601 time');

export const FetchJob = z.object({ sourceId: z.string().min(1) }).strict();

/** Normalised items as the normalise stage made them (never raw bodies); the classify stage reads the rest. */
const ItemData = z.looseObject({ id: z.string().min(1), title: z.string() });

export const ProcessJob = z
  .object({
    sourceId: z.string().min(1),
    fetchedAt: Iso,
    url: z.string().optional(),
    items: z.array(ItemData),
  })
  .strict();

export const ArticleJob = z
  .object({ sourceId: z.string().min(1), itemId: z.string().min(1), url: z.string().url(), deadline: Iso })
  .strict();

export const DeliverJob = z
  .object({
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
  })
  .strict();

/** Parses job data or fails the job for good, naming the fields. */
export function jobData<T extends z.ZodType>(schema: T, data: unknown, queue: string): z.infer<T> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const fields = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new UnrecoverableError(`INPUT_INVALID: ${queue} job data: ${fields}`);
}
