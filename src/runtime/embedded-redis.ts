/**
 * `geointel run` without REDIS_URL: start, supervise and stop a private redis-server that listens only on a
 * unix socket in the data folder (no TCP port, so nothing else on the machine or network can reach it), with
 * AOF on and `noeviction`, which BullMQ needs. Other commands find it through {@link findLocalRedis}.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { GeoError } from '../errors.js';
import type { Logger } from '../log.js';

export interface EmbeddedRedisOptions {
  /** Folder for the socket, the AOF files and the lock. @defaultValue ./data/redis */
  dataDir?: string;
  log: Logger;
  /** The redis-server binary (a name on PATH or a path). @defaultValue redis-server */
  redisServer?: string;
  /** How long a (re)started server may take to answer PING; loading a large AOF takes a while. @defaultValue 30000 */
  startTimeoutMs?: number;
}

export interface EmbeddedRedis {
  /** The socket path: ioredis reads a string starting with `/` as a unix socket (`new Redis(url)`). */
  url: string;
  /** ioredis / BullMQ connection options. */
  connection: { path: string };
  /** For logs and humans: `unix://<socket>`. */
  display: string;
  /** False when another `geointel run` already supervises a Redis in this folder and we only reuse it. */
  owned: boolean;
  /** Pid of the current redis-server child; undefined when not owned (or between restarts). */
  readonly pid: number | undefined;
  /** Owned: SIGTERM (Redis fsyncs the AOF and removes the socket) and wait for exit. Reused: nothing. */
  stop(): Promise<void>;
}

/** sun_path holds 108 bytes on Linux and 104 on macOS, NUL included. */
const MAX_SOCKET_PATH = 103;
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 30_000;
/** A child that served this long before dying starts the backoff from scratch. */
const STABLE_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const OUTPUT_TAIL = 4000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One inline `PING` on a raw socket (no client library, no reconnect loop): `'pong'`, `'loading'` (alive but
 * still reading its AOF) or null when nothing usable answers within `timeoutMs`.
 */
export function pingRedis(target: net.NetConnectOpts, timeoutMs = 1000): Promise<'pong' | 'loading' | null> {
  return new Promise((done) => {
    let buf = '';
    let settled = false;
    const sock = net.connect(target);
    const finish = (v: 'pong' | 'loading' | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      done(v);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d: string) => {
      buf += d;
      if (!buf.includes('\r\n')) return;
      finish(buf.startsWith('+PONG') ? 'pong' : buf.startsWith('-LOADING') ? 'loading' : null);
    });
    sock.on('error', () => finish(null));
    sock.on('close', () => finish(null));
  });
}

function socketPath(dataDir: string): string {
  const path = join(resolve(dataDir), 'redis.sock');
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH)
    throw new GeoError(
      'CONFIG_INVALID',
      `redis.dataDir: the socket path ${path} is longer than ${MAX_SOCKET_PATH} bytes (the unix socket limit); use a shorter folder`,
    );
  return path;
}

/**
 * What every command other than `run` calls when REDIS_URL is unset: the socket of the Redis a `geointel run`
 * supervises in `dataDir`, when it exists and answers PING; else null.
 */
export async function findLocalRedis(dataDir = './data/redis'): Promise<string | null> {
  const path = socketPath(dataDir);
  if (!existsSync(path)) return null;
  return (await pingRedis({ path })) ? path : null;
}

function notFound(bin: string, err: NodeJS.ErrnoException): GeoError {
  return new GeoError(
    'REDIS_NOT_FOUND',
    `redis-server not found ("${bin}": ${err.code}). With REDIS_URL unset, geointel run starts its own Redis and ` +
      'needs the redis-server binary: apt-get install redis-server (Debian/Ubuntu) or brew install redis ' +
      '(Homebrew). Or run one with `docker compose up redis` and then set REDIS_URL=redis://127.0.0.1:6379.',
    { cause: err, details: { redisServer: bin } },
  );
}

/** Resolves once the process exists; spawn reports a missing binary asynchronously, as an 'error' event. */
function spawnChild(bin: string, args: string[]): Promise<ChildProcess> {
  return new Promise((ok, fail) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.once('spawn', () => {
      child.on('error', () => undefined); // later errors (a failed kill) must not crash the process
      ok(child);
    });
    child.once('error', (err: NodeJS.ErrnoException) =>
      fail(err.code === 'ENOENT' || err.code === 'EACCES' ? notFound(bin, err) : err),
    );
  });
}

const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;

