/**
 * The chaos suite's looping feed server (tests/chaos/loop-feeds.ts): every round of every family parses with
 * the real parse stage, brings new items (new links and titles, fresh dates) and keeps the two batches before
 * it; the item keys it records are the ones the parse stage reads back; the bombs answer as bombs.
 */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from '../../src/pipeline/parse/index.js';
import { itemKey, type LoopServer, SYNTHETIC, startLoopFeeds } from '../chaos/loop-feeds.js';
import { ROOT } from '../helpers/cli.js';

let loop: LoopServer;
beforeAll(async () => {
  loop = await startLoopFeeds({
    root: `${ROOT}/tests/fixtures/feeds`,
    perBatch: 4,
    syntheticPerBatch: 5,
    bombMiB: 16,
    delayMs: [20, 40],
  });
});
afterAll(async () => {
  await loop?.close();
});

async function round(path: string) {
  const res = await fetch(loop.url(path));
  expect(res.status).toBe(200);
  const doc = await parseDocument(Buffer.from(await res.arrayBuffer()), {
    contentType: res.headers.get('content-type') ?? undefined,
    url: loop.url(path),
  });
  return { doc, etag: res.headers.get('etag') };
}

describe('loop feeds', () => {
  it('serves the RSS and Atom families of the captures', () => {
    const paths = loop.families.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining(['/physorg/earth-news.xml', '/usgs-earthquakes/all_hour.atom']),
    );
    expect(loop.families.find((f) => f.path === '/sciencedaily/all.xml')?.captures.length).toBe(3);
  });

  it.each([['/physorg/earth-news.xml'], ['/gdacs/rss.xml'], ['/usgs-earthquakes/all_hour.atom']])(
    '%s: each round adds a batch of new items and keeps the two before it',
    async (path) => {
      const seen: string[][] = [];
      for (let r = 0; r < 4; r++) {
        const { doc, etag } = await round(path);
        expect(etag).toBe(`"r${r}"`);
        const keys = doc.items.map((i) => (i.link ? itemKey(i.link) : null));
        expect(keys.every((k) => k !== null)).toBe(true);
        expect(doc.items.length).toBe(4 * Math.min(r + 1, 3));
        // Batch r is first, with its number in the titles, dated within the last minutes.
        expect(doc.items.slice(0, 4).every((i) => i.title?.endsWith(`· batch ${r}`))).toBe(true);
        const date = Date.parse(doc.items[0]!.published ?? doc.items[0]!.updated ?? '');
        expect(Math.abs(Date.now() - date)).toBeLessThan(10 * 60_000);
        seen.push(keys as string[]);
      }
      // Round 3 holds batches 3, 2 and 1: round 2's first eight keys come back, round 0's batch is gone.
      expect(seen[3]!.slice(4)).toEqual(seen[2]!.slice(0, 8));
      expect(seen[3]!.some((k) => seen[0]!.slice(0, 4).includes(k))).toBe(false);
      for (const keys of seen) for (const k of keys) expect(loop.servedItems().has(k)).toBe(true);
    },
  );

  it('the synthetic family: a new set of articles per round, in the same three-batch window', async () => {
    const rounds: string[][] = [];
    for (let r = 0; r < 4; r++) {
      const t0 = Date.now();
      const { doc } = await round(SYNTHETIC);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(19);
      expect(doc.items.length).toBe(5 * Math.min(r + 1, 3));
      expect(doc.items.slice(0, 5).every((i) => i.title?.endsWith(`(${r})`))).toBe(true);
      rounds.push(doc.items.map((i) => itemKey(i.link ?? '')!));
    }
    expect(new Set(rounds.flat()).size).toBe(5 * 4);
    expect(rounds[3]!.slice(5)).toEqual(rounds[2]!.slice(0, 10));
  });

  it('bombs: a gzip body far larger once inflated, entities, deep nesting', async () => {
    // Raw bytes (fetch would inflate them): node:http does not.
    const { encoding, packed } = await new Promise<{ encoding?: string; packed: Buffer }>((resolve, reject) =>
      http
        .get(loop.url(loop.bombs.gzip), (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () =>
            resolve({ encoding: res.headers['content-encoding'], packed: Buffer.concat(parts) }),
          );
        })
        .on('error', reject),
    );
    expect(encoding).toBe('gzip');
    expect(packed.length).toBeLessThan(1 << 20);
    expect(gunzipSync(packed).length).toBeGreaterThan(16 << 20);
    expect(await (await fetch(loop.url(loop.bombs.laughs))).text()).toContain('<!ENTITY lol9');
    expect((await (await fetch(loop.url(loop.bombs.deep))).text()).length).toBeGreaterThan(300_000);
  });
});
