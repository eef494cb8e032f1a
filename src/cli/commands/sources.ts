import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Redis } from 'ioredis';
import { parse as parseYaml, stringify } from 'yaml';
import { type Config, loadConfig } from '../../config/load.js';
import { type SourceEntry, SourcesFileSchema } from '../../config/sources-schema.js';
import { GeoError } from '../../errors.js';
import { type HealthFlag, healthFlags } from '../../pipeline/health-flags.js';
import {
  compactEntry,
  exportOpml,
  importOpml,
  MAX_OPML_BYTES,
  type OpmlImport,
  readOpml,
} from '../../pipeline/opml.js';
import { findLocalRedis } from '../../runtime/embedded-redis.js';
import { createRedisSourceStore } from '../../store/redis-sources.js';
import type { SourceState } from '../../store/types.js';
import { type Command, type CommandIO, parseFlags, reportLine, writeJsonLine } from '../command.js';
import { type CheckInternals, checkLine, checkSources } from '../source-check.js';

const HELP = `Usage:
  geointel sources list [--json]
  geointel sources check [ID…|--all] [--allow-private] [--json]
  geointel sources export [--enabled] > sources.opml
  geointel sources import FILE.opml|- [--write] [--json]

list    the source registry (config/sources.yaml): id, enabled, kind, what it publishes (journal, agency,
        programme, relay, events), language, poll interval, confidence, url, and, when the runtime's Redis
        answers (REDIS_URL or the one \`geointel run\` supervises), each source's health: ok, backoff or probe
        (daily, after a permanent error) with the failure count and last error code, and its health flags
        (below). --json prints an array of the registry entries, each with a "health" field: the counters
        (lastSuccessAt, consecutiveFailures, lastErrorCode, lastItems, newestItemAt, nextFetchAt, mode, fetches,
        notModified, lastDatesAllFetchDay, permanentRedirect, permanentRedirectCount) or null when never polled,
        and a "flags" field: [{"flag", "message", "to"?}] (null without health).
check   what to run after a publisher's redesign: fetches each enabled source (--all, the default), or the
        sources named (enabled or not), once through the hardened fetcher, parses it and prints one line per
        source: items found, newest item date, summary coverage (share of items whose summary has at least
        ingest.summaryMinChars characters, 150 by default), fetch and parse times, a permanent redirect, and
        errors. A source is broken — FAIL, exit 1 — when the fetch or parse fails (HTTP_404, NOT_A_FEED, …),
        when a feed source serves an HTML page, when the body has no items (EMPTY_LISTING) or when every item
        is dated today (DATES_ALL_FETCH_DAY). --json prints one report object per line.
        --allow-private lets this run reach private and loopback addresses (as GEOINTEL_FETCH_ALLOW_PRIVATE).
export  the registry as OPML 2.0 on stdout, for any feed reader (Feedly, Inoreader, Miniflux): feeds as
        type="rss" outlines with xmlUrl and htmlUrl, HTML listing pages and GeoJSON lists as type="link"
        outlines (readers skip them); every outline carries its whole registry entry (geointel:entry), so
        importing the file into an empty registry gives the same registry back. --enabled: only the enabled
        sources.
import  reads a feed reader's OPML export (FILE, or - for stdin; at most 4 MiB, read by the same hardened
        XML reader as feeds: entity declarations and deep nesting are refused) and maps every feed outline
        onto a registry entry. Nothing changes by default: the new entries are printed on stdout as a
        sources.yaml document to review. --write appends them to config/sources.yaml (GEOINTEL_CONFIG_DIR)
        instead, keeping the file's comments, after checking the result against the registry schema.
        New entries are disabled (enabled: false, confidence: D): run \`geointel sources check ID\`, then
        enable them. A host the registry knows lends its entry's names, time zone and language (the outline
        "modelled on" it); a URL the registry already polls is reported KNOWN. Every outline that cannot be
        used is reported on stderr as a JSON line {"level":"warn","code","outline","where","message"} with
        code NO_XML_URL, NOT_A_FEED_OUTLINE, UNSUPPORTED_SCHEME (javascript:, data:, file:), BAD_URL,
        DUPLICATE or BAD_ENTRY; the others are still imported and the exit code is then 1. A refused file
        (not OPML, too large, too deep, entities) exits 1 without output. --json prints
        {"entries", "outcomes"} instead of YAML.

Health flags (list --json "flags", /metrics geointel_source_flag{source,flag} 0/1):
  silent               no new item for longer than the expected cadence: the window of the entry's
                       expect.per, else pollEvery × 96 and at least 7 days
  empty-listing        the last body fetched (feed or listing page) had no items
  dates-all-fetch-day  every item of the last body (3 or more) was dated the fetch day: a scraper reading
                       the wrong element? (never for event feeds)
  moved                3 fetches in a row permanently redirected (301/308) to one URL: "to" is the new url
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

function flagsOf(source: SourceEntry, state: SourceState | undefined, nowMs: number): HealthFlag[] | null {
  if (!state || state.health.fetches === 0) return null;
  return healthFlags(source, state.health, nowMs);
}

/** `sources list --json`: the registry entries, each with its stored counters and flags (null without). */
export function listJson(
  sources: readonly SourceEntry[],
  health: Record<string, SourceState> | null,
  nowMs: number,
): Array<SourceEntry & { health: SourceState['health'] | null; flags: HealthFlag[] | null }> {
  return sources.map((s) => ({
    ...s,
    health: health?.[s.id]?.health ?? null,
    flags: health ? flagsOf(s, health[s.id], nowMs) : null,
  }));
}

/** `sources list`: one row per entry; HEALTH and FLAGS columns when the runtime's counters could be read. */
export function listText(
  sources: readonly SourceEntry[],
  health: Record<string, SourceState> | null,
  nowMs: number,
): string {
  const rows = sources.map((s) => {
    const flags = health ? flagsOf(s, health[s.id], nowMs) : null;
    const moved = flags?.find((f) => f.flag === 'moved')?.to;
    return [
      s.id,
      s.enabled ? 'on' : 'off',
      s.kind,
      s.publishes,
      s.language ?? '-',
      s.pollEvery,
      s.confidence ?? '-',
      ...(health ? [healthCell(health[s.id]), flags?.length ? flags.map((f) => f.flag).join(',') : '-'] : []),
      moved ? `${s.url} → ${moved}` : s.url,
    ];
  });
  const head = [
    'ID',
    'ENABLED',
    'KIND',
    'PUBLISHES',
    'LANG',
    'EVERY',
    'CONF',
    ...(health ? ['HEALTH', 'FLAGS'] : []),
    'URL',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[fmt(head), ...rows.map(fmt)].join('\n')}\n`;
}

