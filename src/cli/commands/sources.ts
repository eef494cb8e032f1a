import { Redis } from 'ioredis';
import { type Config, loadConfig } from '../../config/load.js';
import type { SourceEntry } from '../../config/sources-schema.js';
import { GeoError } from '../../errors.js';
import { createFetcherFromConfig } from '../../fetch/index.js';
import { findLocalRedis } from '../../runtime/embedded-redis.js';
import { createRedisSourceStore } from '../../store/redis-sources.js';
import type { SourceState } from '../../store/types.js';
import { type Command, type CommandIO, parseFlags, writeJsonLine } from '../command.js';
import { checkSource } from '../source-check.js';

const HELP = `Usage:
  geointel sources list [--json]
  geointel sources check [ID] [--allow-private] [--json]

list    the source registry (config/sources.yaml) with, when the runtime's Redis answers (REDIS_URL or the
        one \`geointel run\` supervises), each source's health: ok, backoff or probe (daily, after a permanent
        error) with the failure count and last error code. --json prints an array of the registry entries,
        each with a "health" field: the counters (lastSuccessAt, consecutiveFailures, lastErrorCode,
        lastItems, newestItemAt, nextFetchAt, mode, fetches, notModified) or null when never polled.
check   fetches each enabled source (or only ID) once through the hardened fetcher, parses it and reports
        items found, errors and timings, one line per source. Exit 1 when any source failed.
        --allow-private lets this run reach private and loopback addresses (as GEOINTEL_FETCH_ALLOW_PRIVATE).
`;

/**
 * The health counters the runtime stored, when a Redis answers (REDIS_URL or the one `geointel run`
 * supervises); null without one — listing the registry never needs Redis.
 */
async function storedHealth(cfg: Config): Promise<Record<string, SourceState> | null> {
  const target = cfg.app.redis.url ?? (await findLocalRedis(cfg.app.redis.dataDir));
  if (!target) return null;
  const redis = new Redis(target, {
    maxRetriesPerRequest: 0,
    enableOfflineQueue: true,
    connectTimeout: 1000,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    return await createRedisSourceStore({ redis, prefix: cfg.app.redis.prefix }).all();
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}

/** One health word for the table: ok, backoff, probe, or - when never fetched. */
function healthCell(state: SourceState | undefined): string {
  if (!state || state.health.fetches === 0) return '-';
  const h = state.health;
  if (h.mode) return `${h.mode}(${h.consecutiveFailures}×${h.lastErrorCode ?? ''})`;
  return `ok ${h.lastItems ?? 0} items`;
}

function listText(
  sources: readonly SourceEntry[],
  health: Record<string, SourceState> | null = null,
): string {
  const rows = sources.map((s) => [
    s.id,
    s.enabled ? 'on' : 'off',
    s.kind,
    s.language ?? '-',
    s.pollEvery,
    s.confidence ?? '-',
    ...(health ? [healthCell(health[s.id])] : []),
    s.url,
  ]);
  const head = ['ID', 'ENABLED', 'KIND', 'LANG', 'EVERY', 'CONF', ...(health ? ['HEALTH'] : []), 'URL'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[fmt(head), ...rows.map(fmt)].join('\n')}\n`;
}

async function runCheck(ids: string[], allowPrivate: boolean, json: boolean, io: CommandIO): Promise<number> {
  const cfg = loadConfig({ env: io.env });
  const targets = ids.length
    ? ids.map((id) => {
        const s = cfg.sources.find((x) => x.id === id);
        if (!s) throw new GeoError('USAGE', `no source "${id}" in ${cfg.dir}/sources.yaml`);
        return s;
      })
    : cfg.sources.filter((s) => s.enabled);
  const fetcher = createFetcherFromConfig(cfg.app.fetch, { allowPrivate });
  let failed = 0;
  for (const source of targets) {
    const report = await checkSource(source, cfg, fetcher);
    if (!report.ok) failed++;
    if (json) writeJsonLine(io.stdout, report);
    else
      io.stdout.write(
        report.ok
          ? `ok    ${source.id}: ${report.items} items (${report.format}, ${report.encoding}) in ${report.ms} ms\n`
          : `FAIL  ${source.id}: ${report.error?.code} ${report.error?.message} (${report.ms} ms)\n`,
      );
  }
  return failed > 0 ? 1 : 0;
}

export const command: Command = {
  name: 'sources',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      json: { type: 'boolean' },
      'allow-private': { type: 'boolean' },
    });
    const [sub, ...rest] = positionals;
    if (sub === 'list') {
      if (rest.length) throw new GeoError('USAGE', `unexpected argument "${rest[0]}"`);
      const cfg = loadConfig({ env: io.env });
      const health = await storedHealth(cfg);
      if (values.json)
        io.stdout.write(
          `${JSON.stringify(
            cfg.sources.map((s) => ({ ...s, health: health?.[s.id]?.health ?? null })),
            null,
            2,
          )}\n`,
        );
      else io.stdout.write(listText(cfg.sources, health));
      return 0;
    }
    if (sub === 'check') return runCheck(rest, Boolean(values['allow-private']), Boolean(values.json), io);
    throw new GeoError('USAGE', sub ? `unknown subcommand "${sub}"` : 'expected "list" or "check"');
  },
};
