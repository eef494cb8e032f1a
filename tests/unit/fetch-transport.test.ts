// T-F8 slowness and T-F10 transport failures (RELIABILITY §4.3). Test timeouts: headers 300 ms, idle 300 ms,
// total 1 s; each must fire no earlier than 0.8× its value and well inside a 5× ceiling.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isGeoError } from '../../src/errors.js';
import { createFetcher, createMemoryHostLimiter, type FetcherOptions } from '../../src/fetch/index.js';
import { type FixtureServer, startFixtureServer, stubResolver } from '../helpers/fixture-server.js';

let pub: FixtureServer;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown): void => {
  unhandled.push(e);
};

const T = { headersTimeoutMs: 300, idleTimeoutMs: 300, totalTimeoutMs: 1000 };
const make = (extra: Partial<FetcherOptions> = {}) =>
  createFetcher({ contact: 'test', allowPrivate: ['127.0.0.2/32'], robots: false, ...T, ...extra });

async function failure(p: Promise<unknown>): Promise<{ code: string; ms: number; details?: unknown }> {
  const t0 = performance.now();
  try {
    await p;
  } catch (err) {
    if (!isGeoError(err)) throw err;
    return { code: err.code, ms: performance.now() - t0, details: err.details };
  }
  return { code: 'OK', ms: performance.now() - t0 };
}

async function socketsClosed(srv: FixtureServer, within = 1000): Promise<boolean> {
  const end = Date.now() + within;
  while (Date.now() < end) {
    if (srv.openSockets() === 0) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return srv.openSockets() === 0;
}

beforeAll(async () => {
  pub = await startFixtureServer({ host: '127.0.0.2' });
  process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await pub.close();
});
afterEach(() => expect(unhandled).toEqual([]));

describe('T-F8 slowness', () => {
  it.each([
    ['headers never sent', '/noheaders', 'headers', 300],
    ['1 byte/s drip', '/drip?bps=1', 'idle', 300],
    ['stall after 1 KB', '/stall?after=1024', 'idle', 300],
    ['5 bytes/s drip (idle never trips)', '/drip?bps=5', 'total', 1000],
  ])('%s → TIMEOUT (%s)', async (_name, path, phase, ms) => {
    const r = await failure(make().fetch(pub.url(path)));
    expect(r.code).toBe('TIMEOUT');
    expect(r.details).toMatchObject({ phase });
    expect(r.ms).toBeGreaterThanOrEqual(ms * 0.8);
    expect(r.ms).toBeLessThan(ms * 5);
    expect(await socketsClosed(pub)).toBe(true);
    console.info(`T-F8 ${path}: ${phase} ${ms} ms configured, fired after ${r.ms.toFixed(0)} ms`);
  });

  it('connect never completes (accept queue full) → TIMEOUT (connect)', async () => {
    // A child process listens with backlog 1 and is then stopped (SIGSTOP), so it never accepts: a few filler connections
    // fill the queue and the kernel silently drops further SYNs. Loopback only.
    const child = spawn(process.execPath, [
      '-e',
      "require('net').createServer().listen({ port: 0, host: '127.0.0.2', backlog: 1 }, function () { console.log(this.address().port) })",
    ]);
    const filler: net.Socket[] = [];
    try {
      const port = await new Promise<number>((resolve) =>
        child.stdout.once('data', (d) => resolve(Number(String(d).trim()))),
      );
      child.kill('SIGSTOP');
      for (let i = 0; i < 4; i++) {
        const s = net.connect({ host: '127.0.0.2', port });
        s.on('error', () => undefined);
        filler.push(s);
      }
      await new Promise((r) => setTimeout(r, 50));
      const r = await failure(make({ connectTimeoutMs: 300 }).fetch(`http://127.0.0.2:${port}/feed`));
      expect(r).toMatchObject({ code: 'TIMEOUT', details: { phase: 'connect' } });
      expect(r.ms).toBeGreaterThanOrEqual(240);
      expect(r.ms).toBeLessThan(1500);
      console.info(`T-F8 connect: 300 ms configured, fired after ${r.ms.toFixed(0)} ms`);
    } finally {
      for (const s of filler) s.destroy();
      child.kill('SIGKILL');
    }
  });

  it('frees the host slot: the next request starts right after a timeout', async () => {
    const limiter = createMemoryHostLimiter({ concurrency: 1, minDelayMs: 0 });
    const f = make({ limiter, exemptLoopbackFromLimiter: false });
    expect((await failure(f.fetch(pub.url('/noheaders')))).code).toBe('TIMEOUT');
    const t0 = performance.now();
    expect((await f.fetch(pub.url('/ok'))).status).toBe(200);
    // A slot never freed would hang here; a loopback fetch takes a few ms (ceiling ≥ 5× a loaded machine's).
    expect(performance.now() - t0).toBeLessThan(1_500);
  });

  it('a caller abort rejects with TIMEOUT (details.aborted) and closes the socket', async () => {
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 50);
    // Fetcher timeouts of 10 s: only the caller's abort (at 50 ms) can end this well before them.
    const slow = make({ headersTimeoutMs: 10_000, idleTimeoutMs: 10_000, totalTimeoutMs: 20_000 });
    const r = await failure(slow.fetch(pub.url('/noheaders'), { signal: ctrl.signal }));
    expect(r).toMatchObject({ code: 'TIMEOUT', details: { aborted: true } });
    expect(r.ms).toBeLessThan(2_000);
    expect(await socketsClosed(pub)).toBe(true);
  });
});

describe('T-F10 transport', () => {
  it('a resolver that never answers is bounded by the total timeout', async () => {
    const f = make({ resolver: () => new Promise(() => undefined) });
    const r = await failure(f.fetch('http://slow-dns.test/feed'));
    expect(r).toMatchObject({ code: 'TIMEOUT', details: { phase: 'total' } });
    expect(r.ms).toBeLessThan(5000);
  });

  it.each([
    ['RST mid-body', () => pub.url('/reset'), 'NETWORK_ERROR'],
    ['close before headers', () => pub.url('/close'), 'EMPTY_RESPONSE'],
    ['200 with an empty body', () => pub.url('/empty'), 'EMPTY_RESPONSE'],
    ['TLS handshake against plain HTTP', () => `https://127.0.0.2:${pub.port}/ok`, 'TLS_ERROR'],
    ['connection refused', () => 'http://127.0.0.2:1023/x', 'NETWORK_ERROR'],
    ['DNS failure', () => 'http://no-such-host.test/feed', 'NETWORK_ERROR'],
  ])('%s → %s', async (_name, url, code) => {
    const f = make({ resolver: stubResolver() });
    const r = await failure(f.fetch(url()));
    expect(r.code).toBe(code);
    expect(r.ms).toBeLessThan(1000);
  });
});
