/**
 * The `scale` bench: the pipeline bench's documents through 1 and then 2 worker *processes*
 * (`geointel worker --role process`, as deployed) on one private Redis, with Redis CPU and commands per item
 * from INFO. On a 2-core machine two workers and Redis share the cores, so the second process shows
 * contention, not scale-out; how many worker machines one Redis primary serves is projected from Redis CPU
 * per item instead (1 s of Redis CPU ÷ its cost per item).
 *
 * The workers read a config folder written here: config/ as it is, with sources.yaml replaced by the demo's
 * registry of the benched captures (a leader publishes its own registry, so the workers must hold it too).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { type Config, loadConfig } from '../config/load.js';
import { registryHash } from '../runtime/leader.js';
import { JOB_OPTIONS, QUEUES } from '../runtime/queues.js';
import { type BenchSet, benchDocuments, outcomesOf, processJob, ROOT, waitFinished } from './pipeline.js';
import { commandDelta, type RedisChild, redisCommands, redisCpuUs, startRedisChild } from './redis-child.js';

/** A config folder for spawned workers holding `config`'s registry; removed by the returned function. */
export function workerConfigDir(config: Config): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'geointel-bench-config-'));
  for (const f of ['geointel.yaml', 'topics.yaml', 'tags.yaml'])
    if (existsSync(join(ROOT, 'config', f))) copyFileSync(join(ROOT, 'config', f), join(dir, f));
  writeFileSync(join(dir, 'sources.yaml'), stringify({ sources: config.sources }));
  const check = loadConfig({ dir, env: {} });
  if (registryHash(check.sources) !== registryHash(config.sources))
    throw new Error('the written sources.yaml does not load back to the same registry');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface WorkerProcs {
  pids: number[];
  stop(): Promise<void>;
}

