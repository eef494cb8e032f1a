/**
 * Where article pages are read, by the article worker and by the API's add-by-URL alike: a small pool of
 * worker threads (./article-thread.ts), each page under a time budget and each thread under a heap cap. It
 * lives outside src/workers so that the API does not import a worker module.
 *
 * Why (RELIABILITY.md Q3, T-Q9): the article stage is synchronous and CPU-bound — Readability over a linkedom
 * DOM takes seconds on a link-heavy page (30 000 links: about 3 s; 59 000: about 12 s and 600 MB of heap on
 * the 2-core reference box). On the worker's own event loop that blocks the timers that renew the BullMQ job
 * locks of every job of the process, so a lock runs out, the stalled check hands the job to another worker and
 * the page is fetched and read twice, concurrently. On a thread the event loop stays free.
 *
 * Budget: a page not read within its budget (the article job's deadline) has its thread terminated —
 * `PARSE_TIMEOUT` — and a page that needs more than {@link ARTICLE_THREAD_HEAP_MB} MB of heap ends its thread
 * with `PARSE_ERROR`; the pool starts a fresh thread for the next page. Idle threads are unref'd (they never
 * keep a process alive).
 *
 * The thread runs the compiled module (`dist/extract/article-thread.js`). Run from the TypeScript sources
 * (vitest), there is no compiled thread file and pages are read inline, as before; `mode` says which.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { GeoError } from '../errors.js';
import {
  type ArticleExtraction,
  type ExtractArticleOptions,
  extractArticle,
} from '../pipeline/article/index.js';

/** Heap cap (old generation) of one extraction thread. */
export const ARTICLE_THREAD_HEAP_MB = 512;
/** Extraction threads per process (the article queue's concurrency is 4 by default; CPU is the limit). */
export const ARTICLE_THREADS = 2;

/** A page for a thread. */
export interface ThreadRequest {
  id: number;
  body: string | Uint8Array;
  opts: ExtractArticleOptions;
}

export type ThreadReply =
  | { id: number; extraction: ArticleExtraction }
  | { id: number; error: { code: string; message: string } };

export interface ArticleExtractor {
  /** `thread`: pages are read on worker threads; `inline`: on the caller's event loop (TypeScript sources). */
  readonly mode: 'thread' | 'inline';
  /** Reads one page; rejects with a GeoError (`PARSE_TIMEOUT` past `budgetMs`, `PARSE_ERROR`, `INTERNAL`). */
  extract(
    body: string | Uint8Array,
    opts: ExtractArticleOptions,
    budgetMs: number,
  ): Promise<ArticleExtraction>;
  /** Ends every thread; pages still waiting are refused. */
  close(): Promise<void>;
}

const THREAD_FILE = new URL('./article-thread.js', import.meta.url);

/** Pages read on the caller's event loop (no budget can be enforced there: the pre-thread design). */
export function inlineArticleExtractor(): ArticleExtractor {
  return {
    mode: 'inline',
    extract: async (body, opts) => extractArticle(body, opts),
    close: async () => undefined,
  };
}

interface Task extends ThreadRequest {
  budgetMs: number;
  resolve: (e: ArticleExtraction) => void;
  reject: (err: GeoError) => void;
  timer?: NodeJS.Timeout;
  slot?: Slot;
}

interface Slot {
  worker: Worker;
  task: Task | null;
}

export function createArticleExtractor(opts: { threads?: number; heapMb?: number } = {}): ArticleExtractor {
  if (!existsSync(fileURLToPath(THREAD_FILE))) return inlineArticleExtractor();
  const threads = Math.max(1, opts.threads ?? ARTICLE_THREADS);
  const heapMb = opts.heapMb ?? ARTICLE_THREAD_HEAP_MB;
  const slots: Slot[] = [];
  const waiting: Task[] = [];
  let nextId = 1;
  let closed = false;

  const settle = (task: Task) => {
    clearTimeout(task.timer);
    const slot = task.slot;
    if (slot?.task === task) {
      slot.task = null;
      slot.worker.unref();
    }
  };

  function spawn(): Slot {
    const worker = new Worker(THREAD_FILE, { resourceLimits: { maxOldGenerationSizeMb: heapMb } });
    const slot: Slot = { worker, task: null };
    worker.on('message', (reply: ThreadReply) => {
      const task = slot.task;
      if (!task || task.id !== reply.id) return;
      settle(task);
      if ('error' in reply) task.reject(new GeoError(reply.error.code, reply.error.message));
      else task.resolve(reply.extraction);
      pump();
    });
    const lost = (err: GeoError) => {
      const i = slots.indexOf(slot);
      if (i < 0) return;
      slots.splice(i, 1);
      const task = slot.task;
      if (task) {
        settle(task);
        task.reject(err);
      }
      pump();
    };
    worker.on('error', (err: Error & { code?: string }) =>
      lost(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new GeoError('PARSE_ERROR', `article page needs more than ${heapMb} MB of heap to read: not read`)
          : new GeoError('INTERNAL', `article extraction thread failed: ${err.message}`, { cause: err }),
      ),
    );
    worker.on('exit', (code) =>
      lost(new GeoError('INTERNAL', `article extraction thread exited with code ${code}`)),
    );
    slots.push(slot);
    return slot;
  }

  function pump(): void {
    while (!closed && waiting.length > 0) {
      let slot = slots.find((s) => s.task === null);
      if (!slot) {
        if (slots.length >= threads) return;
        slot = spawn();
      }
      const task = waiting.shift()!;
      slot.task = task;
      task.slot = slot;
      slot.worker.ref();
      slot.worker.postMessage({ id: task.id, body: task.body, opts: task.opts } satisfies ThreadRequest);
    }
  }

  return {
    mode: 'thread',
    extract(body, extractOpts, budgetMs) {
      if (closed) return Promise.reject(new GeoError('INTERNAL', 'the article extractor is closed'));
      return new Promise<ArticleExtraction>((resolve, reject) => {
        const task: Task = { id: nextId++, body, opts: extractOpts, budgetMs, resolve, reject };
        task.timer = setTimeout(
          () => {
            const slot = task.slot;
            const i = waiting.indexOf(task);
            if (i >= 0) waiting.splice(i, 1);
            settle(task);
            if (slot) {
              // The thread is still reading the page: it leaves the pool and is ended; a fresh one starts.
              const at = slots.indexOf(slot);
              if (at >= 0) slots.splice(at, 1);
              void slot.worker.terminate();
            }
            reject(new GeoError('PARSE_TIMEOUT', `article page not read within ${Math.round(budgetMs)} ms`));
            pump();
          },
          Math.max(1, budgetMs),
        );
        waiting.push(task);
        pump();
      });
    },
    async close() {
      closed = true;
      for (const task of waiting.splice(0)) {
        clearTimeout(task.timer);
        task.reject(new GeoError('INTERNAL', 'the article extractor is closed'));
      }
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
