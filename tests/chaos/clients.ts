/**
 * The load the chaos suite runs against the API while it breaks things: editors working the candidates (list,
 * claim, accept, publish), live-stream consumers (ones that read everything, and slow ones that never read),
 * and a sampler of the processes' memory. Everything goes over real HTTP to the `geointel api` child.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { EventSource } from 'eventsource';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface CallLog {
  /** `<status>` or `<status> <code>` → count; `network` for a request that got no answer. */
  outcomes: Record<string, number>;
  calls: number;
  /** Answers that are neither success, a conflict the workflow expects, nor 503 while Redis is away. */
  unexpected: string[];
  latenciesMs: number[];
}

/** A JSON call to the API: status, body, and its outcome counted in `log`. */
async function call(
  base: string,
  token: string,
  method: 'GET' | 'POST',
  path: string,
  log: CallLog,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> | null }> {
  const t0 = Date.now();
  log.calls++;
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let json: Record<string, unknown> | null = null;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = null;
    }
    const code = (json?.error as { code?: string } | undefined)?.code;
    const key = code ? `${res.status} ${code}` : String(res.status);
    log.outcomes[key] = (log.outcomes[key] ?? 0) + 1;
    log.latenciesMs.push(Date.now() - t0);
    const expected =
      res.status < 300 ||
      res.status === 409 ||
      (res.status === 503 && (code === 'REDIS_UNAVAILABLE' || code === 'REDIS_OOM'));
    if (!expected && log.unexpected.length < 20) log.unexpected.push(`${method} ${path} → ${key}`);
    return { status: res.status, json };
  } catch (err) {
    log.outcomes.network = (log.outcomes.network ?? 0) + 1;
    if (log.unexpected.length < 20) log.unexpected.push(`${method} ${path} → ${(err as Error).message}`);
    return { status: 0, json: null };
  }
}

export interface Editors {
  log: CallLog;
  accepted: Map<string, string>;
  published: Array<{ date: string; issue: number }>;
  stop(): Promise<void>;
}

/**
 * `tokens.length` editors, each in a loop: list a topic's candidates, claim the best one nobody holds, accept it
 * into the edition of its day; every `publishEveryMs` one of them publishes the edition of the latest day it
 * accepted into (with the version it just read). Two editors race for the same candidates on purpose: one of
 * them gets 409 CLAIM_CONFLICT.
 */
export function startEditors(opts: {
  base: string;
  tokens: string[];
  topics: string[];
  publishEveryMs: number;
  pauseMs?: number;
}): Editors {
  const log: CallLog = { outcomes: {}, calls: 0, unexpected: [], latenciesMs: [] };
  const accepted = new Map<string, string>();
  const published: Array<{ date: string; issue: number }> = [];
  let stopped = false;
  let lastPublish = Date.now();
  const lastDate: { value?: string } = {};
  const loops = opts.tokens.map(async (token, e) => {
    let i = e;
    while (!stopped) {
      const topic = opts.topics[i++ % opts.topics.length]!;
      const list = await call(opts.base, token, 'GET', `/v1/candidates?topic=${topic}&limit=5`, log);
      const items = (list.json?.items as Array<{ storyId: string; claim: { mine: boolean } | null }>) ?? [];
      const pick = items.find((c) => !c.claim || c.claim.mine);
      if (pick) {
        const id = encodeURIComponent(pick.storyId);
        const claim = await call(opts.base, token, 'POST', `/v1/candidates/${id}/claim`, log, {});
        if (claim.status === 200) {
          const acc = await call(opts.base, token, 'POST', `/v1/candidates/${id}/accept`, log, {});
          const date = acc.json?.date;
          if (acc.status === 200 && typeof date === 'string') {
            accepted.set(pick.storyId, date);
            lastDate.value = date;
          }
        }
      }
      if (e === 0 && lastDate.value && Date.now() - lastPublish > opts.publishEveryMs) {
        lastPublish = Date.now();
        const date = lastDate.value;
        const state = await call(opts.base, token, 'GET', `/v1/editions/${date}`, log);
        const version = state.json?.version;
        if (state.status === 200 && typeof version === 'number' && state.json?.status === 'draft') {
          const pub = await call(opts.base, token, 'POST', `/v1/editions/${date}/publish`, log, { version });
          if (pub.status === 200) published.push({ date, issue: Number(pub.json?.issue) });
        }
      }
      await sleep(opts.pauseMs ?? 300);
    }
  });
  return {
    log,
    accepted,
    published,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

export interface StreamConsumer {
  /** Event ids received (SSE `id:`), in order, every reconnection included. */
  ids: string[];
  storyIds: string[];
  /** Reconnections after an error or a 503 (each resumes from the last id). */
  reconnects: number;
  close(): void;
}

/** An SSE client of `/v1/streams/<topic>` that reads everything and resumes with Last-Event-ID whatever happens. */
export function startConsumer(base: string, token: string, topic = 'all'): StreamConsumer {
  const ids: string[] = [];
  const storyIds: string[] = [];
  let reconnects = 0;
  let closed = false;
  let es: EventSource | null = null;
  const open = () => {
    if (closed) return;
    const last = ids[ids.length - 1];
    const src = new EventSource(`${base}/v1/streams/${topic}`, {
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: {
            ...(init?.headers as Record<string, string>),
            authorization: `Bearer ${token}`,
            ...(last && !(init?.headers as Record<string, string>)?.['Last-Event-ID']
              ? { 'Last-Event-ID': last }
              : {}),
          },
        }),
    });
    es = src;
    src.addEventListener('record', (ev) => {
      ids.push(ev.lastEventId);
      try {
        storyIds.push((JSON.parse(ev.data) as { storyId: string }).storyId);
      } catch {
        storyIds.push(`unparsable:${ev.lastEventId}`);
      }
    });
    src.onerror = () => {
      // eventsource retries by itself on a dropped connection; an HTTP error (503 while Redis is away) closes
      // it for good, so open a new one from the last id.
      if (src.readyState === EventSource.CLOSED && !closed) {
        reconnects++;
        setTimeout(open, 500);
      } else reconnects++;
    };
  };
  open();
  return {
    ids,
    storyIds,
    get reconnects() {
      return reconnects;
    },
    close() {
      closed = true;
      es?.close();
    },
  };
}

export interface SlowConsumer {
  /** Bytes the client read before it stopped reading. */
  readBytes: number;
  /** When the server cut the connection (ms since epoch); null while it holds. */
  cutAt: number | null;
  close(): void;
}

/** An SSE client that reads the headers and the first bytes, then never reads again. */
export function startSlowConsumer(base: string, token: string, topic = 'all'): Promise<SlowConsumer> {
  return new Promise((resolve, reject) => {
    const state: SlowConsumer = { readBytes: 0, cutAt: null, close: () => req.destroy() };
    const req = http.get(
      `${base}/v1/streams/${topic}`,
      { headers: { authorization: `Bearer ${token}` } },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`slow consumer: HTTP ${res.statusCode}`));
          res.resume();
          return;
        }
        res.once('data', (d: Buffer) => {
          state.readBytes += d.length;
          res.pause();
        });
        const cut = () => {
          state.cutAt ??= Date.now();
        };
        res.on('close', cut);
        res.on('error', cut);
        resolve(state);
      },
    );
    req.on('error', (err) => {
      state.cutAt ??= Date.now();
      reject(err);
    });
  });
}

/** VmRSS and VmHWM (peak) of a process in MiB, from /proc; null once it is gone. */
export function memoryOf(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}