/** CPU time (user + system) of a process so far, microseconds; NaN where /proc is not available. */
export function procCpuUs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) / 100) * 1e6;
  } catch {
    return Number.NaN;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;

/**
 * Starts `n` `geointel worker --role process` processes against `redis` under `prefix` and waits until every
 * one has a BullMQ worker connected (CLIENT LIST). Their environment is this one without GEOINTEL_* and
 * REDIS_URL, plus REDIS_URL, GEOINTEL_PREFIX, GEOINTEL_CONFIG_DIR, METRICS_PORT=0 and LOG_LEVEL=warn.
 */
export async function spawnWorkers(
  n: number,
  target: { url: string; prefix: string; configDir: string; queue: Queue },
): Promise<WorkerProcs> {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('GEOINTEL_') && k !== 'REDIS_URL' && k !== 'METRICS_PORT') env[k] = v;
  Object.assign(env, {
    REDIS_URL: target.url,
    GEOINTEL_PREFIX: target.prefix,
    GEOINTEL_CONFIG_DIR: target.configDir,
    METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
  });
  const children: ChildProcess[] = [];
  const tails: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = spawn(process.execPath, [join(ROOT, 'bin/geointel.js'), 'worker', '--role', 'process'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    c.on('error', () => undefined);
    tails[i] = '';
    c.stderr?.on('data', (d: Buffer) => {
      tails[i] = (tails[i] + d.toString('utf8')).slice(-4000);
    });
    children.push(c);
  }
  const onExit = () => {
    for (const c of children) if (!exited(c)) c.kill('SIGKILL');
  };
  process.on('exit', onExit);
  const stop = async () => {
    process.off('exit', onExit);
    await Promise.all(
      children.map(async (c) => {
        if (exited(c)) return;
        const gone = new Promise<void>((r) => c.once('exit', () => r()));
        c.kill('SIGTERM');
        const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
        await gone;
        clearTimeout(timer);
      }),
    );
  };
  const until = Date.now() + 30_000;
  for (;;) {
    const dead = children.findIndex(exited);
    if (dead >= 0) {
      await stop();
      throw new Error(`worker ${dead} exited (${children[dead]!.exitCode}): ${tails[dead]}`);
    }
    if ((await target.queue.getWorkers()).length >= n) break;
    if (Date.now() > until) {
      await stop();
      throw new Error(`workers not ready after 30 s: ${tails.join('\n')}`);
    }
    await sleep(50);
  }
  // Let the leader's first round (registry, schedulers) pass before anything is measured.
  await sleep(500);
  return { pids: children.map((c) => c.pid!), stop };
}

/** Runs the warm-up round through fresh workers (JIT) and waits for it; not measured. */
export async function warmUp(queue: Queue, redis: Redis, prefix: string, set: BenchSet): Promise<void> {
  await queue.addBulk(set.warmup.map(processJob));
  const done = await waitFinished(redis, prefix, QUEUES.process, set.warmup.length);
  if (done.failed) throw new Error(`${done.failed} warm-up jobs failed`);
}

interface Run {
  processes: number;
  itemsPerSec: number;
  redisCpuUsPerItem: number;
  redisCommandsPerItem: number;
  /** CPU of all worker processes together per item (every process replays the others' story batches). */
  workerCpuUsPerItem: number;
  topCommands: Record<string, number>;
}

async function runWith(n: number, set: BenchSet, redisChild: RedisChild, redis: Redis, configDir: string) {
  const prefix = `bench-scale-${n}`;
  const queue = new Queue(QUEUES.process, {
    connection: redis,
    prefix,
    defaultJobOptions: JOB_OPTIONS.process,
  });
  let workers: WorkerProcs | undefined;
  try {
    workers = await spawnWorkers(n, { url: redisChild.url, prefix, configDir, queue });
    const pids = workers.pids;
    await warmUp(queue, redis, prefix, set);
    const workerCpu = () => pids.reduce((sum, pid) => sum + procCpuUs(pid), 0);
    const w0 = workerCpu();
    const cpu0 = await redisCpuUs(redis);
    const cmd0 = await redisCommands(redis);
    const t0 = Date.now();
    await queue.addBulk(set.docs.map(processJob));
    const done = await waitFinished(redis, prefix, QUEUES.process, set.warmup.length + set.docs.length);
    const cpu1 = await redisCpuUs(redis);
    const cmd1 = await redisCommands(redis);
    const w1 = workerCpu();
    if (done.failed) throw new Error(`${done.failed} process jobs failed with ${n} workers`);
    const outcomes = await outcomesOf(queue, new Set(set.docs.map((d) => processJob(d).opts.jobId)));
    const run: Run = {
      processes: n,
      itemsPerSec: Math.round((set.items / (done.lastFinishedMs - t0)) * 1000),
      redisCpuUsPerItem: Math.round(((cpu1 - cpu0) / set.items) * 10) / 10,
      redisCommandsPerItem: Math.round(((cmd1.total - cmd0.total) / set.items) * 10) / 10,
      workerCpuUsPerItem: Math.round((w1 - w0) / set.items),
      topCommands: commandDelta(cmd0.byCommand, cmd1.byCommand, 8),
    };
    return { run, outcomes };
  } finally {
    await workers?.stop();
    await queue.close();
  }
}

export async function benchScale(opts: { minItems?: number } = {}) {
  const set = await benchDocuments(opts.minItems ?? 5_000);
  const cfg = workerConfigDir(set.config);
  const redisChild = await startRedisChild().catch((err: unknown) => {
    cfg.remove();
    throw err;
  });
  const redis = redisChild.client();
  try {
    const runs: Run[] = [];
    let outcomes: Record<string, number> | undefined;
    for (const n of [1, 2]) {
      const r = await runWith(n, set, redisChild, redis, cfg.dir);
      runs.push(r.run);
      outcomes ??= r.outcomes;
    }
    const one = runs[0]!;
    return {
      bench: 'scale' as const,
      processes: runs.map((r) => r.processes),
      itemsPerSec: runs.map((r) => r.itemsPerSec),
      // From the 1-process run; the 2-process figures are in `runs`.
      redisCpuUsPerItem: one.redisCpuUsPerItem,
      redisCommandsPerItem: one.redisCommandsPerItem,
      projectedItemsPerSecPerRedisCore: Math.round(1e6 / one.redisCpuUsPerItem),
      cores: availableParallelism(),
      items: set.items,
      documents: set.docs.length,
      outcomes,
      runs,
    };
  } finally {
    redis.disconnect();
    await redisChild.stop();
    cfg.remove();
  }
}
