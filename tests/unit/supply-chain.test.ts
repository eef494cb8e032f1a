/**
 * Supply chain: the dependency floors that the failure analysis in docs/reliability.md names, asserted from
 * package-lock.json for every installed copy of each package (a nested older copy fails too). `npm audit`'s
 * advisory endpoint does not answer on the build machines, so these floors are the check that runs everywhere.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface LockEntry {
  version?: string;
  dev?: boolean;
}
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockEntry> };
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { overrides?: Record<string, string> };

/** Every installed copy of a package: `[path, version]`. */
function copies(name: string): Array<[string, string]> {
  return Object.entries(lock.packages)
    .filter(([path]) => path === `node_modules/${name}` || path.endsWith(`/node_modules/${name}`))
    .map(([path, e]) => [path, e.version ?? '0.0.0']);
}

/** Compares dotted numeric versions (pre-release tags sort before their release). */
function cmp(a: string, b: string): number {
  const [ca, pa] = a.split('-', 2);
  const [cb, pb] = b.split('-', 2);
  const xa = ca!.split('.').map(Number);
  const xb = cb!.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((xa[i] ?? 0) !== (xb[i] ?? 0)) return (xa[i] ?? 0) - (xb[i] ?? 0);
  if (pa === pb) return 0;
  return pa === undefined ? 1 : pb === undefined ? -1 : pa < pb ? -1 : 1;
}

const FLOORS: Array<{ name: string; min: string; maxMajor?: number; why: string }> = [
  { name: 'rss-parser', min: '3.13.0', why: 'the only release on xml2js 0.5.x (CVE-2023-0842)' },
  { name: 'xml2js', min: '0.5.0', why: 'CVE-2023-0842 (prototype pollution)' },
  { name: 'sax', min: '1.6.1', why: '&toString; fix, CDATA quadratic fix, entity caps' },
  { name: 'cheerio', min: '1.2.0', why: 'htmlparser2 ^10.1 and undici ≥ 7.18.2' },
  { name: 'htmlparser2', min: '10.1.0', why: 'cheerio 1.2 baseline' },
  { name: 'undici', min: '7.18.2', why: 'decompression-chain fix' },
  { name: 'bullmq', min: '6.7.0', why: 'worker liveness after Redis outages (PR #4586: #4479, #4585)' },
  { name: 'ioredis', min: '6.0.0', maxMajor: 6, why: 'the client BullMQ 6 is tested with' },
  { name: 'ws', min: '8.17.1', why: 'GHSA-3h5v-q93c-6h6q (header flood DoS)' },
  { name: 'ipaddr.js', min: '2.0.0', why: 'IP classification for the SSRF policy' },
];

describe('dependency floors (package-lock.json)', () => {
  it.each(FLOORS)('$name ≥ $min ($why)', ({ name, min, maxMajor }) => {
    const found = copies(name);
    expect(found.length, `${name} is not installed`).toBeGreaterThan(0);
    for (const [path, version] of found) {
      expect(cmp(version, min), `${path}@${version} < ${min}`).toBeGreaterThanOrEqual(0);
      if (maxMajor !== undefined)
        expect(Number(version.split('.')[0]), `${path}@${version}`).toBeLessThanOrEqual(maxMajor);
    }
  });

  it('sax is forced to ≥ 1.6.1 for every dependant (overrides)', () => {
    expect(pkg.overrides?.sax).toMatch(/^[\^~>=]*1\.(6\.[1-9]|[7-9]\.|\d{2,}\.)/);
  });

  it('no unsafe IP classifiers (`ip`: CVE-2023-42282, CVE-2024-29415; old `private-ip`)', () => {
    expect(copies('ip')).toEqual([]);
    expect(copies('private-ip')).toEqual([]);
  });

  it('the version comparison orders releases as semver does', () => {
    expect(cmp('1.6.1', '1.6.1')).toBe(0);
    expect(cmp('1.10.0', '1.9.9')).toBeGreaterThan(0);
    expect(cmp('7.18.1', '7.18.2')).toBeLessThan(0);
    expect(cmp('2.0.0-rc.1', '2.0.0')).toBeLessThan(0);
  });
});
