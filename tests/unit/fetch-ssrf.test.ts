// T-F1 … T-F4 (RELIABILITY §4.3): SSRF, redirects to private addresses, DNS rebinding, schemes.
// Harness (§4.1): "public" = exactly 127.0.0.2/32 (allow-listed), "internal" fixture on 127.0.0.1, same port;
// names are answered by a resolver stub, never by real DNS.
import fs from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { isGeoError } from '../../src/errors.js';
import { type ConnectInfo, createFetcher, type FetcherOptions } from '../../src/fetch/index.js';
import { type FixtureServer, startFixturePair, stubResolver } from '../helpers/fixture-server.js';
import { reportFigures } from '../helpers/hardening.js';

let pub: FixtureServer;
let internal: FixtureServer;
let P: number;
const connects: ConnectInfo[] = [];

function make(extra: Partial<FetcherOptions> = {}) {
  const resolver = stubResolver({
    'public.test': ['127.0.0.2'],
    'internal.test': ['127.0.0.1'],
    'metadata.test': ['169.254.169.254'],
    'mixed.test': ['10.0.0.1', '::1', 'fd00:ec2::254'],
    'mapped.test': ['::ffff:127.0.0.1'],
  });
  const fetcher = createFetcher({
    contact: 'https://example.test/contact',
    allowPrivate: ['127.0.0.2/32'],
    robots: false,
    resolver,
    onConnect: (c) => connects.push(c),
    ...extra,
  });
  return { fetcher, resolver };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    if (!isGeoError(err)) throw err;
    return err.code;
  }
}

beforeAll(async () => {
  ({ pub, internal } = await startFixturePair());
  P = pub.port;
});
afterAll(async () => {
  await pub.close();
  await internal.close();
});
beforeEach(() => {
  pub.resetHits();
  internal.resetHits();
  connects.length = 0;
});

describe('T-F1 direct SSRF', () => {
  const urls = (): string[] => [
    `http://127.0.0.1:${P}/secret`,
    `http://[::1]:${P}/secret`,
    `http://0.0.0.0:${P}/secret`,
    `http://0:${P}/secret`,
    `http://[::]:${P}/secret`,
    `http://2130706433:${P}/secret`,
    `http://0177.0.0.1:${P}/secret`,
    `http://0x7f.1:${P}/secret`,
    `http://0x7f000001:${P}/secret`,
    `http://127.1:${P}/secret`,
    `http://%31%32%37.0.0.1:${P}/secret`,
    `http://[::ffff:127.0.0.1]:${P}/secret`,
    `http://[::ffff:7f00:1]:${P}/secret`,
    `http://127.0.0.3:${P}/secret`,
    `http://localhost:${P}/secret`,
    `http://LOCALHOST.:${P}/secret`,
    `http://a.localhost:${P}/secret`,
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:a9fe:a9fe]/latest/meta-data/',
    'http://[fd00:ec2::254]/latest/meta-data/',
    'http://100.64.0.1/',
    'http://10.0.0.1/',
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://[fc00::1]/',
    'http://[fe80::1]/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    'http://198.18.0.1/',
    'http://[64:ff9b::7f00:1]/',
    'http://[2002:7f00:1::]/',
    `http://internal.test:${P}/secret`,
    'http://metadata.test/latest/meta-data/',
    'http://mixed.test/',
    `http://mapped.test:${P}/secret`,
    `https://127.0.0.1:${P}/secret`,
  ];

  it('has at least 25 cases', () => expect(urls().length).toBeGreaterThanOrEqual(25));

  it.each([['application/rss+xml'], ['text/html']])(
    'refuses every URL before connecting (accept %s)',
    async (accept) => {
      const { fetcher, resolver } = make();
      for (const url of urls())
        expect([url, await codeOf(fetcher.fetch(url, { accept }))]).toEqual([url, 'SSRF_BLOCKED']);
      reportFigures({ ssrfCases: urls().length, ssrfInternalHits: internal.hits() });
      expect(internal.hits()).toBe(0);
      expect(connects).toEqual([]);
      // Only the .test names were resolved; IP literals and localhost never reach a resolver.
      expect(new Set(resolver.calls)).toEqual(
        new Set(['internal.test', 'metadata.test', 'mixed.test', 'mapped.test']),
      );
    },
  );

  it('still reaches the allow-listed "public" address, and only it', async () => {
    const { fetcher } = make();
    const res = await fetcher.fetch(`http://public.test:${P}/ok`);
    expect(res.status).toBe(200);
    expect(connects.map((c) => c.address)).toEqual(['127.0.0.2']);
  });

  it('allows loopback when allowPrivate lists it (demo / --allow-private)', async () => {
    const { fetcher } = make({ allowPrivate: ['127.0.0.0/8'] });
    expect((await fetcher.fetch(`http://localhost:${P}/ok`)).status).toBe(200);
    expect(internal.hits('/ok')).toBe(1);
  });
});