function waitExit(c: ChildProcess, ms: number): Promise<boolean> {
  if (exited(c)) return Promise.resolve(true);
  return new Promise((ok) => {
    const timer = setTimeout(() => ok(false), ms);
    c.once('exit', () => {
      clearTimeout(timer);
      ok(true);
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The supervisor lock: a file holding the pid of the process that owns the Redis of this folder. It stops two
 * `geointel run` started at the same moment from both spawning a server on the same AOF (the second one
 * would unlink the first's socket). Returns null when we got it, else the live holder's pid.
 */
function takeLock(file: string): number | null {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
    if (holder > 0 && isAlive(holder)) return holder;
    try {
      unlinkSync(file); // left by a supervisor that died without stop()
    } catch {}
  }
  throw new GeoError('INTERNAL', `could not take the lock ${file}`);
}

async function waitForPong(path: string, deadline: number, child?: ChildProcess, tail?: () => string) {
  while (Date.now() < deadline) {
    if (child && exited(child))
      throw new GeoError(
        'REDIS_UNAVAILABLE',
        `redis-server exited (${child.exitCode ?? child.signalCode}) before answering on ${path}:\n${tail?.() ?? ''}`,
      );
    if ((await pingRedis({ path }, 500)) === 'pong') return;
    await sleep(50);
  }
  throw new GeoError('REDIS_UNAVAILABLE', `no Redis answered PING on ${path} in time:\n${tail?.() ?? ''}`);
}

/** Starts (or reuses) the Redis of `dataDir`; see the module comment. */
export async function startEmbeddedRedis(opts: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const dataDir = resolve(opts.dataDir ?? './data/redis');
  const bin = opts.redisServer ?? 'redis-server';
  const startTimeoutMs = opts.startTimeoutMs ?? 30_000;
  const log = opts.log.child({ role: 'redis' });
  const path = socketPath(dataDir);
  const lockFile = join(dataDir, 'supervisor.pid');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dataDir, 'address'), `${path}\n`);

  const reused = (): EmbeddedRedis => {
    log.info({ socket: path }, 'reusing the Redis another geointel run supervises');
    return {
      url: path,
      connection: { path },
      display: `unix://${path}`,
      owned: false,
      pid: undefined,
      stop: async () => {},
    };
  };
  if (await pingRedis({ path })) return reused();
  const holder = takeLock(lockFile);
  if (holder !== null) {
    // Another supervisor is starting or restarting its server: wait for it rather than start a second one.
    await waitForPong(path, Date.now() + startTimeoutMs).catch(() => {
      throw new GeoError(
        'REDIS_UNAVAILABLE',
        `process ${holder} holds ${lockFile} but no Redis answers on ${path}; stop it or delete the file`,
      );
    });
    return reused();
  }

  // --port 0: no TCP listener at all. --save '': AOF is the persistence; no RDB snapshots besides it.
  const args = [
    ...['--port', '0', '--unixsocket', path, '--unixsocketperm', '700', '--dir', dataDir],
    ...['--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--save', ''],
  ];
  let child: ChildProcess | undefined;
  let stopping = false;
  let attempt = 0;
  let readyAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let spawning: Promise<ChildProcess> | undefined;
  let tail = '';

  const launch = async (): Promise<void> => {
    spawning = spawnChild(bin, args).then((c) => {
      child = c;
      return c;
    });
    const c = await spawning;
    tail = '';
    const collect = (d: Buffer) => {
      const text = d.toString('utf8');
      tail = (tail + text).slice(-OUTPUT_TAIL);
      for (const line of text.split('\n')) if (line.trim()) log.debug({ pid: c.pid }, line.trim());
    };
    c.stdout?.on('data', collect);
    c.stderr?.on('data', collect);
    c.once('exit', (code, signal) => onExit(c, code, signal));
    try {
      await waitForPong(path, Date.now() + startTimeoutMs, c, () => tail);
    } catch (err) {
      c.kill('SIGKILL'); // hung (not answering): its exit event drives the restart, if supervising
      throw err;
    }
    readyAt = Date.now();
    log.info({ pid: c.pid, socket: path }, 'redis-server ready');
  };

  const scheduleRestart = (why: Record<string, unknown>) => {
    if (timer) return; // one restart pending at a time (a child dying mid-restart reports twice)
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt++);
    log.warn({ ...why, restartInMs: delay }, 'redis-server died; restarting');
    timer = setTimeout(() => {
      timer = undefined;
      launch().catch((err: unknown) => {
        log.error({ err }, 'redis-server restart failed');
        // A spawn that failed leaves no child whose exit would schedule the next attempt.
        if (!stopping && (!child || exited(child))) scheduleRestart({ reason: 'restart failed' });
      });
    }, delay);
  };

  function onExit(c: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (stopping || c !== child || readyAt === 0) return; // during the first start the caller sees the error
    if (Date.now() - readyAt >= STABLE_MS) attempt = 0;
    scheduleRestart({ pid: c.pid, code, signal });
  }

  const onProcessExit = () => {
    if (child && !exited(child)) child.kill('SIGTERM'); // Redis still flushes its AOF after we are gone
    try {
      unlinkSync(lockFile);
    } catch {}
  };

  try {
    await launch();
  } catch (err) {
    stopping = true;
    if (child) await waitExit(child, STOP_TIMEOUT_MS);
    onProcessExit();
    throw err;
  }
  process.on('exit', onProcessExit);

  return {
    url: path,
    connection: { path },
    display: `unix://${path}`,
    owned: true,
    get pid() {
      return child && !exited(child) ? child.pid : undefined;
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      clearTimeout(timer);
      await spawning?.catch(() => undefined); // a restart in flight: stop the child it is creating
      const c = child;
      // SIGTERM, not SHUTDOWN NOSAVE: Redis fsyncs the AOF on the way out.
      if (c && !exited(c)) {
        c.kill('SIGTERM');
        if (!(await waitExit(c, STOP_TIMEOUT_MS))) {
          log.warn({ pid: c.pid }, 'redis-server ignored SIGTERM; killing');
          c.kill('SIGKILL');
          await waitExit(c, STOP_TIMEOUT_MS);
        }
      }
      process.off('exit', onProcessExit);
      onProcessExit();
      log.info({ socket: path }, 'redis-server stopped');
    },
  };
}
