/**
 * What `geointel model` and `geointel rules` share: the running system's stores, the editors' decisions of a
 * time window (audit trail → labels → the stories' records), and one stored record judged again.
 */
import type { Redis } from 'ioredis';
import { whenReady } from '../api/redis-ready.js';
import type { Config } from '../config/load.js';
import { loadConfig } from '../config/load.js';
import type { SourceEntry } from '../config/sources-schema.js';
import { GeoError } from '../errors.js';
import { classifyItemDetailed, sourcePriorOf, type Taxonomy } from '../pipeline/classify/index.js';
import { type DecidedItem, decidedItems, labelsFromAudit } from '../pipeline/model/decisions.js';
import type { ModelScorer } from '../pipeline/model/scorer.js';
import type { DigestRecord, Item } from '../pipeline/types.js';
import { connect } from '../runtime/redis.js';
import { type AuditEntry, type AuditStore, createRedisAuditStore } from '../store/audit.js';
import { createRedisModelStore, type ModelStore } from '../store/models.js';
import { createRedisRecordStore } from '../store/redis-records.js';
import type { RecordStore } from '../store/types.js';
import type { CommandIO } from './command.js';
import { chooseRedis, commandLogger } from './serve.js';

export interface Stores {
  config: Config;
  redis: Redis;
  audit: AuditStore;
  records: RecordStore;
  models: ModelStore;
}

/** Runs `work` with the running system's stores (REDIS_URL, or the Redis `geointel run` supervises). */
export async function withStores<T>(
  io: CommandIO,
  role: string,
  work: (s: Stores) => Promise<T>,
): Promise<T> {
  const config = loadConfig({ env: io.env });
  const log = commandLogger(io.env, role);
  const { target } = await chooseRedis(config, log, false);
  const redis = connect(target, 'producer', log);
  try {
    if (!(await whenReady(redis, 5_000)))
      throw new GeoError('REDIS_UNAVAILABLE', 'Redis did not answer within 5 s');
    const prefix = config.app.redis.prefix;
    return await work({
      config,
      redis,
      audit: createRedisAuditStore({ redis, prefix }),
      records: createRedisRecordStore({
        redis,
        prefix,
        recordDays: config.app.retention.recordDays,
        streamMaxLen: config.app.retention.streamMaxLen,
      }),
      models: createRedisModelStore({ redis, prefix }),
    });
  } finally {
    redis.disconnect();
  }
}

const UNITS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `30d`, `12h`, `2w` → milliseconds (USAGE otherwise). */
export function parseWindow(s: string, flag = '--since'): number {
  const m = /^(\d+(?:\.\d+)?)([hdw])$/.exec(s.trim());
  if (!m || Number(m[1]) <= 0)
    throw new GeoError('USAGE', `${flag} takes a duration such as 30d, 12h or 2w (got "${s}")`);
  return Number(m[1]) * (UNITS[m[2] as string] as number);
}

/** Audit entries written at or after `sinceIso`, newest first (read in pages of 500). */
export async function auditSince(audit: AuditStore, sinceIso: string): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await audit.recent(500, before);
    for (const e of page) {
      if (e.at < sinceIso) return out;
      out.push(e);
    }
    if (page.length < 500) return out;
    before = page[page.length - 1]?.id;
  }
}

/** The editors' labelled stories of the window, with their records' texts. */
export async function decisionsSince(
  stores: Pick<Stores, 'audit' | 'records'>,
  topics: readonly string[],
  sinceIso: string,
): Promise<DecidedItem[]> {
  const labels = labelsFromAudit(await auditSince(stores.audit, sinceIso), topics);
  const records = new Map<string, DigestRecord | null>();
  for (const l of labels) records.set(l.storyId, await stores.records.story(l.storyId));
  return decidedItems(labels, records);
}

/** A stored record as an item for the classify stage again. */
export function itemOfRecord(
  r: Pick<DigestRecord, 'storyId' | 'title' | 'summary' | 'language' | 'source' | 'geo'>,
): Item {
  return {
    id: r.storyId,
    title: r.title,
    summary: r.summary,
    language: r.language,
    source: r.source.id,
    ...(r.geo ? { geo: r.geo } : {}),
  };
}

/** The class (`off-topic` or a topic id) the classify stage gives an item of `sourceId` now. */
export function judge(
  item: Item,
  sourceId: string | undefined,
  taxonomy: Taxonomy,
  sources: ReadonlyMap<string, SourceEntry>,
  model: ModelScorer | undefined,
): string {
  const entry = sourceId ? sources.get(sourceId) : undefined;
  const { classification } = classifyItemDetailed(item, taxonomy, {
    ...(entry ? { source: sourcePriorOf(entry) } : {}),
    ...(model ? { model } : {}),
  });
  return classification.relevant && classification.topic ? classification.topic : 'off-topic';
}
