/**
 * Job schedulers built from the registry: one `fetch-<source id>` per enabled source (every `pollEvery`, with
 * a per-source offset as jitter), `digest-daily` at the digest cutoff and `digest-mail` at `digest.sendAt`. Reconciling compares what Redis holds
 * with what the registry wants and touches only the differences, so it is idempotent and cheap to repeat —
 * at start, after the registry changes, and after a Redis flush (schedulers do not come back by themselves).
 */
import type { Queue } from 'bullmq';
import type { AppConfig } from '../config/app-schema.js';
import type { SourceEntry } from '../config/sources-schema.js';
import { durationMs } from '../pipeline/health.js';
import { JOB_OPTIONS, jitterOffset } from './queues.js';

export interface ReconcileResult {
  added: string[];
  updated: string[];
  removed: string[];
  kept: number;
}

interface Wanted {
  id: string;
  repeat: { every?: number; offset?: number; pattern?: string; tz?: string };
  name: string;
  data: Record<string, unknown>;
}

export function wantedFetchSchedulers(sources: readonly SourceEntry[]): Wanted[] {
  return sources
    .filter((s) => s.enabled)
    .map((s) => {
      const every = durationMs(s.pollEvery);
      return {
        id: `fetch-${s.id}`,
        repeat: { every, offset: jitterOffset(s.id, every) },
        name: 'fetch',
        data: { sourceId: s.id },
      };
    });
}

/**
 * The daily schedulers of the deliver queue, in `digest.timeZone`: `digest-daily` builds and stores the draft
 * of the day whose window just closed (at `cutoffHour`:00), `digest-mail` mails the final edition — or the
 * draft when the editors published none — at `digest.sendAt`.
 */
export function wantedDigestSchedulers(d: AppConfig['digest']): Wanted[] {
  const [hh, mm] = d.sendAt.split(':').map(Number);
  return [
    {
      id: 'digest-daily',
      repeat: { pattern: `0 ${d.cutoffHour} * * *`, tz: d.timeZone },
      name: 'digest',
      data: {},
    },
    { id: 'digest-mail', repeat: { pattern: `${mm} ${hh} * * *`, tz: d.timeZone }, name: 'mail', data: {} },
  ];
}

const same = (a: Wanted['repeat'], b: Record<string, unknown>) =>
  (a.every ?? null) === (b.every ?? null) &&
  (a.pattern ?? null) === (b.pattern ?? null) &&
  (a.tz ?? null) === (b.tz ?? null) &&
  (a.offset ?? 0) === ((b.offset as number | undefined) ?? 0);

/** Makes the queue's schedulers equal to `wanted` (those whose id starts with `idPrefix`). */
export async function reconcileSchedulers(
  queue: Queue,
  wanted: readonly Wanted[],
  idPrefix: string,
  jobOptions = JOB_OPTIONS.fetch,
): Promise<ReconcileResult> {
  const existing = (await queue.getJobSchedulers(0, -1)).filter((s) => s.key.startsWith(idPrefix));
  const byId = new Map(existing.map((s) => [s.key, s as unknown as Record<string, unknown>]));
  const result: ReconcileResult = { added: [], updated: [], removed: [], kept: 0 };
  for (const w of wanted) {
    const have = byId.get(w.id);
    byId.delete(w.id);
    if (have && same(w.repeat, have)) {
      result.kept++;
      continue;
    }
    await queue.upsertJobScheduler(w.id, w.repeat, { name: w.name, data: w.data, opts: jobOptions });
    (have ? result.updated : result.added).push(w.id);
  }
  for (const id of byId.keys()) {
    await queue.removeJobScheduler(id);
    result.removed.push(id);
  }
  return result;
}
