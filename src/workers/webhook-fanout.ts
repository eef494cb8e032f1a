/**
 * The webhook fan-out: reads `<prefix>:stream:all` through the consumer group `webhooks` (src/store/stream-group.ts)
 * in every process of the deliver role and, for each entry and each active subscription whose filter matches
 * it (src/pipeline/subscription-match.ts), adds a `webhook` job to the deliver queue — then acknowledges the
 * entry. The job id is deterministic (`webhook-<delivery id>`, subscription × story): an entry handled twice
 * (a reader that died between adding and acknowledging; its pending entries are taken over with XAUTOCLAIM
 * once idle for `claimIdleMs`) adds nothing new, and the delivery itself skips a story already delivered.
 *
 * A subscription receives the entries added to the stream from its creation on (the entry id's time against
 * `createdAt`), while it is active. The group starts at the stream's first retained entry the first time any
 * deliver process runs, so nothing a subscription asked for between its creation and the first deliver process
 * is missed.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { compileFilter, matchesFilter } from '../pipeline/subscription-match.js';
import type { DigestRecord } from '../pipeline/types.js';
import { deliveryIdOf } from '../pipeline/webhook-signature.js';
import { recordField } from '../store/redis-records.js';
import type { GroupEntry, StreamGroup } from '../store/stream-group.js';
import type { SubscriptionStore } from '../store/subscriptions.js';

/** The consumer group of the fan-out on `stream:all`. */
export const FANOUT_GROUP = 'webhooks';

export interface WebhookJobSpec {
  name: 'webhook';
  data: { subscriptionId: string; storyId: string; deliveryId: string; entryId: string; record: string };
  opts: { jobId: string };
}

export interface FanoutOptions {
  group: StreamGroup;
  subscriptions: Pick<SubscriptionStore, 'list'>;
  /** Adds the jobs (BullMQ `addBulk` on the deliver queue; an existing job id adds nothing). */
  enqueue: (jobs: WebhookJobSpec[]) => Promise<void>;
  /** A new connection for the blocking reads (fail-fast; the fan-out replaces it after a stuck read). */
  connect: () => Redis;
  log: Logger;
  /** `XREADGROUP BLOCK` time. @defaultValue 2000 */
  blockMs?: number;
  /** Entries pending longer than this belong to a dead reader and are taken over. @defaultValue 30000 */
  claimIdleMs?: number;
  /** How often the pending list is checked for such entries. @defaultValue 30000 */
  claimEveryMs?: number;
  /** Entries per read. @defaultValue 100 */
  batch?: number;
  /** This reader's consumer name. @defaultValue `<host>-<pid>-<random>` */
  consumer?: string;
}

export interface FanoutStats {
  /** Entries handled (read or claimed). */
  entries: number;
  /** Entries taken over from dead readers. */
  claimed: number;
  /** Jobs handed to the queue (including ids that existed). */
  jobs: number;
}

export interface WebhookFanout {
  readonly consumer: string;
  stats(): FanoutStats;
  /** Stops reading; an entry read but not yet handled stays pending for another reader. */
  stop(): Promise<void>;
}

/** Resolves true once `c` is ready, false after `ms` or when it ends. */
function ready(c: Redis, ms: number): Promise<boolean> {
  if (c.status === 'end') return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (v: boolean) => {
      clearTimeout(t);
      c.off('ready', onReady);
      c.off('end', onEnd);
      resolve(v);
    };
    const onReady = () => done(true);
    const onEnd = () => done(false);
    const t = setTimeout(() => done(false), ms);
    c.once('ready', onReady);
    c.once('end', onEnd);
  });
}

/** Jobs for a batch of entries against the active subscriptions (pure but for JSON parsing). */
export function fanoutJobs(
  entries: readonly GroupEntry[],
  subscriptions: ReadonlyArray<{ id: string; active: boolean; createdAt: string; filter: object }>,
  log?: Logger,
): WebhookJobSpec[] {
  const subs = subscriptions
    .filter((s) => s.active)
    .map((s) => ({ id: s.id, since: Date.parse(s.createdAt), filter: compileFilter(s.filter) }));
  if (subs.length === 0) return [];
  const jobs: WebhookJobSpec[] = [];
  for (const e of entries) {
    const json = recordField(e.fields);
    let record: DigestRecord;
    try {
      record = JSON.parse(json) as DigestRecord;
    } catch {
      log?.warn({ entry: e.id }, 'stream entry without a record JSON; skipped');
      continue;
    }
    if (!record || typeof record.storyId !== 'string') continue;
    const at = Number(e.id.slice(0, e.id.indexOf('-')));
    for (const s of subs) {
      if (at < s.since || !matchesFilter(record, s.filter)) continue;
      const deliveryId = deliveryIdOf(s.id, record.storyId);
      jobs.push({
        name: 'webhook',
        data: { subscriptionId: s.id, storyId: record.storyId, deliveryId, entryId: e.id, record: json },
        opts: { jobId: `webhook-${deliveryId}` },
      });
    }
  }
  return jobs;
}