describe('T-F2 redirect to a private address', () => {
  const targets = (): [string, string][] => [
    ['302', `/redirect?status=302&to=${encodeURIComponent(`http://127.0.0.1:${P}/secret`)}`],
    ['301', `/redirect?status=301&to=${encodeURIComponent(`http://127.0.0.1:${P}/secret`)}`],
    ['303', `/redirect?status=303&to=${encodeURIComponent(`http://127.0.0.1:${P}/secret`)}`],
    ['307', `/redirect?status=307&to=${encodeURIComponent(`http://127.0.0.1:${P}/secret`)}`],
    ['308', `/redirect?status=308&to=${encodeURIComponent(`http://127.0.0.1:${P}/secret`)}`],
    ['protocol-relative', `/redirect?to=${encodeURIComponent(`//127.0.0.1:${P}/secret`)}`],
    ['credentials', `/redirect?to=${encodeURIComponent(`http://user:pw@127.0.0.1:${P}/secret`)}`],
    ['userinfo trick', `/redirect?to=${encodeURIComponent(`http://127.0.0.2@127.0.0.1:${P}/secret`)}`],
    ['decimal', `/redirect?to=${encodeURIComponent(`http://2130706433:${P}/secret`)}`],
    ['localhost', `/redirect?to=${encodeURIComponent(`http://localhost:${P}/secret`)}`],
    ['name to private', `/redirect?to=${encodeURIComponent(`http://internal.test:${P}/secret`)}`],
    ['metadata', `/redirect?to=${encodeURIComponent('http://169.254.169.254/latest/meta-data/')}`],
    [
      'second hop',
      `/redirect?to=${encodeURIComponent(`/redirect?to=http://[::ffff:127.0.0.1]:${P}/secret`)}`,
    ],
  ];

  it.each([['application/rss+xml'], ['text/html']])('blocks at the hop (accept %s)', async (accept) => {
    const { fetcher } = make();
    for (const [name, path] of targets())
      expect([name, await codeOf(fetcher.fetch(pub.url(path), { accept }))]).toEqual([name, 'SSRF_BLOCKED']);
    expect(pub.hits('/redirect')).toBeGreaterThanOrEqual(targets().length);
    reportFigures({ ssrfCases: targets().length, ssrfInternalHits: internal.hits() });
    expect(internal.hits()).toBe(0);
    expect(connects.every((c) => c.address === '127.0.0.2')).toBe(true);
  });
});

describe('T-F3 DNS rebinding', () => {
  it('pins the first (public) answer: the socket goes where the check said', async () => {
    const { fetcher, resolver } = make();
    const res = await fetcher.fetch(`http://rebind.test:${P}/ok`);
    expect(res.status).toBe(200);
    expect(resolver.calls).toEqual(['rebind.test']);
    expect(connects).toEqual([{ host: 'rebind.test', address: '127.0.0.2', port: P }]);
    reportFigures({ ssrfCases: 1, ssrfInternalHits: internal.hits() });
    expect(internal.hits()).toBe(0);
  });

  it('re-resolves and re-checks on the next hop: the private answer is blocked', async () => {
    const { fetcher, resolver } = make();
    const code = await codeOf(fetcher.fetch(`http://rebind.test:${P}/redirect?to=/secret`));
    expect(code).toBe('SSRF_BLOCKED');
    expect(resolver.calls).toEqual(['rebind.test', 'rebind.test']);
    reportFigures({ ssrfCases: 1, ssrfInternalHits: internal.hits() });
    expect(internal.hits()).toBe(0);
  });
});

describe('T-F4 schemes, credentials, ports', () => {
  const cases = (): [string, string][] => [
    ['file:///etc/hostname', 'UNSUPPORTED_SCHEME'],
    ['file:///etc/passwd', 'UNSUPPORTED_SCHEME'],
    ['ftp://127.0.0.2/x', 'UNSUPPORTED_SCHEME'],
    ['data:text/plain,hello', 'UNSUPPORTED_SCHEME'],
    ['gopher://127.0.0.2:70/_x', 'UNSUPPORTED_SCHEME'],
    ['javascript:alert(1)', 'UNSUPPORTED_SCHEME'],
    ['ws://127.0.0.2/', 'UNSUPPORTED_SCHEME'],
    [`http://user:pw@127.0.0.2:${P}/ok`, 'UNSUPPORTED_SCHEME'],
    ['http://127.0.0.2:25/', 'PORT_REFUSED'],
    ['http://127.0.0.2:6667/', 'PORT_REFUSED'],
    [pub.url(`/redirect?to=${encodeURIComponent('file:///etc/passwd')}`), 'UNSUPPORTED_SCHEME'],
    [pub.url(`/redirect?to=${encodeURIComponent('gopher://127.0.0.2:70/')}`), 'UNSUPPORTED_SCHEME'],
    ['not a url', 'INPUT_INVALID'],
  ];

  it('rejects them without touching the file system', async () => {
    const spies = [
      vi.spyOn(fs, 'readFile'),
      vi.spyOn(fs, 'readFileSync'),
      vi.spyOn(fs, 'open'),
      vi.spyOn(fs, 'openSync'),
      vi.spyOn(fs, 'createReadStream'),
      vi.spyOn(fs.promises, 'readFile'),
      vi.spyOn(fs.promises, 'open'),
    ];
    const { fetcher } = make();
    for (const [url, code] of cases()) expect([url, await codeOf(fetcher.fetch(url))]).toEqual([url, code]);
    for (const s of spies) expect(s).not.toHaveBeenCalled();
    for (const s of spies) s.mockRestore();
    reportFigures({ ssrfCases: cases().length, ssrfInternalHits: internal.hits() });
    expect(internal.hits()).toBe(0);
  });
});
