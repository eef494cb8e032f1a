/**
 * Translate worker (queue `translate`, only with a configured backend): one job per story, job id
 * `translate-<hash of the story id>`, queued when the process worker stores the story. It reads the story's
 * record, drafts its Chinese through the backend with the glossary pairs its text names, and stores the draft
 * in the drafts store — never in the record. A failure stores a draft without text and with a visible note
 * (`translation failed: TIMEOUT`); retryable failures are tried again within the job's attempts, then the job
 * ends with the note. A story that already has a drafted text is left alone.
 */
import type { Processor } from 'bullmq';
import { z } from 'zod';
import { isGeoError } from '../errors.js';
import type { Logger } from '../log.js';
import type { CompiledGlossary } from '../pipeline/glossary/index.js';
import type { Metrics } from '../runtime/metrics.js';
import { forQueue } from '../runtime/queues.js';
import type { DraftStore, MachineDraft } from '../store/drafts.js';
import type { RecordStore } from '../store/types.js';
import { draftInput, needsDraft } from '../translate/request.js';
import type { Translator } from '../translate/types.js';
import { jobData } from './job-data.js';

export const TranslateJob = z.object({ storyId: z.string().min(1) }).strict();

export interface TranslateWorkerDeps {
  records: RecordStore;
  drafts: DraftStore;
  translator: Translator;
  glossary: CompiledGlossary;
  /** Characters of a story sent (config translation.maxChars). */
  maxChars: number;
  metrics: Metrics;
  log: Logger;
  now: () => number;
}

export function translateProcessor(deps: TranslateWorkerDeps): Processor {
  return async (job, _token, signal) => {
    const { storyId } = jobData(TranslateJob, job.data, 'translate');
    const done = (outcome: string) => {
      deps.metrics.items.inc({ stage: 'translate', outcome });
      return { storyId, outcome };
    };
    const [record, [existing]] = await Promise.all([
      deps.records.story(storyId),
      deps.drafts.getDrafts([storyId]),
    ]);
    if (!record || !needsDraft(record)) return done('skipped');
    if (existing?.titleZh) return done('exists');
    const input = draftInput(record, deps.glossary, deps.maxChars);
    const t = deps.translator;
    const base = { storyId, backend: t.backend, ...(t.model ? { model: t.model } : {}), from: input.from };
    const at = () => new Date(deps.now()).toISOString();
    try {
      const [titleZh, summaryZh] = await t.translate(
        { texts: input.texts, from: input.from, to: 'zh', glossary: input.glossary },
        signal,
      );
      const draft: MachineDraft = { ...base, titleZh: titleZh!, summaryZh: summaryZh ?? null, at: at() };
      if (input.cut > 0) draft.note = `summary shortened by ${input.cut} characters for translation`;
      await deps.drafts.put(draft);
      return done('drafted');
    } catch (err) {
      const code = isGeoError(err) ? err.code : 'INTERNAL';
      await deps.drafts.put({
        ...base,
        titleZh: null,
        summaryZh: null,
        at: at(),
        note: `translation failed: ${code}`,
      });
      const retry =
        !(isGeoError(err) && err.retry === 'permanent') && job.attemptsMade + 1 < (job.opts.attempts ?? 1);
      deps.log.warn(
        { jobId: job.id, storyId, code, err: (err as Error).message, retry },
        'machine draft failed; the story stays untranslated',
      );
      if (retry) throw forQueue(err);
      return done(`failed_${code.toLowerCase()}`);
    }
  };
}

/**
 * The record store as the process worker writes through it when a backend is configured: after each `put`, the
 * stories just stored (or found stored by a re-run job) that need a draft are queued, one job per story.
 */
export function draftingRecords(
  records: RecordStore,
  enqueue: (storyIds: string[]) => Promise<void>,
): RecordStore {
  const wrapped = Object.create(records) as RecordStore;
  wrapped.put = async (batch) => {
    const outcomes = await records.put(batch);
    const ids = new Set<string>();
    batch.forEach((r, i) => {
      if ((outcomes[i] === 'emitted' || outcomes[i] === 'unchanged') && needsDraft(r)) ids.add(r.storyId);
    });
    if (ids.size > 0) await enqueue([...ids]);
    return outcomes;
  };
  return wrapped;
}