async function runList(json: boolean, io: CommandIO, nowMs: number): Promise<number> {
  const cfg = loadConfig({ env: io.env });
  const health = await storedHealth(cfg);
  if (json) io.stdout.write(`${JSON.stringify(listJson(cfg.sources, health, nowMs), null, 2)}\n`);
  else io.stdout.write(listText(cfg.sources, health, nowMs));
  return 0;
}

async function runCheck(
  ids: string[],
  flags: { all: boolean; allowPrivate: boolean; json: boolean },
  io: CommandIO,
  internals: CheckInternals,
): Promise<number> {
  if (flags.all && ids.length) throw new GeoError('USAGE', 'give source ids or --all, not both');
  const cfg = loadConfig({ env: io.env });
  const targets = ids.length
    ? ids.map((id) => {
        const s = cfg.sources.find((x) => x.id === id);
        if (!s) throw new GeoError('USAGE', `no source "${id}" in ${cfg.dir}/sources.yaml`);
        return s;
      })
    : cfg.sources.filter((s) => s.enabled);
  const reports = await checkSources(cfg, targets, {
    allowPrivate: flags.allowPrivate,
    internals,
    onReport: (r) => (flags.json ? writeJsonLine(io.stdout, r) : io.stdout.write(checkLine(r))),
  });
  return reports.some((r) => !r.ok) ? 1 : 0;
}

function runExport(enabledOnly: boolean, io: CommandIO, now: Date): number {
  const cfg = loadConfig({ env: io.env });
  const sources = enabledOnly ? cfg.sources.filter((s) => s.enabled) : cfg.sources;
  io.stdout.write(exportOpml(sources, { dateCreated: now }));
  return 0;
}

async function readInput(file: string, io: CommandIO): Promise<Uint8Array> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of io.stdin) {
      const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
      size += b.length;
      // One byte past the cap is enough for readOpml to refuse with its message.
      if (size > MAX_OPML_BYTES) return new Uint8Array(MAX_OPML_BYTES + 1);
      chunks.push(b);
    }
    return Buffer.concat(chunks);
  }
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw new GeoError('USAGE', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  // Refused before reading: a 10 MB "OPML" is not a reading list.
  if (size > MAX_OPML_BYTES) return new Uint8Array(MAX_OPML_BYTES + 1);
  return readFileSync(file);
}

/** The YAML of new entries as an item list indented like the file's own entries. */
function entriesBlock(entries: readonly SourceEntry[], indent: string, comment: string): string {
  const yaml = stringify(entries.map(compactEntry), { lineWidth: 0 });
  const lines = [`# ${comment}`, ...yaml.trimEnd().split('\n')];
  return `${lines.map((l) => indent + l).join('\n')}\n`;
}

/** JSON with object keys sorted: equal for equal values, whatever order the keys were made in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * Appends `entries` to the registry file, keeping its text (comments, order) as it is, after checking that
 * the result reads back as the old registry plus the new entries; written to a temporary file and renamed.
 */