export async function startWebhookFanout(o: FanoutOptions): Promise<WebhookFanout> {
  const log = o.log.child({ component: 'webhook-fanout' });
  const blockMs = o.blockMs ?? 2_000;
  const claimIdleMs = o.claimIdleMs ?? 30_000;
  const claimEveryMs = o.claimEveryMs ?? 30_000;
  const batch = o.batch ?? 100;
  const consumer = o.consumer ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const stats: FanoutStats = { entries: 0, claimed: 0, jobs: 0 };
  let running = true;
  let conn: Redis | null = null;
  let ensured = false;
  let lastError = '';
  // The pause after a failure; stop() cuts it short.
  let wake: (() => void) | null = null;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        wake = null;
        resolve();
      }
      wake = done;
    });

  async function handle(entries: GroupEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const jobs = fanoutJobs(entries, await o.subscriptions.list(), log);
    if (jobs.length > 0) await o.enqueue(jobs);
    await o.group.ack(entries.map((e) => e.id));
    stats.entries += entries.length;
    stats.jobs += jobs.length;
  }

  async function claimDead(): Promise<void> {
    let cursor = '0-0';
    do {
      const page = await o.group.claim(consumer, claimIdleMs, batch, cursor);
      if (page.entries.length > 0)
        log.warn({ entries: page.entries.length }, 'taking over entries of a reader that stopped');
      stats.claimed += page.entries.length;
      await handle(page.entries);
      cursor = page.next;
    } while (running && cursor !== '0-0');
    // Consumers of processes gone for a day hold nothing: forget them.
    await o.group.prune(86_400_000);
  }

  /** A blocking read with a watchdog: a read that outlives its BLOCK by far is abandoned with its connection. */
  async function readOnce(): Promise<GroupEntry[]> {
    conn ??= o.connect();
    const c = conn;
    if (c.status !== 'ready' && !(await ready(c, blockMs + 5_000))) {
      if (c.status === 'end' && conn === c) conn = null;
      throw new Error(`Redis connection ${c.status}`);
    }
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), blockMs + 5_000);
    });
    try {
      const res = await Promise.race([o.group.read(c, consumer, batch, blockMs), stuck]);
      if (res === null) {
        log.warn({ afterMs: blockMs + 5_000 }, 'stream group read did not return; new connection');
        if (conn === c) conn = null;
        c.disconnect();
        return [];
      }
      return res;
    } finally {
      clearTimeout(timer);
    }
  }

  async function loop(): Promise<void> {
    let lastClaim = 0;
    let delay = 0;
    while (running) {
      try {
        if (!ensured) {
          await o.group.ensure('0');
          ensured = true;
        }
        if (Date.now() - lastClaim >= claimEveryMs) {
          lastClaim = Date.now();
          await claimDead();
        }
        const entries = await readOnce();
        if (!running) break;
        await handle(entries);
        delay = 0;
        lastError = '';
      } catch (err) {
        if (!running) break;
        const msg = (err as Error).message;
        if (/NOGROUP/.test(msg)) ensured = false;
        if (msg !== lastError) log.warn({ err: msg }, 'webhook fan-out failed; retrying');
        lastError = msg;
        delay = Math.min(delay * 2 || 100, 5_000);
        await pause(delay);
      }
    }
  }

  // The group exists before the process reports itself started (records added from then on are fanned out).
  await o.group.ensure('0').then(
    () => {
      ensured = true;
    },
    (err: Error) => log.warn({ err: err.message }, 'cannot create the webhook consumer group yet'),
  );
  const done = loop();
  log.info({ consumer }, 'webhook fan-out started');
  return {
    consumer,
    stats: () => ({ ...stats }),
    async stop() {
      running = false;
      wake?.();
      conn?.disconnect();
      conn = null;
      await done;
    },
  };
}
