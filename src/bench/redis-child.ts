/**
 * A private redis-server for one bench: a child process on a free loopback port with persistence off
 * (`--save ''`, `--appendonly no`: the benches measure CPU, not disk), killed at the end. Benches never touch
 * a shared Redis. Also the few INFO readings the benches report (memory, CPU, command counts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pingRedis } from '../runtime/embedded-redis.js';

export interface RedisChild {
  port: number;
  /** `redis://127.0.0.1:<port>` */
  url: string;
  pid: number;
  /** A new plain client (the caller quits it). */
  client(): Redis;
  /** SIGTERM, then SIGKILL after 5 s; removes its scratch folder. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

async function startOnce(port: number, dir: string, extra: readonly string[]): Promise<ChildProcess> {
  const args = [
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
    ...['--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--loglevel', 'warning'],
    ...extra,
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const collect = (d: Buffer) => {
    tail = (tail + d.toString('utf8')).slice(-2000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  await new Promise<void>((ok, fail) => {
    child.once('spawn', () => ok());
    child.once('error', fail);
  });
  child.on('error', () => undefined);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (exited(child)) throw new Error(`redis-server exited (${child.exitCode}) on port ${port}: ${tail}`);
    if ((await pingRedis({ host: '127.0.0.1', port }, 500)) === 'pong') return child;
    await sleep(25);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer PING in 10 s: ${tail}`);
}

/** Starts a private redis-server (`extra`: more command-line settings). */
export async function startRedisChild(extra: readonly string[] = []): Promise<RedisChild> {
  const dir = mkdtempSync(join(tmpdir(), 'geointel-bench-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;
  let lastErr: unknown;
  // A free port can be taken between the probe and the bind: try a few.
  for (let attempt = 0; attempt < 3 && !child; attempt++) {
    port = await freePort();
    try {
      child = await startOnce(port, dir, extra);
    } catch (err) {
      lastErr = err;
    }
  }
  if (!child) {
    rmSync(dir, { recursive: true, force: true });
    throw lastErr;
  }
  const running = child;
  const onExit = () => {
    if (!exited(running)) running.kill('SIGKILL');
  };
  process.on('exit', onExit);
  const url = `redis://127.0.0.1:${port}`;
  return {
    port,
    url,
    pid: running.pid!,
    client: () => new Redis(url, { maxRetriesPerRequest: null }),
    async stop() {
      process.off('exit', onExit);
      if (!exited(running)) {
        running.kill('SIGTERM');
        if (!(await waitExit(running, 5_000))) {
          running.kill('SIGKILL');
          await waitExit(running, 5_000);
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One INFO section as `field → value`. */
export async function info(redis: Redis, section: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const line of (await redis.info(section)).split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

/** Redis CPU time so far (used_cpu_sys + used_cpu_user), microseconds. */
export async function redisCpuUs(redis: Redis): Promise<number> {
  const cpu = await info(redis, 'cpu');
  return (Number(cpu.used_cpu_sys) + Number(cpu.used_cpu_user)) * 1e6;
}

/**
 * Commands executed so far: the sum of `calls` over INFO commandstats (commands a Lua script runs count too,
 * besides the EVAL/EVALSHA itself).
 */
export async function redisCommands(
  redis: Redis,
): Promise<{ total: number; byCommand: Record<string, number> }> {
  const stats = await info(redis, 'commandstats');
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [k, v] of Object.entries(stats)) {
    const calls = /(?:^|,)calls=(\d+)/.exec(v);
    if (!k.startsWith('cmdstat_') || !calls) continue;
    const n = Number(calls[1]);
    byCommand[k.slice('cmdstat_'.length)] = n;
    total += n;
  }
  return { total, byCommand };
}

/** `after − before` per command, largest first (the top `n`). */
export function commandDelta(
  before: Record<string, number>,
  after: Record<string, number>,
  n = 12,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, d]) => d > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, n),
  );
}

/** `used_memory` in bytes. */
export async function usedMemory(redis: Redis): Promise<number> {
  return Number((await info(redis, 'memory')).used_memory);
}
