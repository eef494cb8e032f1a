/**
 * The three queues, their job options and the one retry policy. Retry decisions come from `GeoError.retry`
 * (src/errors.ts), never from messages: permanent → `UnrecoverableError` (no retry), `after` → the delay the
 * error names (HOST_BUSY, Retry-After), backoff → exponential with jitter.
 */
import { createHash } from 'node:crypto';
import { type JobsOptions, UnrecoverableError } from 'bullmq';
import { isGeoError } from '../errors.js';

export const QUEUES = {
  fetch: 'fetch',
  process: 'process',
  deliver: 'deliver',
  article: 'article',
  /** Machine drafts of stories' Chinese; a worker only where a translation backend is configured. */
  translate: 'translate',
} as const;
export type QueueName = keyof typeof QUEUES;
/** Worker roles; the fetch role also reads article pages and drafts translations (all network-bound). */
export type Role = 'fetch' | 'process' | 'deliver';
export const ROLES: readonly Role[] = ['fetch', 'process', 'deliver'];
export const QUEUES_OF_ROLE: Record<Role, readonly QueueName[]> = {
  fetch: ['fetch', 'article', 'translate'],
  process: ['process'],
  deliver: ['deliver'],
};

/** The custom backoff type every job uses; the workers' `backoffStrategy` implements it. */
export const BACKOFF_TYPE = 'geointel';

export const JOB_OPTIONS: Record<QueueName, JobsOptions> = {
  // One try, never failing (the worker answers null instead), so its parent process job always runs.
  article: {
    attempts: 1,
    removeOnComplete: { age: 86_400, count: 5_000 },
    removeOnFail: { age: 7 * 86_400, count: 5_000 },
    ignoreDependencyOnFailure: true,
  },
  fetch: {
    attempts: 4,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: { age: 86_400, count: 5_000 },
    removeOnFail: { age: 7 * 86_400, count: 5_000 },
  },
  process: {
    attempts: 5,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: { age: 86_400, count: 5_000 },
    removeOnFail: { age: 7 * 86_400, count: 5_000 },
  },
  deliver: {
    attempts: 8,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: { age: 30 * 86_400, count: 1_000 },
    removeOnFail: { age: 30 * 86_400, count: 1_000 },
  },
  // Three tries 5 s and 10 s apart; the last failure leaves its note on the draft and ends the job.
  translate: {
    attempts: 3,
    backoff: { type: BACKOFF_TYPE, delay: 5_000 },
    removeOnComplete: { age: 86_400, count: 5_000 },
    removeOnFail: { age: 7 * 86_400, count: 5_000 },
  },
};

/**
 * Stalls (a job whose worker died or lost its lock) a job survives before BullMQ fails it "job stalled more than
 * allowable limit" (worker option `maxStalledCount`). A fetch, article or delivery job so failed costs little:
 * the next scheduled fetch asks the feed again, a page is optional, a webhook is redelivered. A process job holds
 * items already fetched and acknowledged, which the feed may never serve again, and its stage is idempotent (seen
 * and emit are one script): it survives as many stalls as it has attempts, so a worker killed again and again
 * (or killed, then caught by a Redis outage longer than its lock) does not lose them. A process job that
 * crashes its worker every time ends failed after 5 starts.
 */
export const MAX_STALLED: Record<QueueName, number> = {
  fetch: 1,
  process: 4,
  deliver: 1,
  article: 1,
  translate: 1,
};

/** Longest wait before a retry. */
export const MAX_RETRY_DELAY_MS = 15 * 60_000;

/**
 * Delay before retry number `attemptsMade` of a job that failed with `err` (BullMQ `backoffStrategy`), from
 * `baseMs` (2 s, or the job's own `backoff.delay`: webhooks) doubling per retry.
 */
export function retryDelay(attemptsMade: number, err: unknown, random = Math.random, baseMs = 2_000): number {
  if (isGeoError(err) && err.retry === 'after' && err.retryAfterMs !== undefined)
    return Math.min(MAX_RETRY_DELAY_MS, Math.max(0, err.retryAfterMs));
  const base = baseMs * 2 ** Math.max(0, attemptsMade - 1);
  return Math.min(MAX_RETRY_DELAY_MS, Math.round(base * (0.75 + random() * 0.5)));
}

/** The base delay a job's options name (`backoff: { type, delay }`), else 2 s. */
export function backoffBaseOf(job?: { opts?: JobsOptions }): number {
  const b = job?.opts?.backoff;
  const delay = typeof b === 'number' ? b : b?.delay;
  return typeof delay === 'number' && delay > 0 ? delay : 2_000;
}

/** What a worker rethrows: permanent errors end the job at once, the others are retried by BullMQ. */
export function forQueue(err: unknown): Error {
  if (isGeoError(err) && err.retry === 'permanent') {
    const e = new UnrecoverableError(`${err.code}: ${err.message}`);
    (e as Error & { code?: string }).code = err.code;
    return e;
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** A job id part from arbitrary text: BullMQ ids must not contain `:` nor be all digits. */
export function idPart(...parts: Array<string | Uint8Array>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\n');
  return h.digest('base64url').replace(/[-_]/g, 'x').slice(0, 16);
}

/** Deterministic start offset of a source within its poll interval (spreads sources; same in every process). */
export function jitterOffset(sourceId: string, everyMs: number): number {
  const h = createHash('sha256').update(sourceId).digest().readUInt32BE(0);
  return h % Math.max(1, Math.min(everyMs, 10 * 60_000));
}
