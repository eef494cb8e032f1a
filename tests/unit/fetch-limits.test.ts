// T-F5 redirects, T-F6 size and Content-Length lies, T-F7 compression (RELIABILITY §4.3).
// Most cases use a 1 MiB cap to stay fast; one case per attack runs at the 15 MiB default.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGeoError } from '../../src/errors.js';
import { createFetcher, type FetcherOptions } from '../../src/fetch/index.js';
import { bomb, type FixtureServer, startFixtureServer } from '../helpers/fixture-server.js';

const MiB = 1024 * 1024;
let pub: FixtureServer;

const make = (extra: Partial<FetcherOptions> = {}) =>
  createFetcher({
    contact: 'test',
    allowPrivate: ['127.0.0.2/32'],
    robots: false,
    maxBodyBytes: MiB,
    ...extra,
  });

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

/**
 * Runs `fn` while sampling memory every 5 ms; returns the peak growth over the start, in MiB, of RSS and of
 * `arrayBuffers` (Buffer memory, which is where a decompressed body would live).
 */
async function memoryGrowth(fn: () => Promise<unknown>): Promise<{ rss: number; buffers: number }> {
  const base = process.memoryUsage();
  let rss = base.rss;
  let buffers = base.arrayBuffers;
  const sample = (): void => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    buffers = Math.max(buffers, m.arrayBuffers);
  };
  const t = setInterval(sample, 5);
  try {
    await fn();
  } finally {
    clearInterval(t);
    sample();
  }
  return { rss: (rss - base.rss) / MiB, buffers: (buffers - base.arrayBuffers) / MiB };
}

beforeAll(async () => {
  pub = await startFixtureServer({ host: '127.0.0.2' });
  // 1 GiB of zeros each (≈1 MiB gzip, a few KB brotli), built once, streaming.
  await Promise.all([bomb('gzip', 1024), bomb('br', 1024)]);
}, 20_000);
afterAll(() => pub.close());

describe('T-F5 redirects', () => {
  it('stops a loop fast', async () => {
    const r = await failure(make().fetch(pub.url('/loop')));
    expect(r.code).toBe('TOO_MANY_REDIRECTS');
    expect(r.ms).toBeLessThan(1000);
  });

  it('refuses a chain of 6 and follows a chain of 5', async () => {
    const six = await failure(make().fetch(pub.url('/chain?n=6')));
    expect(six.code).toBe('TOO_MANY_REDIRECTS');
    expect(six.ms).toBeLessThan(1000);
    const five = await make().fetch(pub.url('/chain?n=5'));
    expect(five.status).toBe(200);
    if (five.status !== 200) return;
    expect(five.redirects).toHaveLength(5);
    expect(five.finalUrl).toBe(pub.url('/chain?n=0'));
  });

  it('honours maxRedirects: 0', async () => {
    expect((await failure(make({ maxRedirects: 0 }).fetch(pub.url('/chain?n=1')))).code).toBe(
      'TOO_MANY_REDIRECTS',
    );
  });
});

describe('T-F6 size', () => {
  it('/infinite stops at a 1 MiB cap', async () => {
    const r = await failure(make().fetch(pub.url('/infinite')));
    expect(r.code).toBe('RESPONSE_TOO_LARGE');
    expect(r.ms).toBeLessThan(1000);
  });

  it('/infinite stops at the 15 MiB default within 3 s, memory bounded', async () => {
    let r: Awaited<ReturnType<typeof failure>> | undefined;
    const grew = await memoryGrowth(async () => {
      r = await failure(make({ maxBodyBytes: undefined }).fetch(pub.url('/infinite')));
    });
    expect(r?.code).toBe('RESPONSE_TOO_LARGE');
    expect(r?.ms).toBeLessThan(3000);
    expect(grew.rss).toBeLessThan(64);
    expect(grew.buffers).toBeLessThan(64);
    console.info(
      `T-F6 /infinite @15MiB: ${r?.ms.toFixed(0)} ms, rss +${grew.rss.toFixed(1)} MiB, buffers +${grew.buffers.toFixed(1)} MiB`,
    );
  });

  it('Content-Length above the cap is refused before the body is read', async () => {
    const r = await failure(make().fetch(pub.url(`/cl-lie?claim=${10 * 1024 * MiB}&send=10`)));
    expect(r.code).toBe('RESPONSE_TOO_LARGE');
    expect(r.details).toMatchObject({ contentLength: 10 * 1024 * MiB });
  });

  it.each([
    ['shorter than Content-Length', '/cl-lie?claim=1000&send=10'],
    ['longer than Content-Length', '/cl-lie?claim=10&send=1000'],
  ])(
    'Content-Length mismatch: a body %s is an error, not a hang or a truncated success',
    async (_name, path) => {
      const r = await failure(make({ idleTimeoutMs: 2000 }).fetch(pub.url(path)));
      expect(r.code).toBe('NETWORK_ERROR');
      expect(r.ms).toBeLessThan(1000);
    },
  );
});

describe('T-F7 compression', () => {
  it.each([
    ['gzip', '/gzip-bomb?mib=1024', MiB],
    ['brotli', '/br-bomb?mib=1024', MiB],
    ['gzip', '/gzip-bomb?mib=1024', 15 * MiB],
    ['brotli', '/br-bomb?mib=1024', 15 * MiB],
  ])('%s bomb %s (1 GiB of zeros) is cut by the decompressed count, cap %i bytes', async (_k, path, cap) => {
    let r: Awaited<ReturnType<typeof failure>> | undefined;
    const grew = await memoryGrowth(async () => {
      r = await failure(make({ maxBodyBytes: cap }).fetch(pub.url(path)));
    });
    expect(r?.code).toBe('RESPONSE_TOO_LARGE');
    expect(r?.ms).toBeLessThan(2000);
    expect(grew.rss).toBeLessThan(64);
    expect(grew.buffers).toBeLessThan(64);
    console.info(
      `T-F7 ${path} cap ${cap / MiB} MiB: ${r?.ms.toFixed(0)} ms, rss +${grew.rss.toFixed(1)} MiB, buffers +${grew.buffers.toFixed(1)} MiB`,
    );
  });

  it('refuses a chain of 3 codings and decodes a chain of 2', async () => {
    expect((await failure(make().fetch(pub.url('/encoding-chain?n=3')))).code).toBe('UNSUPPORTED_ENCODING');
    const two = await make().fetch(pub.url('/encoding-chain?n=2'));
    expect(two.status === 200 && Buffer.from(two.body).toString()).toContain('<rss');
  });

  it.each([['gzip'], ['deflate'], ['deflate-raw'], ['br'], ['x-gzip']])('decodes %s', async (enc) => {
    const res = await make().fetch(pub.url(`/gzip?enc=${enc}`));
    expect(res.status === 200 && Buffer.from(res.body).toString()).toContain('<rss');
  });

  it('a gzip header over a plain body is DECODE_ERROR; an unknown coding is UNSUPPORTED_ENCODING', async () => {
    expect((await failure(make().fetch(pub.url('/corrupt-gzip')))).code).toBe('DECODE_ERROR');
    expect((await failure(make().fetch(pub.url('/gzip?enc=zstd')))).code).toBe('UNSUPPORTED_ENCODING');
  });
});
