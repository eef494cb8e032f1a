/**
 * A private redis-server child for tests that kill, restart or fill Redis — things never done to the shared
 * Redis on 6379. Each child gets a free TCP port on 127.0.0.1 and its own temp folder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pingRedis } from '../../src/runtime/embedded-redis.js';

export interface StartRedisOptions {
  /** `--appendonly yes|no`. @defaultValue true */
  aof?: boolean;
  /** `--maxmemory`, e.g. '2mb'. @defaultValue unlimited */
  maxmemory?: string;
  /** `--maxmemory-policy`. @defaultValue 'noeviction' */
  policy?: string;
  /** Data folder; kept by stop(). @defaultValue a new temp folder, removed by stop() */
  dir?: string;
  extraArgs?: string[];
}

export interface RedisChild {
  port: number;
  /** `redis://127.0.0.1:<port>` */
  url: string;
  dir: string;
  /** Pid of the current process (changes on restart). */
  readonly pid: number;
  /** Sends `signal` and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port and folder (after kill) and waits for PING. */
  restart(): Promise<void>;
  /** Kills the server, disconnects the clients made by client() and removes the temp folder. */
  stop(): Promise<void>;
  /** A new ioredis client (with an error listener, so restarts do not throw unhandled 'error' events). */
  client(): Redis;
}

const READY_TIMEOUT_MS = 15_000;
const live = new Set<ChildProcess>();
let exitHook = false;

/** SIGKILL every child still running when the test process exits (a failed test must not leak servers). */
function registerExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

/** A port the kernel says is free: bind port 0, read it, release it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;

function waitExit(c: ChildProcess): Promise<void> {
  return exited(c) ? Promise.resolve() : new Promise((r) => c.once('exit', () => r()));
}

/** Spawns redis-server and waits for +PONG; fails fast with its output when it exits or never answers. */
async function launch(args: string[], port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const collect = (d: Buffer) => {
    out = (out + d.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let spawnError: Error | undefined;
  child.on('error', (err) => {
    spawnError = err;
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const why = spawnError
      ? `could not start: ${spawnError.message}`
      : exited(child)
        ? `exited (${child.exitCode ?? child.signalCode})`
        : Date.now() > deadline
          ? `did not answer PING within ${READY_TIMEOUT_MS} ms`
          : null;
    if (why) {
      child.kill('SIGKILL');
      throw new Error(`redis-server on port ${port} ${why}; args: ${args.join(' ')}\noutput:\n${out}`);
    }
    if ((await pingRedis({ host: '127.0.0.1', port }, 500)) === 'pong') return child;
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisChild> {
  registerExitHook();
  const dir = opts.dir ?? mkdtempSync(join(os.tmpdir(), 'geointel-redis-'));
  const argsFor = (port: number) => [
    ...['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', ''],
    ...['--appendonly', opts.aof === false ? 'no' : 'yes', '--appendfsync', 'everysec'],
    ...['--maxmemory-policy', opts.policy ?? 'noeviction', '--daemonize', 'no'],
    ...(opts.maxmemory ? ['--maxmemory', opts.maxmemory] : []),
    ...(opts.extraArgs ?? []),
  ];
  // The port can be taken between freePort() and redis binding it: try a few.
  let port = 0;
  let child: ChildProcess | undefined;
  for (let attempt = 0; !child; attempt++) {
    port = await freePort();
    try {
      child = await launch(argsFor(port), port);
    } catch (err) {
      if (attempt >= 2 || !/in use/i.test(String(err))) {
        if (!opts.dir) rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  const clients: Redis[] = [];
  let current = child;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get pid() {
      return current.pid!;
    },
    async kill(signal = 'SIGKILL') {
      if (!exited(current)) current.kill(signal);
      await waitExit(current);
    },
    async restart() {
      if (!exited(current)) throw new Error(`redis-server ${current.pid} is still running; kill() it first`);
      current = await launch(argsFor(port), port);
    },
    async stop() {
      for (const c of clients.splice(0)) c.disconnect();
      if (!exited(current)) current.kill('SIGKILL');
      await waitExit(current);
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
    client() {
      const c = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 3 });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
  };
}
