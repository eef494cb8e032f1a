/**
 * Backoff of a BullMQ worker while Redis refuses writes (`maxmemory` reached under `noeviction`).
 *
 * BullMQ's fetch loop waits before retrying only after connection errors; a refused `moveToActive` (an OOM
 * reply is no connection error) is emitted as an `error` event and retried at once — thousands of times a
 * second per worker (T-Q7, docs/reliability.md), burning CPU on the worker and on the Redis that is already in
 * trouble. On an OOM error the worker is paused without waiting for its active jobs (they go on; their locks
 * are still renewed) and resumed after a delay that doubles on each OOM in a row (`baseMs` … `maxMs`). The
 * delay starts again from `baseMs` once a job becomes active, or when the last OOM is older than `quietMs`.
 *
 * Other errors are left alone. `stop()` (the runtime's close) cancels a pending resume and says whether the
 * worker was paused by the backoff, so close can resume it before its own graceful pause.
 */
import type { Worker } from 'bullmq';

/** An OOM reply of Redis (also inside a script error), as src/api/errors.ts maps it to REDIS_OOM. */
export function isRedisOom(err: unknown): boolean {
  return /\bOOM command not allowed/.test(String((err as Error | undefined)?.message ?? err));
}

export interface OomBackoffOptions {
  /** First pause, ms. @defaultValue 250 */
  baseMs?: number;
  /** Longest pause, ms. @defaultValue 5 000 */
  maxMs?: number;
  /** An OOM this long after the previous one starts again from `baseMs`. @defaultValue 30 000 */
  quietMs?: number;
  /** Told of each pause (the runtime logs it). */
  onPause?: (pauseMs: number, pauses: number) => void;
  now?: () => number;
}

export interface OomBackoff {
  /** Feed it every `error` event of the worker. */
  onError(err: unknown): void;
  /** Epoch ms at which the paused worker resumes; null while it is not paused by the backoff. */
  pausedUntil(): number | null;
  /** Pauses so far. */
  pauses(): number;
  /** No more pauses or resumes; true when the worker was left paused by the backoff. */
  stop(): boolean;
}

export function oomBackoff(worker: Worker, opts: OomBackoffOptions = {}): OomBackoff {
  const baseMs = opts.baseMs ?? 250;
  const maxMs = opts.maxMs ?? 5_000;
  const quietMs = opts.quietMs ?? 30_000;
  const now = opts.now ?? Date.now;
  let next = baseMs;
  let lastOomAt = Number.NEGATIVE_INFINITY;
  let until: number | null = null;
  let timer: NodeJS.Timeout | undefined;
  let count = 0;
  let stopped = false;
  // A job became active: Redis accepts writes again.
  worker.on('active', () => {
    next = baseMs;
  });
  return {
    onError(err) {
      if (stopped || until !== null || !isRedisOom(err)) return;
      const t = now();
      if (t - lastOomAt > quietMs) next = baseMs;
      lastOomAt = t;
      const pauseMs = next;
      next = Math.min(maxMs, next * 2);
      until = t + pauseMs;
      count++;
      opts.onPause?.(pauseMs, count);
      // pause(true) sets the flag at once (no more fetches) and does not wait for the active jobs.
      void worker.pause(true).catch(() => undefined);
      timer = setTimeout(() => {
        timer = undefined;
        until = null;
        if (!stopped) void worker.resume();
      }, pauseMs);
    },
    pausedUntil: () => until,
    pauses: () => count,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      const wasPaused = until !== null;
      until = null;
      return wasPaused;
    },
  };
}
