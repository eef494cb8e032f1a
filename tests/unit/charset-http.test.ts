/** T-P4 through the HTTP path: bytes served by a loopback server, the charset only where the row says. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetcher } from '../../src/fetch/index.js';
import { parseDocument } from '../../src/pipeline/parse/index.js';
import { pollDocument } from '../../src/pipeline/poll.js';
import { reportFigures } from '../helpers/hardening.js';

const rss = (title: string, prolog = '<?xml version="1.0"?>') =>
  `${prolog}<rss version="2.0"><channel><title>Feed</title><item><title>${title}</title><link>https://example.org/a</link></item></channel></rss>`;

const ROWS: Array<{ name: string; title: string; body: Buffer; contentType: string }> = [
  {
    name: 'windows-1252 in the header only',
    title: 'Café “quoted” — €5',
    body: iconv.encode(rss('Café “quoted” — €5'), 'windows-1252'),
    contentType: 'application/rss+xml; charset=windows-1252',
  },
  {
    name: 'windows-1251 in the header only',
    title: 'Землетрясение на Камчатке',
    body: iconv.encode(rss('Землетрясение на Камчатке'), 'windows-1251'),
    contentType: 'text/xml; charset=windows-1251',
  },
  {
    name: 'KOI8-R in the header only',
    title: 'Геологическая служба',
    body: iconv.encode(rss('Геологическая служба'), 'koi8-r'),
    contentType: 'text/xml; charset=KOI8-R',
  },
  {
    name: 'GBK in the prolog, no header charset',
    title: '自然资源部发布锂矿勘查成果',
    body: iconv.encode(rss('自然资源部发布锂矿勘查成果', '<?xml version="1.0" encoding="GBK"?>'), 'gbk'),
    contentType: 'text/xml',
  },
  {
    name: 'Big5 in the prolog, a wrong header charset',
    title: '臺灣地質調查報告',
    body: iconv.encode(rss('臺灣地質調查報告', '<?xml version="1.0" encoding="Big5"?>'), 'big5'),
    contentType: 'text/xml; charset=iso-8859-1',
  },
  {
    name: 'UTF-16LE with a BOM',
    title: 'Séisme de magnitude 6,1',
    body: Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      iconv.encode(rss('Séisme de magnitude 6,1'), 'utf-16le'),
    ]),
    contentType: 'application/xml',
  },
];

describe('charsets through the fetcher', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const row = ROWS[Number(req.url?.slice(1))];
      if (!row) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': row.contentType }).end(row.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each(ROWS.map((r, i) => [r.name, i] as const))('%s', async (_name, i) => {
    const fetcher = createFetcher({ contact: 'test', allowPrivate: ['127.0.0.0/8'], robots: false });
    const res = await pollDocument({ fetch: fetcher.fetch, parse: parseDocument }, { url: `${origin}/${i}` });
    expect(res.status).toBe('ok');
    if (res.status !== 'ok') return;
    expect(res.doc.items[0]?.title).toBe(ROWS[i]!.title);
    reportFigures({
      charsetFixtures: 1,
      charsetReplacementChars: JSON.stringify(res.doc).split('\uFFFD').length - 1,
    });
    expect(JSON.stringify(res.doc)).not.toContain('\uFFFD');
  });
});
