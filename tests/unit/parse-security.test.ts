/** T-P1 pollution, T-P2 entities/XXE/DTD, T-P3 size and shape, T-P7 text hygiene. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeoError, isGeoError } from '../../src/errors.js';
import { parseDocument } from '../../src/pipeline/parse/index.js';
import type { ParseDocument } from '../../src/pipeline/types.js';

const fixture = (name: string) => readFileSync(`tests/fixtures/parse/${name}`);
const utf8 = (s: string) => Buffer.from(s, 'utf8');

async function codeOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    if (!isGeoError(err)) throw err;
    return err.code;
  }
  return 'OK';
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T | GeoError }> {
  const start = performance.now();
  let value: T | GeoError;
  try {
    value = await fn();
  } catch (err) {
    if (!isGeoError(err)) throw err;
    value = err;
  }
  return { ms: performance.now() - start, value };
}

/** Every leaf string of a document, and a check that nothing else (functions, objects as text) is there. */
function allStrings(doc: ParseDocument): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
      Object.values(v).forEach(walk);
    } else expect(['number', 'boolean', 'undefined'].includes(typeof v) || v === null).toBe(true);
  };
  walk(doc);
  return out;
}

describe('T-P1 prototype pollution', () => {
  it('element and entity names that hit Object.prototype are plain data', async () => {
    const doc = await parseDocument(fixture('pollution.xml'));
    expect({} as Record<string, unknown>).not.toHaveProperty('polluted');
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect(doc.items).toHaveLength(2);
    const item = doc.items[0]!;
    for (const k of ['title', 'link', 'guid', 'summary'] as const) expect(typeof item[k]).toBe('string');
    expect(item.title).toBe('Quake &toString; report');
    expect(item.guid).toBe('g1');
    expect(doc.items[1]?.title).toBe('second');
    for (const s of allStrings(doc)) expect(s).not.toMatch(/native code|function /);
    expect(typeof doc.feed.title).toBe('string');
  });

  it('JSON Feed with __proto__ keys and non-string values yields only strings', async () => {
    const json =
      '{"version":"https://jsonfeed.org/version/1.1","title":{"toString":1},"__proto__":{"polluted":1},' +
      '"items":[{"id":7,"title":["x"],"url":"https://example.org/1","__proto__":{"polluted":2},' +
      '"content_html":{"a":1},"tags":["ok",{"x":1}],"constructor":{"prototype":{"polluted":3}}}]}';
    const doc = await parseDocument(utf8(json));
    expect({} as Record<string, unknown>).not.toHaveProperty('polluted');
    expect(doc.feed.title).toBeUndefined();
    expect(doc.items[0]).toEqual({ guid: '7', link: 'https://example.org/1', categories: ['ok'] });
    allStrings(doc);
  });
});

describe('T-P2 entity expansion, XXE and external DTDs', () => {
  let hits = 0;
  let port = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end('<!ENTITY leak "LEAKED">');
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    await parseDocument(utf8('<rss><channel><title>warm-up</title></channel></rss>'));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const quadratic = () => {
    const big = 'A'.repeat(100_000);
    return utf8(
      `<!DOCTYPE rss [<!ENTITY a "${big}">]><rss><channel><title>${'&a;'.repeat(1000)}</title></channel></rss>`,
    );
  };

  it.each([
    ['billion laughs', () => fixture('billion-laughs.xml')],
    ['quadratic blow-up (100 KB entity × 1000 refs)', quadratic],
    ['XXE SYSTEM file:', () => fixture('xxe-file.xml')],
    [
      'external parameter entity over http',
      () =>
        utf8(
          `<!DOCTYPE rss [<!ENTITY % ext SYSTEM "http://127.0.0.1:${port}/x.dtd"> %ext;]><rss><channel><title>&leak;</title></channel></rss>`,
        ),
    ],
  ])('%s is rejected fast with PARSE_ERROR', async (_name, make) => {
    const bytes = make();
    // Best of three runs: the bound is about work done (no expansion), not about a GC pause or JIT warm-up
    // of a parallel test worker.
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await timed(() => parseDocument(bytes)));
    for (const { value } of runs) {
      expect(value).toBeInstanceOf(GeoError);
      expect((value as GeoError).code).toBe('PARSE_ERROR');
    }
    expect(Math.min(...runs.map((r) => r.ms))).toBeLessThan(100);
    expect(Math.max(...runs.map((r) => r.ms))).toBeLessThan(1000);
  });

  it('an external DTD reference is never fetched or read', async () => {
    const bytes = utf8(
      `<!DOCTYPE rss SYSTEM "http://127.0.0.1:${port}/x.dtd"><rss><channel><title>t &leak;</title>` +
        '<item><title>x</title><link>https://example.org/</link></item></channel></rss>',
    );
    // Best of three, as above: the bound is about work done, not a GC pause of a parallel worker.
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await timed(() => parseDocument(bytes)));
    expect(Math.min(...runs.map((r) => r.ms))).toBeLessThan(100);
    const doc = runs[0]!.value as ParseDocument;
    expect(doc.feed.title).toBe('t &leak;');
    expect(doc.warnings.map((w) => w.code)).toContain('DTD_IGNORED');
    await new Promise((r) => setTimeout(r, 50));
    expect(hits).toBe(0);
    expect(JSON.stringify(doc)).not.toContain('root:');
  });
});

