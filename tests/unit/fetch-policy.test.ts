// Pure pieces of the fetcher: address policy, URL vetting, lookup pinning, Retry-After, Content-Encoding.
import { describe, expect, it } from 'vitest';
import { GeoError } from '../../src/errors.js';
import {
  allowPrivateFromFlag,
  checkUrl,
  createAddressPolicy,
  MAX_RETRY_AFTER_MS,
  PRIVATE_PRESET,
  parseContentEncoding,
  parseRetryAfter,
  pinnedLookup,
} from '../../src/fetch/index.js';

const strict = createAddressPolicy();

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'OK';
  } catch (err) {
    return err instanceof GeoError ? err.code : String(err);
  }
}

describe('address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['169.254.169.254', 'linkLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['224.0.0.251', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['2002:a00:1::', '6to4'],
    ['not-an-ip', 'invalid'],
  ])('refuses %s (%s)', (addr, range) => {
    expect(strict.check(addr)).toEqual({ allowed: false, range, allowListed: false });
  });

  it.each([['8.8.8.8'], ['1.1.1.1'], ['2606:4700:4700::1111'], ['::ffff:8.8.8.8']])(
    'allows public %s',
    (addr) => {
      expect(strict.check(addr)).toMatchObject({ allowed: true, range: 'unicast', allowListed: false });
    },
  );

  it('allowPrivate opens exactly the listed CIDRs', () => {
    const p = createAddressPolicy({ allowPrivate: ['127.0.0.2/32', '10.0.0.0/8'] });
    expect(p.check('127.0.0.2')).toMatchObject({ allowed: true, allowListed: true });
    expect(p.check('::ffff:127.0.0.2')).toMatchObject({ allowed: true, allowListed: true });
    expect(p.check('127.0.0.1').allowed).toBe(false);
    expect(p.check('10.9.9.9').allowed).toBe(true);
    expect(p.check('169.254.169.254').allowed).toBe(false);
  });

  it('rejects bad CIDRs with CONFIG_INVALID', () => {
    expect(codeOf(() => createAddressPolicy({ allowPrivate: ['10.0.0.0/33'] }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => createAddressPolicy({ allowPrivate: ['intranet'] }))).toBe('CONFIG_INVALID');
  });

  it('--allow-private: bare flag = loopback + RFC 1918, never link-local or ULA', () => {
    expect(allowPrivateFromFlag(true)).toEqual([...PRIVATE_PRESET]);
    expect(allowPrivateFromFlag(undefined)).toEqual([]);
    expect(allowPrivateFromFlag('127.0.0.1/32, 10.0.0.0/8')).toEqual(['127.0.0.1/32', '10.0.0.0/8']);
    const p = createAddressPolicy({ allowPrivate: allowPrivateFromFlag(true) });
    expect(p.check('169.254.169.254').allowed).toBe(false);
    expect(p.check('fd00:ec2::254').allowed).toBe(false);
    expect(p.check('127.0.0.1').allowed).toBe(true);
  });
});

describe('checkUrl', () => {
  it.each([
    ['http://example.org/feed#x', 'OK'],
    ['https://example.org:8443/feed', 'OK'],
    ['HTTP://EXAMPLE.ORG/', 'OK'],
    ['file:///etc/passwd', 'UNSUPPORTED_SCHEME'],
    ['http://u:p@example.org/', 'UNSUPPORTED_SCHEME'],
    ['http://u@example.org/', 'UNSUPPORTED_SCHEME'],
    ['http://example.org:22/', 'PORT_REFUSED'],
    ['http://example.org:0/', 'PORT_REFUSED'],
    ['http://u:p@127.0.0.1/', 'SSRF_BLOCKED'],
    ['http://0x7f.1/', 'SSRF_BLOCKED'],
    ['http://foo.localhost/', 'SSRF_BLOCKED'],
    ['http://', 'INPUT_INVALID'],
  ])('%s → %s', (url, code) => {
    expect(codeOf(() => checkUrl(url, strict))).toBe(code);
  });

  it('resolves relative and protocol-relative Locations against the hop', () => {
    const base = new URL('https://a.example/x/y');
    expect(checkUrl('../z', strict, base).href).toBe('https://a.example/z');
    expect(checkUrl('//b.example/q', strict, base).href).toBe('https://b.example/q');
  });
});

describe('pinnedLookup', () => {
  it('answers both callback shapes with the pinned address only', async () => {
    const lookup = pinnedLookup({ address: '127.0.0.2', family: 4 }) as unknown as (
      h: string,
      o: { all?: boolean },
      cb: (...a: unknown[]) => void,
    ) => void;
    const all = await new Promise((r) => lookup('evil.test', { all: true }, (...a) => r(a)));
    expect(all).toEqual([null, [{ address: '127.0.0.2', family: 4 }]]);
    const one = await new Promise((r) => lookup('evil.test', {}, (...a) => r(a)));
    expect(one).toEqual([null, '127.0.0.2', 4]);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-23T00:00:00Z');
  it.each([
    ['7', 7000],
    ['0', 0],
    [' 120 ', 120_000],
    ['Mon, 23 Nov 2026 00:00:30 GMT', 30_000],
    ['Sun, 22 Nov 2026 23:00:00 GMT', 0],
    ['99999999', MAX_RETRY_AFTER_MS],
    ['-5', undefined],
    ['soon', undefined],
    ['1.5', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j → %j', (v, ms) => {
    expect(parseRetryAfter(v, now)).toBe(ms);
  });
});

describe('parseContentEncoding', () => {
  it.each([
    [undefined, []],
    ['gzip', ['gzip']],
    ['GZIP, br', ['gzip', 'br']],
    ['identity', []],
    ['x-gzip', ['gzip']],
  ])('%j → %j', (h, list) => expect(parseContentEncoding(h)).toEqual(list));

  it.each([['gzip, gzip, gzip'], ['compress'], ['zstd'], ['gzip, bogus']])(
    '%j → UNSUPPORTED_ENCODING',
    (h) => {
      expect(codeOf(() => parseContentEncoding(h))).toBe('UNSUPPORTED_ENCODING');
    },
  );
});
