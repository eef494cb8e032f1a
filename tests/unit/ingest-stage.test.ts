import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { isGeoError } from '../../src/errors.js';
import { compileTaxonomy } from '../../src/pipeline/classify/index.js';
import { createStoryIndex } from '../../src/pipeline/dedupe/index.js';
import { ingestDocument } from '../../src/pipeline/ingest.js';
import { parseDocument } from '../../src/pipeline/parse/index.js';
import { deriveSource } from '../../src/pipeline/source-match.js';
import type { DigestRecord } from '../../src/pipeline/types.js';
import { ROOT } from '../helpers/cli.js';

const config = loadConfig({ dir: join(ROOT, 'config'), env: {} });
const taxonomy = compileTaxonomy(config.topics, config.tags);

/** The real ingest path, as the CLI and the workers run it: parse → normalise → classify → dedupe → record. */
async function ingest(xml: string | Uint8Array, fetchedAt = '2025-12-13T12:00:00Z') {
  const bytes = typeof xml === 'string' ? new TextEncoder().encode(xml) : xml;
  const doc = await parseDocument(bytes, { url: 'https://feeds.example.org/feed.xml' });
  return ingestDocument(doc, {
    source: deriveSource('https://feeds.example.org/feed.xml', 'test'),
    fetchedAt,
    limits: config.app.ingest,
    taxonomy,
    assign: async (batch) => {
      const index = createStoryIndex();
      return batch.map((r) => index.assign(r.item, r.meta));
    },
  });
}

const rss = (items: string) =>
  `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title><link>https://feeds.example.org/</link>${items}</channel></rss>`;

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

describe('T-P1 pollution through the whole ingest path', () => {
  it('keeps element names such as __proto__, constructor and toString inert', async () => {
    const { records } = await ingest(
      rss(`<item><title>Safe title</title><link>https://feeds.example.org/a</link>
        <__proto__><polluted>yes</polluted></__proto__><constructor>x</constructor><toString>y</toString>
        <hasOwnProperty>z</hasOwnProperty><pubDate>Fri, 12 Dec 2025 12:00:00 GMT</pubDate></item>`),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(records).toHaveLength(1);
    expect(records[0]!.title).toBe('Safe title');
    for (const s of strings(records)) expect(s).not.toMatch(/\[native code\]/);
    expect(() => JSON.stringify(records)).not.toThrow();
  });

  it('rejects entities named after Object.prototype members with a coded error, or leaves them inert', async () => {
    try {
      const { records } = await ingest(
        rss('<item><title>&toString; &__proto__; &constructor;</title></item>'),
      );
      for (const s of strings(records)) expect(s).not.toMatch(/native code|function/);
    } catch (err) {
      if (!isGeoError(err)) throw err;
      expect(err.code).toBe('PARSE_ERROR');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('T-P7 text hygiene through the whole ingest path', () => {
  it('keeps markup text in titles and strips invalid characters', async () => {
    const { records } = await ingest(
      rss(
        `<item><title><b>bold</b> quake</title><link>https://feeds.example.org/b</link><description>ok\u0001 text \u200bhere</description><pubDate>Fri, 12 Dec 2025 12:00:00 GMT</pubDate></item>`,
      ),
    );
    expect(records[0]!.title).toBe('bold quake');
    expect(records[0]!.summary).toBe('ok text here');
  });

  it('cuts a 1 MB title to the limit with a warning, and the record stays serialisable', async () => {
    const huge = 'Magma '.repeat(200_000);
    const { records, warnings } = await ingest(
      rss(
        `<item><title>${huge}</title><link>https://feeds.example.org/c</link><pubDate>Fri, 12 Dec 2025 12:00:00 GMT</pubDate></item>`,
      ),
    );
    expect(Array.from(records[0]!.title).length).toBeLessThanOrEqual(500);
    expect(warnings.map((w) => w.code)).toContain('TITLE_TRUNCATED');
  });
});

describe('T-P5 dates through the whole ingest path', () => {
  it('keeps every other entry of an Atom feed when one <published> is bad', async () => {
    const atom = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
      <entry><id>urn:1</id><title>Good one</title><link href="https://x.example/1"/><published>2025-12-12T10:00:00Z</published></entry>
      <entry><id>urn:2</id><title>Bad date</title><link href="https://x.example/2"/><published>not-a-date</published></entry>
      <entry><id>urn:3</id><title>Good two</title><link href="https://x.example/3"/><published>2025-12-12T11:00:00+08:00</published></entry></feed>`;
    const { records, warnings } = await ingest(atom);
    expect(records.map((r: DigestRecord) => [r.title, r.publishedAt])).toEqual([
      ['Good one', '2025-12-12T10:00:00.000Z'],
      ['Bad date', null],
      ['Good two', '2025-12-12T03:00:00.000Z'],
    ]);
    expect(warnings.map((w) => w.code)).toContain('DATE_UNPARSEABLE');
  });

  it('does not believe a date far in the future: publishedAt null, citation from the fetch day', async () => {
    const { records, warnings } = await ingest(
      rss(
        '<item><title>Future</title><link>https://feeds.example.org/f</link><pubDate>Thu, 01 Jan 2099 00:00:00 GMT</pubDate></item>',
      ),
    );
    expect(records[0]!.publishedAt).toBeNull();
    expect(records[0]!.citation.en).toMatch(/2025-12-13\)$/);
    expect(warnings.map((w) => w.code)).toContain('DATE_IN_FUTURE');
  });
});

describe('the bulletin-relevant path on a real capture', () => {
  it('classifies the GDACS feed (UTF-8 BOM) into event records with geo facts', async () => {
    const bytes = readFileSync(join(ROOT, 'tests/fixtures/feeds/gdacs/rss-2019-12-30.xml'));
    const items = (bytes.toString('utf8').match(/<item>/g) ?? []).length;
    const { records } = await ingest(bytes, '2019-12-30T02:00:00Z');
    expect(records).toHaveLength(items);
    expect(records.every((r) => r.geo && typeof r.geo.lat === 'number')).toBe(true);
  });
});