describe('T-P3 size and shape', () => {
  it('a 10 MB CDATA description parses in linear time and is capped', async () => {
    const cdata = 'lava flow '.repeat(1_048_576);
    const bytes = utf8(
      `<rss version="2.0"><channel><title>big</title><item><title>t</title><link>https://example.org/</link><description><![CDATA[<p>${cdata}</p>]]></description></item></channel></rss>`,
    );
    const { ms, value } = await timed(() => parseDocument(bytes));
    const doc = value as ParseDocument;
    expect(doc.items).toHaveLength(1);
    expect(doc.items[0]!.summary!.length).toBeLessThanOrEqual(1_000_000);
    expect(doc.warnings.map((w) => w.code)).toContain('FIELD_TRUNCATED');
    expect(ms).toBeLessThan(5000); // target < 1 s; 5× ceiling for slow CI
  });

  it('100 000 items are capped at maxItems with the rest reported', async () => {
    const items = Array.from(
      { length: 100_000 },
      (_, i) => `<item><title>q${i}</title><link>https://e.org/${i}</link></item>`,
    );
    const bytes = utf8(`<rss version="2.0"><channel><title>many</title>${items.join('')}</channel></rss>`);
    const { ms, value } = await timed(() => parseDocument(bytes));
    const doc = value as ParseDocument;
    expect(doc.items).toHaveLength(1000);
    expect(doc.items[999]?.title).toBe('q999');
    const capped = doc.warnings.find((w) => w.code === 'ITEMS_CAPPED');
    expect(capped?.message).toContain('99000');
    expect(ms).toBeLessThan(10_000);
    expect(
      (
        await parseDocument(utf8(`<rss><channel>${items.slice(0, 20).join('')}</channel></rss>`), {
          maxItems: 5,
        })
      ).items,
    ).toHaveLength(5);
  });

  it('50 000-deep nesting does not overflow the stack (XML, escaped HTML, HTML page, JSON)', async () => {
    const deep = (open: string, close: string) => `${open.repeat(50_000)}deep${close.repeat(50_000)}`;
    const xml = utf8(
      `<rss><channel><item><title>${deep('<x>', '</x>')}</title><link>https://e.org/</link><description>${deep('&lt;div&gt;', '&lt;/div&gt;')}</description></item></channel></rss>`,
    );
    const doc = await parseDocument(xml);
    expect(doc.items[0]?.title).toBe('deep');
    expect(doc.items[0]?.summary).toContain('deep');
    const page = utf8(
      `<!DOCTYPE html><html><body>${deep('<div>', '</div>')}<a href="/news/2024/01/x">A long enough headline for the fallback</a></body></html>`,
    );
    expect(['OK', 'PARSE_ERROR']).toContain(
      await codeOf(() => parseDocument(page, { url: 'https://e.org/' })),
    );
    const json = utf8(
      `{"version":"https://jsonfeed.org/version/1","items":[${'['.repeat(50_000)}${']'.repeat(50_000)}]}`,
    );
    expect(['OK', 'PARSE_ERROR']).toContain(await codeOf(() => parseDocument(json)));
  });
});

describe('T-P7 text hygiene', () => {
  it('markup inside a title is kept as text ("bold quake"), escaped markup decoded, invalid characters stripped', async () => {
    const doc = await parseDocument(fixture('bold-title.xml'));
    expect(doc.items.map((i) => i.title)).toEqual(['bold quake', 'escaped & tremor', 'nulctlzwsp']);
  });

  it('NUL, C0 controls and lone surrogates are removed; a 1 MB title is truncated with a flag', async () => {
    const json = JSON.stringify({
      version: 'https://jsonfeed.org/version/1.1',
      items: [
        { id: '1', title: 'a\u0000b\u0001c\ud800d\udc00e\u200bf', url: 'https://e.org/1' },
        { id: '2', title: 'x'.repeat(1_000_000), url: 'https://e.org/2' },
      ],
    });
    const doc = await parseDocument(utf8(json));
    expect(doc.items[0]?.title).toBe('abcdef');
    expect(doc.items[1]?.title?.length).toBe(2000);
    expect(doc.warnings.map((w) => w.code)).toContain('FIELD_TRUNCATED');
  });
});
