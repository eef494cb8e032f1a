/**
 * The `text-index` bench: what the full-text index costs, on a private redis-server child.
 *
 * Synthetic stories (deterministic): 80 % English-like — a title of 8–12 and a summary of 40–60 words drawn from
 * a Zipf vocabulary of 30 000 words whose 40 most frequent are real geoscience words, with stop-words mixed in —
 * and 20 % Chinese-like — a title of 6–9 and a summary of 30–50 "words" of 2–4 Han characters from a Zipf
 * vocabulary of 20 000 such words — spread in time over 85 days (inside the 90-day retention), stored in time
 * order in batches of 50 through the real record store; every 12th item is a later item of an earlier story.
 *
 * Figures:
 * - put time per record without the text index (`textIndex: false`, everything else the same) and with it, at
 *   the first `small` records, and with it again for the last `small` records once the index holds `large`;
 * - Redis bytes of the text index per stored story (MEMORY USAGE over every `rec:tok:*` key ÷ stories), the
 *   same for the tag and map indexes, the story records themselves, and the items hash per later item (what a
 *   split needs);
 * - latency of the first page (limit 50) of 1-, 2- and 3-word queries of common words, and of the worst page (a
 *   filter nothing passes: the page examines the whole scan bound), through the record query store (the API's
 *   code path, without HTTP), p50 and p95 of `runs` runs, at `small` and at `large` stories, with the number of
 *   matching stories (ZINTERCARD) for scale.
 */
import type { Redis } from 'ioredis';
import { hashId } from '../pipeline/normalize/identity.js';
import { mulberry32 } from '../pipeline/random.js';
import type { RecordFilter } from '../pipeline/search/record-filter.js';
import { textTokens } from '../pipeline/search/tokens.js';
import type { DigestRecord } from '../pipeline/types.js';
import { redisKeys } from '../store/keys.js';
import { createRedisRecordQuery } from '../store/record-query.js';
import { createRedisRecordStore, digestTime } from '../store/redis-records.js';
import { startRedisChild } from './redis-child.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-01T00:00:00Z');
const SPAN = 85 * DAY;
const BATCH = 50;

/** The most frequent words of the English-like vocabulary (rank order). */
const COMMON = (
  'survey mineral groundwater earthquake data geological energy carbon research lithium basin coastal water ' +
  'deposit rock model drilling fault climate report mining copper storage ocean sediment volcano gas hydrogen ' +
  'aquifer seismic critical uranium exploration glacier landslide magma isotope permafrost rare seafloor'
).split(' ');
const STOP = 'the of and in to a for on with by from is that as'.split(' ');
const SYL = 'ka ro mi te su la ne vo pi da ge lu sa to ri me na ko be zu fa ti mo ha ye wa'.split(' ');

function zipfSampler(size: number): (r: () => number) => number {
  const cdf = new Float64Array(size);
  let s = 0;
  for (let i = 0; i < size; i++) cdf[i] = s += 1 / (i + 10);
  for (let i = 0; i < size; i++) cdf[i]! /= s;
  return (r) => {
    const u = r();
    let lo = 0;
    let hi = size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const enRank = zipfSampler(30_000);
const zhRank = zipfSampler(20_000);

function enWord(k: number): string {
  if (k < COMMON.length) return COMMON[k]!;
  let w = '';
  let x = k + SYL.length;
  while (x > 0) {
    w += SYL[x % SYL.length];
    x = Math.floor(x / SYL.length);
  }
  return w;
}

/** Chinese-like word k: 2–4 Han characters picked deterministically from the 3 500 commonest code points. */
function zhWord(k: number): string {
  const r = mulberry32(k * 7919 + 17);
  const n = 2 + Math.floor(r() * 3);
  let w = '';
  for (let i = 0; i < n; i++) w += String.fromCodePoint(0x4e00 + Math.floor(r() * 3_500));
  return w;
}

function words(r: () => number, n: number, zh: boolean): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (zh) out.push(zhWord(zhRank(r)));
    else {
      if (r() < 0.3) out.push(STOP[Math.floor(r() * STOP.length)]!);
      out.push(enWord(enRank(r)));
    }
  }
  return out.join(zh ? '' : ' ');
}

