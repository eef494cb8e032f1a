import { fileURLToPath } from 'node:url';
import { type ApiServer, startApi } from '../../api/server.js';
import type { Config } from '../../config/load.js';
import { loadConfig } from '../../config/load.js';
import { demoSources, startCaptureServer } from '../../demo/capture-server.js';
import { GeoError } from '../../errors.js';
import { digestDateAt } from '../../pipeline/digest/zoned.js';
import { ROLES } from '../../runtime/queues.js';
import { openRuntime, type Runtime } from '../../runtime/runtime.js';
import { type Command, parseFlags } from '../command.js';
import { chooseRedis, commandLogger, exitSoon, untilSignal } from '../serve.js';

const HELP = `Usage: geointel demo [--for SECONDS] [--rotate-every SECONDS] [--poll-every SECONDS]

\`geointel run\` against the recorded real feeds of tests/fixtures/feeds (Phys.org, ScienceDaily, GDACS,
NRCan, USGS, journal captures), served over HTTP on 127.0.0.1 with ETag/Last-Modified. Successive captures
of the same feed rotate in, so updates, 304s and duplicates arrive as they do live. Works with no internet.

  --for S           stop after S seconds (default: run until Ctrl-C)
  --rotate-every S  serve the next capture of one feed every S seconds (default 20)
  --poll-every S    poll every demo source every S seconds (default 10)

Only the capture server is allow-listed for the fetcher (127.0.0.1/32). The captures date from 2018–2025,
so the demo widens the intake window (ingest.maxItemAgeDays) to 36500 days instead of dropping them, and
fetches no article pages (they are on the agencies' sites, not in the captures). Its
Redis keys live under the prefix <GEOINTEL_PREFIX>-demo, apart from real data. Redis: REDIS_URL, else the
redis-server \`geointel run\` supervises (started here when none runs).`;

const FEEDS_ROOT = fileURLToPath(new URL('../../../tests/fixtures/feeds/', import.meta.url));

function seconds(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new GeoError('USAGE', `--${name} must be a positive number of seconds`);
  return n;
}

/** The configuration of a demo run: the served sources only, the widened window, the demo prefix. */
export function demoConfig(config: Config, sources: Config['sources']): Config {
  return {
    ...config,
    // Article pages live on the agencies' sites, not in the captures: the demo reads none.
    sources: sources.map((s) => ({ ...s, article: { ...s.article, enabled: false } })),
    app: {
      ...config.app,
      redis: { ...config.app.redis, prefix: `${config.app.redis.prefix}-demo` },
      ingest: { ...config.app.ingest, maxItemAgeDays: 36_500 },
      fetch: { ...config.app.fetch, allowPrivate: ['127.0.0.1/32'] },
    },
  };
}

async function summary(runtime: Runtime): Promise<string> {
  const k = runtime.keys;
  const [all, ...topics] = await Promise.all(
    ['all', ...runtime.config.topics.topics.map((t) => t.id)].map((t) => runtime.redis.xlen(k.stream(t))),
  );
  const states = Object.values(await runtime.stores.sources.all());
  const fetches = states.reduce((n, s) => n + s.health.fetches, 0);
  const notModified = states.reduce((n, s) => n + s.health.notModified, 0);
  return `fetches ${fetches} (304: ${notModified}) · stream:all ${all} · topics ${topics.join('/')}`;
}

export const command: Command = {
  name: 'demo',
  help: HELP,
  async run(args, io) {
    const { values } = parseFlags(
      args,
      { for: { type: 'string' }, 'rotate-every': { type: 'string' }, 'poll-every': { type: 'string' } },
      false,
    );
    const runFor = values.for === undefined ? undefined : seconds(values.for, 'for', 0);
    const rotate = seconds(values['rotate-every'], 'rotate-every', 20);
    const poll = seconds(values['poll-every'], 'poll-every', 10);
    const base = loadConfig({ env: io.env });
    const log = commandLogger(io.env, 'demo');
    const stopped = untilSignal(log);
    const server = await startCaptureServer({ root: FEEDS_ROOT, rotateEveryMs: rotate * 1000 });
    const config = demoConfig(base, demoSources(server, base.sources, `${Math.max(1, Math.round(poll))}s`));
    const { target, embedded } = await chooseRedis(config, log, true);
    let runtime: Runtime | undefined;
    let api: ApiServer | undefined;
    try {
      runtime = await openRuntime({
        config,
        log,
        redis: target,
        roles: ROLES,
        metricsPort: null,
      });
      api = await startApi({ runtime, log, port: config.app.http.port, host: config.app.http.host });
      const socket = 'path' in target ? `-s ${target.path}` : `-u ${target.url}`;
      const out = io.stdout;
      out.write(`geointel demo: ${config.sources.length} recorded feeds served at ${server.origin}; the next capture of one feed every ${rotate} s, polls every ${poll} s
  intake window widened to 36500 days (the captures date from 2018–2025)
  Redis: ${embedded?.display ?? ('url' in target ? 'REDIS_URL' : target.path)}, keys under ${runtime.keys.prefix}:
  look at:
    redis-cli ${socket} XRANGE ${runtime.keys.stream('all')} - + COUNT 3
    redis-cli ${socket} XLEN ${runtime.keys.stream('energy-minerals')}
    curl -s http://127.0.0.1:${api.port}/metrics | grep geointel_items_total
    GEOINTEL_PREFIX=${runtime.keys.prefix} npx geointel token create --name me --role editor
    curl -H 'Authorization: Bearer <token>' http://127.0.0.1:${api.port}/v1/records?topic=energy-minerals
    http://127.0.0.1:${api.port}/  (pages: sign in with that token — dashboard, editor queue, digest builder)
  digests: undated items land in the edition of ${digestDateAt(Date.now(), config.app.digest.timeZone, config.app.digest.cutoffHour)} (/v1/digests/<date>), dated ones in their own day's
`);
      const progress = setInterval(() => {
        summary(runtime!)
          .then((line) =>
            out.write(io.stdout === process.stdout && process.stdout.isTTY ? `\r${line}  ` : `${line}\n`),
          )
          .catch(() => undefined);
      }, 5_000);
      progress.unref();
      const stop =
        runFor === undefined
          ? stopped
          : Promise.race([stopped, new Promise((r) => setTimeout(r, runFor * 1000))]);
      await stop;
      clearInterval(progress);
      out.write(`\n${await summary(runtime)}\n`);
    } finally {
      await api?.close();
      await runtime?.close();
      await server.close();
      await embedded?.stop();
    }
    return exitSoon(0);
  },
};
