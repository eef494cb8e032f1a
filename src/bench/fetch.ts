import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFetcher } from '../fetch/fetcher.js';

/** Result line of the fetch benchmark (`npm run bench`). */
export interface FetchBench {
  bench: 'fetch';
  /** Conditional GETs answered 304 per second, through the real fetcher (policy, pinning, timeouts). */
  fetchesPerSec: number;
  fetches: number;
  concurrency: number;
  durationMs: number;
  /** Latency percentiles of one fetch, ms. */
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

const ETAG = '"bench-v1"';

/**
 * Measures conditional (304) fetches per second against a loopback server started here: the fetcher runs with
 * its full per-request path (URL vetting, address policy on 127.0.0.1 allow-listed, pinned lookup, timeouts,
 * new connection per request), without robots and without a host limiter. Target: ≥ 500/s per process.
 */
export async function benchFetch(
  opts: { durationMs?: number; concurrency?: number } = {},
): Promise<FetchBench> {
  const durationMs = opts.durationMs ?? 3000;
  const concurrency = opts.concurrency ?? 16;
  const server = http.createServer((req, res) => {
    if (req.headers['if-none-match'] === ETAG) res.writeHead(304, { etag: ETAG }).end();
    else res.writeHead(200, { etag: ETAG, 'content-type': 'application/rss+xml' }).end('<rss/>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await measure(server, durationMs, concurrency);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function measure(server: http.Server, durationMs: number, concurrency: number): Promise<FetchBench> {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed.xml`;
  const fetcher = createFetcher({ contact: 'bench', allowPrivate: ['127.0.0.1/32'], robots: false });
  // Warm-up (JIT, socket paths), not counted.
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) await fetcher.fetch(url, { etag: ETAG }).catch(() => undefined);
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          const res = await fetcher.fetch(url, { etag: ETAG });
          if (res.status === 304) latencies.push(performance.now() - t0);
          else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number =>
    Number((latencies[Math.floor((latencies.length - 1) * p)] ?? 0).toFixed(2));
  return {
    bench: 'fetch',
    fetchesPerSec: Math.round((latencies.length / elapsed) * 1000),
    fetches: latencies.length,
    concurrency,
    durationMs: Math.round(elapsed),
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    errors,
  };
}
