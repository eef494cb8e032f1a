import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFetcher } from '../../src/fetch/index.js';
import { parseDocument } from '../../src/pipeline/parse/index.js';
import { pollDocument } from '../../src/pipeline/poll.js';
import { fixture } from '../helpers/cli.js';

// Issue "Hardened fetcher": a second request for an unchanged resource is a 304 and costs no parse.
describe('pollDocument: conditional fetch, then parse only a new body', () => {
  const body = readFileSync(fixture('feeds/physorg/earth-news-2025-12-13.xml'));
  const ETAG = '"physorg-2025-12-13"';
  const LAST_MODIFIED = 'Sat, 13 Dec 2025 17:30:00 GMT';
  const seen: IncomingHttpHeaders[] = [];
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/robots.txt') return void res.writeHead(404).end();
      seen.push(req.headers);
      if (req.headers['if-none-match'] === ETAG) return void res.writeHead(304, { etag: ETAG }).end();
      res.writeHead(200, {
        'content-type': 'application/rss+xml; charset=utf-8',
        etag: ETAG,
        'last-modified': LAST_MODIFIED,
      });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rss-feed/earth-news/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('parses the first answer, sends the validators next time and skips the parse on 304', async () => {
    const fetcher = createFetcher({ contact: 'test', allowPrivate: ['127.0.0.0/8'], robots: true });
    const parse = vi.fn(parseDocument);
    const first = await pollDocument({ fetch: fetcher.fetch, parse }, { url });
    expect(first.status).toBe('ok');
    if (first.status !== 'ok') return;
    expect(first.doc.items).toHaveLength((body.toString('utf8').match(/<item>/g) ?? []).length);
    expect(first.validators).toEqual({ etag: ETAG, lastModified: LAST_MODIFIED });
    expect(parse).toHaveBeenCalledTimes(1);

    const second = await pollDocument({ fetch: fetcher.fetch, parse }, { url, ...first.validators });
    expect(second).toEqual({ status: 'not-modified', finalUrl: url, validators: first.validators });
    expect(parse).toHaveBeenCalledTimes(1);
    expect(seen.at(-1)?.['if-none-match']).toBe(ETAG);
    expect(seen.at(-1)?.['if-modified-since']).toBe(LAST_MODIFIED);
  });
});
