/**
 * The `api` bench: latency from XADD to an SSE client through the stream relay (src/api/stream-relay.ts) on a
 * plain node:http server, at 200 clients × 100 records/s and 50 clients × 1 000 records/s (~5 s each, after
 * 1 s of warm-up). Records of ~1 KB are XADDed (MAXLEN ~ 10 000, as the process worker does) into a private
 * redis-server child; the clients are another child process (src/bench/api-clients.ts), so the relay, the
 * clients and Redis each have their own event loop on the two cores. Target p99 ≤ 200 ms at both points.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createStreamRelay } from '../api/stream-relay.js';
import { createLogger } from '../log.js';
import { startRedisChild } from './redis-child.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PREFIX = 'bench-api';
const PAD = 'x'.repeat(960);

export interface ApiPoint {
  sseClients: number;
  recordsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
  expected: number;
}

function lineFrom(child: ChildProcess, pred: (l: string) => boolean, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    const onErr = (d: Buffer) => {
      err = (err + d.toString()).slice(-2000);
    };
    const onData = (d: Buffer) => {
      buf += d.toString();
      for (const l of buf.split('\n'))
        if (pred(l)) {
          done();
          resolve(l);
          return;
        }
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`bench clients exited (${code}): ${err}`));
    };
    const t = setTimeout(() => {
      done();
      reject(new Error(`bench clients: no answer in ${ms} ms: ${err}`));
    }, ms);
    const done = () => {
      clearTimeout(t);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onErr);
      child.off('exit', onExit);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onErr);
    child.once('exit', onExit);
  });
}

export async function benchApi(
  opts: { points?: Array<{ clients: number; rate: number }>; seconds?: number } = {},
) {
  const points = opts.points ?? [
    { clients: 200, rate: 100 },
    { clients: 50, rate: 1_000 },
  ];
  const seconds = opts.seconds ?? 5;
  const redisChild = await startRedisChild();
  const pub = redisChild.client();
  const relay = createStreamRelay({
    redis: { url: redisChild.url },
    prefix: PREFIX,
    log: createLogger({ level: 'silent' }),
  });
  const server = http.createServer((req, res) => {
    const m = /^\/v1\/streams\/([\w-]+)$/.exec(req.url ?? '');
    if (!m) res.writeHead(404).end();
    else relay.serveSse(req, res, m[1]!, null);
  });
  server.maxConnections = 10_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const script = fileURLToPath(new URL('./api-clients.js', import.meta.url));
  const out: ApiPoint[] = [];
  try {
    for (const { clients, rate } of points) {
      const topic = `c${clients}r${rate}`;
      const key = `${PREFIX}:stream:${topic}`;
      const child = spawn(
        process.execPath,
        [script, `http://127.0.0.1:${port}/v1/streams/${topic}`, String(clients)],
        {
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      try {
        await lineFrom(child, (l) => l === 'ready', 30_000);
        // Publishes at `rate` for `secs`, stamping each record as it goes into the pipeline.
        const run = async (secs: number, seqBase: number): Promise<number> => {
          const start = performance.now();
          let sent = 0;
          const total = Math.round(rate * secs);
          while (sent < total) {
            const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
            if (due > sent) {
              const p = pub.pipeline();
              for (; sent < due; sent++) {
                const t = (performance.timeOrigin + performance.now()).toFixed(3);
                const seq = seqBase < 0 ? -1 - sent : sent;
                p.xadd(key, 'MAXLEN', '~', 10_000, '*', 'record', `{"t":${t},"seq":${seq},"pad":"${PAD}"}`);
              }
              await p.exec();
            }
            await sleep(Math.max(1, Math.min(10, 1000 / rate)));
          }
          return sent;
        };
        await run(1, -1);
        await sleep(200);
        const n = await run(seconds, 0);
        child.stdin!.write(`done ${n}\n`);
        const res = JSON.parse(await lineFrom(child, (l) => l.startsWith('{'), 20_000)) as Omit<
          ApiPoint,
          'sseClients' | 'recordsPerSec'
        >;
        out.push({ sseClients: clients, recordsPerSec: Math.round(n / seconds), ...res });
      } finally {
        child.kill('SIGKILL');
        await pub.del(key);
      }
      await sleep(500);
    }
  } finally {
    await relay.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    pub.disconnect();
    await redisChild.stop();
  }
  return {
    bench: 'api' as const,
    points: out,
    recordBytes: 1_000,
    targetP99Ms: 200,
  };
}
