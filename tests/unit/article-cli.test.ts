/**
 * `--articles` end to end: a listing page with titles and links only, served from 127.0.0.1 with its article
 * pages; `ingest` and `parse` fetch each article page once through the hardened fetcher and fill summaries
 * (and dates the listing lacked).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DigestRecord, ParseDocument } from '../../src/pipeline/types.js';
import { ROOT, runCliAsync } from '../helpers/cli.js';

const page = (name: string) => readFileSync(join(ROOT, 'tests/fixtures/articles', `${name}.synthetic.html`));

const LISTING = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Survey newsroom</title></head><body>
<nav><a href="/about/">About the survey and its mission</a></nav>
<ul class="news">
  <li><a href="/news/2025/12/08/lithium-deposit.html">New large lithium deposit found on the Tibetan Plateau</a></li>
  <li><a href="/news/ice-sheet-mass-balance">Greenland ice sheet lost 80 billion tons of ice in 2025</a></li>
  <li><a href="/news/2025/12/10/geohazards-review.html">Geological hazard prevention results for 2025 announced</a></li>
  <li><a href="/news/2025/12/11/missing-page.html">A story whose page has gone missing since</a></li>
</ul></body></html>`;

const lines = (s: string) =>
  s
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('--articles', () => {
  let server: Server;
  let base: string;
  const hits = new Map<string, number>();
  beforeAll(async () => {
    const routes: Record<string, [string, Buffer | string]> = {
      '/news/': ['text/html; charset=utf-8', LISTING],
      '/news/2025/12/08/lithium-deposit.html': ['text/html; charset=utf-8', page('cgs')],
      '/news/ice-sheet-mass-balance': ['text/html; charset=utf-8', page('geus')],
      '/news/2025/12/10/geohazards-review.html': ['text/html', page('mnr')], // GB2312 bytes, charset in <meta>
    };
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      hits.set(path, (hits.get(path) ?? 0) + 1);
      const route = routes[path];
      if (!route) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': route[0] });
      res.end(route[1]);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => hits.clear());

  it('ingest fills summaries and missing dates from the article pages, each fetched once', async () => {
    const r = await runCliAsync([
      'ingest',
      `${base}/news/`,
      `${base}/news/`,
      '--articles',
      '--allow-private',
      '--now',
      '2025-12-13T00:00:00Z',
    ]);
    expect(r.code).toBe(0);
    const records = lines(r.stdout) as DigestRecord[];
    expect(records).toHaveLength(8);
    const byPath = (p: string) => records.find((x) => x.url === `${base}${p}`)!;
    expect(byPath('/news/2025/12/08/lithium-deposit.html').summary).toMatch(
      /^近日，中国地质调查局西安地质调查中心在青海省柴达木盆地北缘.*。$/,
    );
    expect(byPath('/news/2025/12/10/geohazards-review.html').summary).toMatch(
      /^12月10日，自然资源部召开例行新闻发布会/,
    );
    const ice = byPath('/news/ice-sheet-mass-balance');
    expect(ice.summary).toMatch(/^Indlandsisen tabte omkring 80 milliarder tons is/);
    expect(ice.publishedAt).toBe('2025-11-28T09:00:00.000Z'); // the listing had no date: the page's
    expect(ice.citation.en).toMatch(/2025-11-28\)$/);
    const missing = byPath('/news/2025/12/11/missing-page.html');
    expect(missing.summary).toBe('');
    const warnings = lines(r.stderr).filter((w) => w.code === 'ARTICLE_UNREAD');
    expect(warnings).toHaveLength(2); // once per input; the page itself was asked for once
    expect(warnings[0].message).toMatch(/HTTP_404/);
    for (const p of [
      '/news/2025/12/08/lithium-deposit.html',
      '/news/ice-sheet-mass-balance',
      '/news/2025/12/10/geohazards-review.html',
      '/news/2025/12/11/missing-page.html',
    ]) {
      expect([p, hits.get(p)]).toEqual([p, 1]);
    }
    expect(hits.get('/about/')).toBeUndefined();
  });

  it('without --articles no article page is fetched', async () => {
    const r = await runCliAsync([
      'ingest',
      `${base}/news/`,
      '--allow-private',
      '--now',
      '2025-12-13T00:00:00Z',
    ]);
    expect(r.code).toBe(0);
    expect([...hits.keys()].filter((p) => p !== '/news/' && p !== '/robots.txt')).toEqual([]);
  });

  it('parse --articles fills the parse document’s entries', async () => {
    const r = await runCliAsync(['parse', `${base}/news/`, '--articles', '--allow-private']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as ParseDocument;
    const ice = doc.items.find((i) => i.link === `${base}/news/ice-sheet-mass-balance`)!;
    expect(ice.summary).toMatch(/^Indlandsisen tabte omkring/);
    expect(ice.published).toBe('2025-11-28T09:00:00.000Z');
    expect(lines(r.stderr).map((w) => w.code)).toContain('ARTICLE_UNREAD');
  });
});
