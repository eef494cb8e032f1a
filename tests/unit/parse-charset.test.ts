/** T-P4 charsets: bytes are produced with iconv-lite here; titles must come back exactly, with no U+FFFD. */
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeBytes } from '../../src/pipeline/parse/charset.js';
import { parseDocument } from '../../src/pipeline/parse/index.js';
import { reportFigures } from '../helpers/hardening.js';

const rss = (title: string, prolog = '<?xml version="1.0"?>') =>
  `${prolog}\n<rss version="2.0"><channel><title>Feed</title><item><title>${title}</title><link>https://example.org/a</link></item></channel></rss>`;
const prologFor = (cs: string) => `<?xml version="1.0" encoding="${cs}"?>`;

interface Row {
  name: string;
  title: string;
  bytes: Buffer;
  contentType?: string;
  encoding: string;
}

/** U+FFFD characters anywhere in a parse document (the figure reports/hardening.json sums). */
const replacements = (doc: unknown) => JSON.stringify(doc).split('\uFFFD').length - 1;

const withBom = (bom: number[], body: Buffer) => Buffer.concat([Buffer.from(bom), body]);

const ROWS: Row[] = [
  {
    name: 'windows-1252 declared only in the HTTP header',
    title: 'Café “quoted” — €5 œuvre',
    bytes: iconv.encode(rss('Café “quoted” — €5 œuvre'), 'windows-1252'),
    contentType: 'application/rss+xml; charset=windows-1252',
    encoding: 'windows-1252',
  },
  {
    name: 'ISO-8859-1 in the prolog',
    title: 'Müller Straße, Genève',
    bytes: iconv.encode(rss('Müller Straße, Genève', prologFor('ISO-8859-1')), 'latin1'),
    encoding: 'iso-8859-1',
  },
  {
    name: 'GB2312 in the prolog',
    title: '中国地质调查局发布地震快讯',
    bytes: iconv.encode(rss('中国地质调查局发布地震快讯', prologFor('GB2312')), 'gb2312'),
    encoding: 'gb2312',
  },
  {
    name: 'GBK in the prolog (a GBK-only character)',
    title: '朱镕基视察四川地震灾区',
    bytes: iconv.encode(rss('朱镕基视察四川地震灾区', prologFor('GBK')), 'gbk'),
    encoding: 'gbk',
  },
  {
    name: 'GB18030 in the prolog (a four-byte character)',
    title: '地质𠀀样本',
    bytes: iconv.encode(rss('地质𠀀样本', prologFor('GB18030')), 'gb18030'),
    encoding: 'gb18030',
  },
  {
    name: 'Big5 in the prolog',
    title: '臺灣花蓮地震報告',
    bytes: iconv.encode(rss('臺灣花蓮地震報告', prologFor('Big5')), 'big5'),
    encoding: 'big5',
  },
  {
    name: 'windows-1251 in the prolog',
    title: 'Землетрясение на Камчатке',
    bytes: iconv.encode(rss('Землетрясение на Камчатке', prologFor('windows-1251')), 'windows-1251'),
    encoding: 'windows-1251',
  },
  {
    name: 'KOI8-R in the prolog',
    title: 'Вулкан Ключевской проснулся',
    bytes: iconv.encode(rss('Вулкан Ключевской проснулся', prologFor('KOI8-R')), 'koi8-r'),
    encoding: 'koi8-r',
  },
  {
    name: 'UTF-8 with a wrong prolog (ISO-8859-1)',
    title: '地震 Café Ü',
    bytes: Buffer.from(rss('地震 Café Ü', prologFor('ISO-8859-1')), 'utf8'),
    encoding: 'utf-8',
  },
  {
    name: 'UTF-8 BOM',
    title: 'Séisme à Québec',
    bytes: withBom([0xef, 0xbb, 0xbf], Buffer.from(rss('Séisme à Québec', prologFor('UTF-8')), 'utf8')),
    encoding: 'utf-8',
  },
  {
    name: 'UTF-16LE BOM',
    title: 'Ωμέγα 地震',
    bytes: withBom([0xff, 0xfe], iconv.encode(rss('Ωμέγα 地震', prologFor('UTF-16')), 'utf16le')),
    encoding: 'utf-16le',
  },
  {
    name: 'UTF-16BE BOM',
    title: 'Ωμέγα 地震',
    bytes: withBom([0xfe, 0xff], iconv.encode(rss('Ωμέγα 地震', prologFor('UTF-16')), 'utf16be')),
    encoding: 'utf-16be',
  },
  {
    name: 'HTML-style entities in XML (&eacute; &nbsp;)',
    title: 'Café au lait',
    bytes: Buffer.from(rss('Caf&eacute;&nbsp;au lait')),
    encoding: 'utf-8',
  },
];