function appendToRegistry(cfg: Config, entries: readonly SourceEntry[], comment: string): string {
  const file = join(cfg.dir, 'sources.yaml');
  const text = readFileSync(file, 'utf8');
  const indent = /^( *)- +id:/m.exec(text)?.[1] ?? '  ';
  const next = `${text.endsWith('\n') ? text : `${text}\n`}${entriesBlock(entries, indent, comment)}`;
  let data: unknown;
  try {
    data = parseYaml(next);
  } catch {
    data = undefined;
  }
  const parsed = SourcesFileSchema.safeParse(data);
  const expected = [...cfg.sources, ...entries];
  if (!parsed.success || canonical(parsed.data.sources) !== canonical(expected))
    throw new GeoError(
      'CONFIG_INVALID',
      `${file}: appending would not give the registry plus the new entries${
        parsed.success ? '' : ` (${parsed.error.issues[0]?.message})`
      }; nothing written — run without --write and paste the entries by hand`,
    );
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, next);
  renameSync(tmp, file);
  return file;
}

async function runImport(
  file: string | undefined,
  flags: { write: boolean; json: boolean },
  io: CommandIO,
  now: Date,
): Promise<number> {
  if (!file) throw new GeoError('USAGE', 'expected an OPML file (or - for stdin)');
  const cfg = loadConfig({ env: io.env });
  const result: OpmlImport = importOpml(readOpml(await readInput(file, io)), cfg.sources);
  for (const o of result.outcomes)
    if (o.status !== 'new')
      reportLine(io, {
        ...(o.status === 'known' ? { level: 'info' } : {}),
        code: o.code,
        outline: o.outline,
        where: o.where,
        ...(o.id ? { id: o.id } : {}),
        message: o.message,
      });
  const skipped = result.outcomes.filter((o) => o.status === 'skipped').length;
  const known = result.outcomes.filter((o) => o.status === 'known').length;
  const name = file === '-' ? 'stdin' : basename(file);
  const summary = `${result.entries.length} new registry entr${result.entries.length === 1 ? 'y' : 'ies'} from ${name} (${known} already in the registry, ${skipped} skipped: see stderr)`;
  if (flags.write) {
    if (result.entries.length > 0) {
      const day = now.toISOString().slice(0, 10);
      const written = appendToRegistry(
        cfg,
        result.entries,
        `imported from ${name} on ${day}: disabled until \`geointel sources check ID\` passes`,
      );
      reportLine(io, {
        level: 'info',
        code: 'WRITTEN',
        file: written,
        ids: result.entries.map((e) => e.id),
        message: `appended ${result.entries.length} entr${result.entries.length === 1 ? 'y' : 'ies'} to ${written}`,
      });
    }
    if (flags.json) writeJsonLine(io.stdout, { entries: result.entries, outcomes: result.outcomes });
    else io.stdout.write(`# ${summary}${result.entries.length ? ', appended' : ''}\n`);
  } else if (flags.json) writeJsonLine(io.stdout, { entries: result.entries, outcomes: result.outcomes });
  else {
    io.stdout.write(
      `# ${summary}.\n# Review, then append them under \`sources:\` in config/sources.yaml, or run again with --write.\n`,
    );
    if (result.entries.length)
      io.stdout.write(stringify({ sources: result.entries.map(compactEntry) }, { lineWidth: 0 }));
  }
  return skipped > 0 ? 1 : 0;
}

/**
 * `geointel sources …`. `internals` are test seams of `check` (resolver, URL rewrite, clock), never set from
 * the command line.
 */
export async function runSources(
  args: string[],
  io: CommandIO,
  internals: CheckInternals = {},
): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    json: { type: 'boolean' },
    'allow-private': { type: 'boolean' },
    all: { type: 'boolean' },
    enabled: { type: 'boolean' },
    write: { type: 'boolean' },
  });
  const [sub, ...rest] = positionals;
  const now = (internals.now ?? Date.now)();
  const only = (allowed: string[]) => {
    for (const k of ['json', 'allow-private', 'all', 'enabled', 'write'])
      if (values[k as keyof typeof values] && !allowed.includes(k))
        throw new GeoError('USAGE', `--${k} does not apply to "sources ${sub}"`);
  };
  if (sub === 'list') {
    only(['json']);
    if (rest.length) throw new GeoError('USAGE', `unexpected argument "${rest[0]}"`);
    return runList(Boolean(values.json), io, now);
  }
  if (sub === 'check') {
    only(['json', 'allow-private', 'all']);
    return runCheck(
      rest,
      {
        all: Boolean(values.all),
        allowPrivate: Boolean(values['allow-private']),
        json: Boolean(values.json),
      },
      io,
      internals,
    );
  }
  if (sub === 'export') {
    only(['enabled']);
    if (rest.length) throw new GeoError('USAGE', `unexpected argument "${rest[0]}"`);
    return runExport(Boolean(values.enabled), io, new Date(now));
  }
  if (sub === 'import') {
    only(['write', 'json']);
    if (rest.length > 1) throw new GeoError('USAGE', `unexpected argument "${rest[1]}"`);
    return runImport(
      rest[0],
      { write: Boolean(values.write), json: Boolean(values.json) },
      io,
      new Date(now),
    );
  }
  throw new GeoError(
    'USAGE',
    sub ? `unknown subcommand "${sub}"` : 'expected "list", "check", "export" or "import"',
  );
}

export const command: Command = {
  name: 'sources',
  help: HELP,
  run: (args, io) => runSources(args, io),
};
