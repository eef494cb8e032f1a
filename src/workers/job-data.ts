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

/**
 * One webhook delivery (deliver queue, job name `webhook`, job id `webhook-<deliveryId>`): a record for a
 * subscription, queued by the fan-out (src/workers/webhook-fanout.ts). `record` is the stream entry's record
 * JSON, sent as is: every attempt posts the same bytes.
 */
export const WebhookJob = z
  .object({
    subscriptionId: z.string().regex(/^sub_[A-Za-z0-9_-]{1,64}$/),
    storyId: z.string().min(1),
    deliveryId: z.string().regex(/^[0-9a-f]{32}$/),
    /** The `stream:all` entry id the record came from. */
    entryId: z.string().regex(/^\d+-\d+$/),
    record: z.string().min(2),
  })
  .strict();

/** The e-mailed digest of a date (absent: the date whose window closed last before the job's due time). */
export const MailJob = z
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