describe('charsets (T-P4)', () => {
  it.each(ROWS.map((r) => [r.name, r] as const))('%s', async (_name, r) => {
    const doc = await parseDocument(r.bytes, { contentType: r.contentType });
    expect(doc.items[0]?.title).toBe(r.title);
    expect(doc.encoding).toBe(r.encoding);
    reportFigures({ charsetFixtures: 1, charsetReplacementChars: replacements(doc) });
    expect(JSON.stringify(doc)).not.toContain('\uFFFD');
    expect(doc.warnings.filter((w) => w.code.startsWith('CHARSET'))).toEqual([]);
  });

  it('finds <meta charset> after the first 1024 bytes of an HTML page', async () => {
    const html =
      `<!DOCTYPE html><html><head><!-- ${'x'.repeat(2000)} -->\n<meta charset="gbk"><title>地调要闻</title></head>` +
      '<body><ul><li><a href="./202310/t20231005_749350.html">自然资源部发布全国地质灾害预警</a></li></ul></body></html>';
    const doc = await parseDocument(iconv.encode(html, 'gbk'), {
      url: 'https://www.cgs.gov.cn/ywdt/ddyw/',
      html: { linkPattern: '^\\./\\d{6}/t\\d{8}_\\d+\\.html$' },
    });
    expect(doc.encoding).toBe('gbk');
    expect(doc.feed.title).toBe('地调要闻');
    expect(doc.items[0]?.title).toBe('自然资源部发布全国地质灾害预警');
    reportFigures({ charsetFixtures: 1, charsetReplacementChars: replacements(doc) });
    expect(JSON.stringify(doc)).not.toContain('\uFFFD');
  });

  it('a wrong declared charset parses with a warning instead of failing', async () => {
    const bytes = iconv.encode(rss('Café crème', prologFor('UTF-8')), 'windows-1252');
    const doc = await parseDocument(bytes);
    expect(doc.items[0]?.title).toBe('Café crème');
    expect(doc.encoding).toBe('windows-1252');
    expect(doc.warnings.map((w) => w.code)).toContain('CHARSET_FALLBACK');
  });

  it('an unknown or mismatched label falls through to the header, then to windows-1252', async () => {
    const bytes = iconv.encode(rss('Zürich', prologFor('x-no-such-charset')), 'latin1');
    const viaHeader = await parseDocument(bytes, { contentType: 'text/xml; charset="ISO-8859-1"' });
    expect(viaHeader.items[0]?.title).toBe('Zürich');
    expect(viaHeader.encoding).toBe('iso-8859-1');
    const noHint = await parseDocument(bytes);
    expect(noHint.items[0]?.title).toBe('Zürich');
    expect(noHint.warnings.map((w) => w.code)).toContain('CHARSET_FALLBACK');
  });

  it('decodeBytes never throws and reports lower-case labels', async () => {
    expect(decodeBytes(new Uint8Array([0xff, 0xfe, 0x3c, 0x00])).encoding).toBe('utf-16le');
    expect(decodeBytes(Buffer.from('<a/>'), 'text/xml; charset=UTF-8').encoding).toBe('utf-8');
    expect(decodeBytes(new Uint8Array([0x80, 0x81, 0xfe])).encoding).toBe('windows-1252');
  });
});