/** Stored item number i of `total` (every 12th a later item of an earlier story). */
export function benchRecord(i: number, total: number): DigestRecord {
  const r = mulberry32(i * 2654435761 + 1);
  const dupOf = i >= 12 && i % 12 === 0 ? Math.floor(r() * i) : -1;
  // Ids as the normalise stage makes them (21 characters); a story's id is its first item's.
  const story = hashId('bench', String(dupOf >= 0 && dupOf % 12 !== 0 ? dupOf : i));
  const zh = r() < 0.2;
  const t = NOW - SPAN + Math.floor((i / total) * SPAN);
  const relevant = r() < 0.85;
  return {
    schema: 'geointel.record/1',
    id: hashId('bench', String(i)),
    storyId: story,
    canonicalId: story,
    title: words(r, zh ? 6 + Math.floor(r() * 4) : 8 + Math.floor(r() * 5), zh),
    summary: words(r, zh ? 30 + Math.floor(r() * 21) : 40 + Math.floor(r() * 21), zh),
    url: `https://src${i % 50}.example/news/${i}`,
    source: { id: `s${i % 50}`, name: `Source ${i % 50}` },
    publishedAt: new Date(t).toISOString(),
    fetchedAt: new Date(t + 3_600_000).toISOString(),
    language: zh ? 'zh' : 'en',
    relevant,
    topic: relevant ? 'energy-minerals' : null,
    topics: relevant ? [{ id: 'energy-minerals', score: 0.8, evidence: ['mineral'] }] : [],
    tags: {
      commodities: r() < 0.3 ? ['lithium'] : [],
      countries: r() < 0.5 ? [['CN', 'AU', 'US', 'CL', 'CA'][Math.floor(r() * 5)]!] : [],
    },
    ...(r() < 0.05 ? { geo: { lat: r() * 180 - 90, lon: r() * 360 - 180 } } : {}),
    duplicates: [],
    citation: { zh: '（源）', en: '(Source)' },
  };
}

async function putAll(
  store: ReturnType<typeof createRedisRecordStore>,
  records: DigestRecord[],
): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < records.length; i += BATCH) await store.put(records.slice(i, i + BATCH));
  return Number(process.hrtime.bigint() - t0) / 1e3 / records.length;
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5_000);
    out.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return out;
}

async function bytesOf(redis: Redis, pattern: string): Promise<{ keys: string[]; bytes: number }> {
  const keys = await scanKeys(redis, pattern);
  let bytes = 0;
  for (let i = 0; i < keys.length; i += 1_000) {
    const p = redis.pipeline();
    for (const k of keys.slice(i, i + 1_000)) p.memory('USAGE', k);
    for (const [err, n] of (await p.exec()) ?? []) if (!err) bytes += Number(n ?? 0);
  }
  return { keys, bytes };
}

async function hashFields(redis: Redis, keys: string[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < keys.length; i += 1_000) {
    const p = redis.pipeline();
    for (const k of keys.slice(i, i + 1_000)) p.hlen(k);
    for (const [err, len] of (await p.exec()) ?? []) if (!err) n += Number(len);
  }
  return n;
}

/**
 * Queries timed: common words (the first page fills early), and the worst case of a page — the most common word
 * with a filter no story passes (`language=de`: none in this corpus), so the page examines the whole scan bound
 * (5 000 stories, each record read) and answers empty with a cursor.
 */
const QUERIES: Record<string, RecordFilter> = {
  '1': { tokens: ['mineral'] },
  '2': { tokens: ['mineral', 'lithium'] },
  '3': { tokens: ['mineral', 'lithium', 'basin'] },
  scanBound: { tokens: ['survey'], language: 'de' },
};

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function queryLatency(redis: Redis, prefix: string, runs: number) {
  const query = createRedisRecordQuery({ redis, prefix, recordDays: 90, now: () => NOW });
  const out: Record<string, { p50Ms: number; p95Ms: number; page: number; matching: number }> = {};
  for (const [name, filter] of Object.entries(QUERIES)) {
    const tokens = filter.tokens ?? [];
    const ms: number[] = [];
    let page = 0;
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      page = (await query.page({ ...filter, limit: 50 })).items.length;
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    ms.sort((a, b) => a - b);
    const matching = Number(
      await redis.zintercard(tokens.length, ...tokens.map((t) => redisKeys(prefix).textToken(t))),
    );
    out[name] = {
      p50Ms: Math.round(quantile(ms, 0.5) * 100) / 100,
      p95Ms: Math.round(quantile(ms, 0.95) * 100) / 100,
      page,
      matching: filter.language === undefined ? matching : 0,
    };
  }
  return out;
}

