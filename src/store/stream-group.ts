/**
 * A Redis stream read through a consumer group: every entry goes to one consumer of the group, stays pending
 * until acknowledged, and a dead consumer's pending entries are taken over (`XAUTOCLAIM`) by a live one. The
 * webhook fan-out reads `<prefix>:stream:all` with it (group `webhooks`): any number of deliver processes on
 * any number of machines share the stream, each entry handled once — or, after a crash, once more.
 */
import type { Redis } from 'ioredis';

/** One entry; `fields` is the flat field list (`['record', json]`). */
export interface GroupEntry {
  id: string;
  fields: string[];
}

export interface StreamGroup {
  readonly key: string;
  readonly group: string;
  /** Creates the group (and the stream) unless it exists, starting at `startId` (`0`: every retained entry). */
  ensure(startId?: string): Promise<void>;
  /**
   * Entries never delivered to the group, for `consumer`; waits up to `blockMs` for some. Runs on `conn`, a
   * connection of the caller's own (a blocking read holds its connection).
   */
  read(conn: Redis, consumer: string, count: number, blockMs: number): Promise<GroupEntry[]>;
  /**
   * Takes over entries pending for longer than `minIdleMs` (whoever holds them), one page from `cursor`
   * (`0-0` to start); `next` is `0-0` once the pending list has been walked. Entries trimmed from the stream
   * while pending are dropped from it by Redis.
   */
  claim(
    consumer: string,
    minIdleMs: number,
    count: number,
    cursor?: string,
  ): Promise<{ next: string; entries: GroupEntry[] }>;
  ack(ids: readonly string[]): Promise<number>;
  /** Entries delivered and not yet acknowledged, in the whole group. */
  pending(): Promise<number>;
  /** Removes consumers idle for longer than `idleMs` that hold nothing pending (dead processes); their count. */
  prune(idleMs: number): Promise<number>;
}

type Raw = Array<[string, string[] | null]>;

function entriesOf(raw: Raw | null | undefined): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const [id, fields] of raw ?? []) if (fields) out.push({ id, fields });
  return out;
}

export function createStreamGroup(opts: { redis: Redis; key: string; group: string }): StreamGroup {
  const { redis, key, group } = opts;
  return {
    key,
    group,
    async ensure(startId = '0') {
      try {
        await redis.xgroup('CREATE', key, group, startId, 'MKSTREAM');
      } catch (err) {
        if (!/BUSYGROUP/.test((err as Error).message)) throw err;
      }
    },
    async read(conn, consumer, count, blockMs) {
      const res = (await conn.xreadgroup(
        'GROUP',
        group,
        consumer,
        'COUNT',
        count,
        'BLOCK',
        blockMs,
        'STREAMS',
        key,
        '>',
      )) as Array<[string, Raw]> | null;
      return entriesOf(res?.[0]?.[1]);
    },
    async claim(consumer, minIdleMs, count, cursor = '0-0') {
      const res = (await redis.xautoclaim(key, group, consumer, minIdleMs, cursor, 'COUNT', count)) as [
        string,
        Raw,
        string[]?,
      ];
      return { next: res[0], entries: entriesOf(res[1]) };
    },
    async ack(ids) {
      if (ids.length === 0) return 0;
      return redis.xack(key, group, ...ids);
    },
    async pending() {
      const res = (await redis.xpending(key, group)) as [number, ...unknown[]];
      return Number(res[0]);
    },
    async prune(idleMs) {
      const rows = (await redis.xinfo('CONSUMERS', key, group)) as unknown[][];
      let removed = 0;
      for (const row of rows) {
        const info: Record<string, unknown> = {};
        for (let i = 0; i + 1 < row.length; i += 2) info[String(row[i])] = row[i + 1];
        const name = String(info.name);
        if (Number(info.pending) === 0 && Number(info.idle) > idleMs) {
          await redis.xgroup('DELCONSUMER', key, group, name);
          removed++;
        }
      }
      return removed;
    },
  };
}
