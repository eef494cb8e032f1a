// In-process HostLimiter: per-host concurrency and minimum delay, abort, and its use by the fetcher.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGeoError } from '../../src/errors.js';
import { createFetcher, createMemoryHostLimiter, type HostLimiter } from '../../src/fetch/index.js';
import { type FixtureServer, startFixtureServer } from '../helpers/fixture-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `n` tasks of `holdMs` through the limiter; returns start times and the peak concurrency. */
async function drive(limiter: HostLimiter, host: string, n: number, holdMs: number) {
  let active = 0;
  let peak = 0;
  const starts: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, async () => {
      const release = await limiter.acquire(host);
      starts.push(performance.now() - t0);
      peak = Math.max(peak, ++active);
      await sleep(holdMs);
      active--;
      release();
      release(); // idempotent
    }),
  );
  return { starts: starts.sort((a, b) => a - b), peak };
}

describe('memory host limiter', () => {
  it('caps concurrency per host', async () => {
    const l = createMemoryHostLimiter({ concurrency: 2, minDelayMs: 0 });
    const { peak } = await drive(l, 'a.test', 8, 20);
    expect(peak).toBe(2);
  });

  it('spaces starts by minDelayMs', async () => {
    const l = createMemoryHostLimiter({ concurrency: 5, minDelayMs: 50 });
    const { starts } = await drive(l, 'a.test', 4, 1);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(45);
  });

  it('hosts are independent', async () => {
    // One shared host would space the three starts by 2 s each (4 s); independent hosts start at once.
    const l = createMemoryHostLimiter({ concurrency: 1, minDelayMs: 2_000 });
    const t0 = performance.now();
    await Promise.all(['a.test', 'b.test', 'c.test'].map((h) => l.acquire(h)));
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it('an aborted wait rejects with TIMEOUT and leaves the queue usable', async () => {
    const l = createMemoryHostLimiter({ concurrency: 1, minDelayMs: 0 });
    const hold = await l.acquire('a.test');
    const ctrl = new AbortController();
    const waiting = l.acquire('a.test', ctrl.signal);
    ctrl.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'TIMEOUT' });
    hold();
    const again = await l.acquire('a.test');
    again();
  });
});

describe('fetcher with a limiter', () => {
  let pub: FixtureServer;
  beforeAll(async () => {
    pub = await startFixtureServer({ host: '127.0.0.2' });
  });
  afterAll(() => pub.close());

  it('allow-listed loopback hosts are exempt by default (tests and demo run at full speed)', async () => {
    const limiter = createMemoryHostLimiter({ concurrency: 1, minDelayMs: 1000 });
    const f = createFetcher({ contact: 't', allowPrivate: ['127.0.0.2/32'], robots: false, limiter });
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 5 }, () => f.fetch(pub.url('/ok'))));
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('otherwise requests to one host are spaced by the delay', async () => {
    const limiter = createMemoryHostLimiter({ concurrency: 1, minDelayMs: 100 });
    const f = createFetcher({
      contact: 't',
      allowPrivate: ['127.0.0.2/32'],
      robots: false,
      limiter,
      exemptLoopbackFromLimiter: false,
    });
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 4 }, () => f.fetch(pub.url('/ok'))));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('a wait that outlasts the total timeout is HOST_BUSY with a retry delay', async () => {
    const limiter = createMemoryHostLimiter({ concurrency: 1, minDelayMs: 0 });
    const f = createFetcher({
      contact: 't',
      allowPrivate: ['127.0.0.2/32'],
      robots: false,
      limiter,
      exemptLoopbackFromLimiter: false,
      totalTimeoutMs: 200,
    });
    const hold = await limiter.acquire('127.0.0.2');
    const err = await f.fetch(pub.url('/ok')).catch((e: unknown) => e);
    hold();
    expect(isGeoError(err) && err.toJSON()).toMatchObject({
      code: 'HOST_BUSY',
      retry: 'after',
      retryAfterMs: 1000,
    });
  });
});
