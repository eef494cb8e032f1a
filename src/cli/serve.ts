/**
 * What the long-running commands (`run`, `worker`, `api`, `demo`) share: where Redis is, a logger, and a
 * clean stop on SIGINT/SIGTERM (stop taking jobs, finish or hand back in-flight ones, close connections).
 */

import pinoPretty from 'pino-pretty';
import { type ApiServer, startApi } from '../api/server.js';
import { type Config, loadConfig } from '../config/load.js';
import { GeoError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { type EmbeddedRedis, findLocalRedis, startEmbeddedRedis } from '../runtime/embedded-redis.js';
import type { RedisTarget } from '../runtime/redis.js';
import type { Runtime } from '../runtime/runtime.js';

export interface RedisChoice {
  target: RedisTarget;
  embedded?: EmbeddedRedis;
}

/**
 * REDIS_URL when set; else the redis-server a `geointel run` supervises in `redis.dataDir`; else, when
 * `start` is true, start and supervise one there. Otherwise a USAGE error naming both ways.
 */
export async function chooseRedis(config: Config, log: Logger, start: boolean): Promise<RedisChoice> {
  if (config.app.redis.url) return { target: { url: config.app.redis.url } };
  const dataDir = config.app.redis.dataDir;
  const socket = await findLocalRedis(dataDir);
  if (socket) return { target: { path: socket } };
  if (!start)
    throw new GeoError(
      'USAGE',
      `no Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379), or start \`geointel run\` (it supervises a redis-server in ${dataDir})`,
    );
  const embedded = await startEmbeddedRedis({ dataDir, log: log.child({ role: 'redis' }) });
  return { target: embedded.connection, embedded };
}

/**
 * The root logger of a long-running command: JSON lines on stderr, or pino-pretty's readable lines when
 * stderr is a terminal (LOG_FORMAT=json keeps JSON there too). LOG_LEVEL sets the level (default info).
 */
export function commandLogger(env: Record<string, string | undefined>, role: string): Logger {
  const pretty = process.stderr.isTTY && env.LOG_FORMAT !== 'json';
  return createLogger({
    level: env.LOG_LEVEL ?? 'info',
    base: { role },
    ...(pretty
      ? { destination: pinoPretty({ destination: 2, sync: true, colorize: true, ignore: 'service' }) }
      : {}),
  });
}

/**
 * On a terminal, one line rewritten in place while the first intake runs: sources fetched at least once of
 * those enabled, records streamed, jobs waiting. Stops by itself once every source has been fetched.
 */
export function intakeProgress(runtime: Runtime, out: NodeJS.WriteStream): () => void {
  if (!out.isTTY) return () => undefined;
  const timer = setInterval(() => {
    void (async () => {
      const enabled = runtime
        .sources()
        .filter((s) => s.enabled)
        .map((s) => s.id);
      const states = await runtime.stores.sources.all();
      const done = enabled.filter((id) => (states[id]?.health.fetches ?? 0) > 0).length;
      const streamed = await runtime.redis.xlen(runtime.keys.stream('all'));
      const waiting = await runtime.queues.process.getWaitingCount();
      out.write(
        `\rfirst intake: ${done}/${enabled.length} sources fetched · ${streamed} records streamed · ${waiting} documents waiting  `,
      );
      if (done === enabled.length) {
        out.write('\n');
        clearInterval(timer);
      }
    })().catch(() => undefined);
  }, 1_000);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * After a long-running command closed everything it owns, a forced close may leave an in-flight fetch's socket
 * behind (its job was handed back to the queue): exit within 2 s even then. The timer does not itself keep
 * the process alive, so a clean close exits at once.
 */
export function exitSoon(code: number): number {
  setTimeout(() => process.exit(code), 2_000).unref();
  return code;
}

/**
 * How every long-running command begins: the configuration, its logger, a signal listener registered before
 * anything starts (a signal during start-up then stops the process cleanly once it is up), and Redis.
 */
export async function beginServing(
  env: Record<string, string | undefined>,
  role: string,
  startRedis: boolean,
) {
  const config = loadConfig({ env });
  const log = commandLogger(env, role);
  const stopped = untilSignal(log);
  return { config, log, stopped, ...(await chooseRedis(config, log, startRedis)) };
}

/** The API on PORT over an open runtime; the runtime is closed when the API cannot start. */
export async function serveApi(runtime: Runtime, log: Logger): Promise<ApiServer> {
  const { port, host } = runtime.config.app.http;
  try {
    return await startApi({ runtime, log, port, host });
  } catch (err) {
    await runtime.close();
    throw err;
  }
}

/** Resolves when SIGINT or SIGTERM arrives (once); a second signal exits at once. */
export function untilSignal(log: Logger): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (sig: string) => {
      log.info({ signal: sig }, 'stopping: finishing in-flight jobs');
      process.removeAllListeners('SIGINT');
      process.removeAllListeners('SIGTERM');
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(sig);
    };
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
  });
}