async function costs(redis: Redis, prefix: string) {
  const keys = redisKeys(prefix);
  const stories = await redis.zcard(keys.storyTimes());
  const text = await bytesOf(redis, keys.textToken('*'));
  const commodities = await bytesOf(redis, keys.tagIndex('commodity', '*'));
  const countries = await bytesOf(redis, keys.tagIndex('country', '*'));
  const geo = await bytesOf(redis, keys.geoIndex());
  const records = await bytesOf(redis, keys.storyRecord('*'));
  const items = await bytesOf(redis, keys.storyItems('*'));
  const laterItems = await hashFields(redis, items.keys);
  return {
    stories,
    tokenKeys: text.keys.length,
    textIndexBytesPerStory: Math.round(text.bytes / stories),
    tagAndMapBytesPerStory: Math.round((commodities.bytes + countries.bytes + geo.bytes) / stories),
    recordBytesPerStory: Math.round(records.bytes / stories),
    itemsBytesPerLaterItem: laterItems > 0 ? Math.round(items.bytes / laterItems) : 0,
  };
}

export async function benchTextIndex(opts: { small?: number; large?: number; runs?: number } = {}) {
  const small = opts.small ?? 10_000;
  const large = opts.large ?? 100_000;
  const runs = opts.runs ?? 30;
  const child = await startRedisChild();
  const redis = child.client();
  try {
    const records = Array.from({ length: large }, (_, i) => benchRecord(i, large));
    const tokensPerRecord =
      records.slice(0, small).reduce((n, r) => n + textTokens(`${r.title}\n${r.summary}`).length, 0) / small;
    const store = (prefix: string, textIndex: boolean) =>
      createRedisRecordStore({
        redis,
        prefix,
        recordDays: 90,
        streamMaxLen: 10_000,
        now: () => NOW,
        textIndex,
      });
    // Warm-up (scripts loaded, JIT), then the baseline and the indexed store on the same first records.
    await putAll(store('warm', true), records.slice(0, 1_000));
    await redis.flushdb();
    const putUsNoIndex = await putAll(store('base', false), records.slice(0, small));
    const indexed = store('idx', true);
    const putUsSmall = await putAll(indexed, records.slice(0, small));
    const atSmall = { ...(await costs(redis, 'idx')), queries: await queryLatency(redis, 'idx', runs) };
    await putAll(indexed, records.slice(small, large - small));
    const putUsLarge = await putAll(indexed, records.slice(large - small));
    const atLarge = { ...(await costs(redis, 'idx')), queries: await queryLatency(redis, 'idx', runs) };
    const newest = digestTime(records[large - 1]!);
    return {
      bench: 'text-index',
      small,
      large,
      tokensPerRecord: Math.round(tokensPerRecord * 10) / 10,
      putUsPerRecordNoIndex: Math.round(putUsNoIndex),
      putUsPerRecord: Math.round(putUsSmall),
      extraPutUsPerRecord: Math.round(putUsSmall - putUsNoIndex),
      putUsPerRecordAtLarge: Math.round(putUsLarge),
      atSmall,
      atLarge,
      newest: new Date(newest).toISOString(),
    };
  } finally {
    redis.disconnect();
    await child.stop();
  }
}

// `node dist/bench/text-index.js [small large]`: the bench alone.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  const [small, large] = process.argv.slice(2).map(Number);
  benchTextIndex({ small: small || undefined, large: large || undefined }).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err) => {
      process.stderr.write(`${err?.stack ?? err}\n`);
      process.exitCode = 1;
    },
  );
}
