import { describe, expect, it } from 'vitest';
import { type NormalizeContext, normalizeDocument } from '../../src/pipeline/normalize/index.js';
import type { ParseDocument, ParsedItem } from '../../src/pipeline/types.js';

const ctx: NormalizeContext = {
  sourceId: 'test-source',
  fetchedAt: '2025-12-13T12:00:00.000Z',
  maxItemAgeDays: 30,
  futureToleranceHours: 48,
  summaryMaxChars: 600,
};

function doc(items: ParsedItem[], link = 'https://example.org/'): ParseDocument {
  return { format: 'rss', encoding: 'utf-8', feed: { title: 'T', link }, items, warnings: [] };
}

const item = (n: number, extra: Partial<ParsedItem> = {}): ParsedItem => ({
  title: `Item ${n}`,
  link: `https://example.org/news/${n}`,
  guid: `guid-${n}`,
  published: '2025-12-12T10:00:00.000Z',
  summary: `<p>Summary ${n}.</p>`,
  ...extra,
});

// docs/reliability.md T-P6: distinct items stay distinct, re-fetches add nothing, keys are stable.
describe('T-P6 identity', () => {
  it('keeps items distinct when every item shares one GUID', () => {
    const items = [1, 2, 3, 4].map((n) => item(n, { guid: 'same-guid-for-all' }));
    const ids = normalizeDocument(doc(items), ctx).items.map((i) => i.id);
    expect(new Set(ids).size).toBe(4);
  });

  it('falls back to the URL, then to the text, when GUIDs are missing', () => {
    const items = [
      item(1, { guid: null }),
      item(2, { guid: null, link: null }),
      item(3, { guid: null, link: null }),
    ];
    const ids = normalizeDocument(doc(items), ctx).items.map((i) => i.id);
    expect(new Set(ids).size).toBe(3);
  });

  it('keeps two entries that repeat GUID, URL and text, numbering the repeat', () => {
    const items = [item(1), item(1)];
    const ids = normalizeDocument(doc(items), ctx).items.map((i) => i.id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('gives the same ids on a re-fetch, whatever else changed in the feed', () => {
    const first = normalizeDocument(doc([item(1), item(2), item(3)]), ctx).items.map((i) => i.id);
    const again = normalizeDocument(doc([item(0), item(1), item(2), item(3)]), {
      ...ctx,
      fetchedAt: '2025-12-13T13:00:00.000Z',
    }).items.map((i) => i.id);
    expect(again.slice(1)).toEqual(first);
  });

  it("keeps an item's id when a neighbour starts sharing its GUID", () => {
    const before = normalizeDocument(doc([item(1, { guid: 'g' })]), ctx).items[0]!.id;
    const after = normalizeDocument(doc([item(1, { guid: 'g' }), item(2, { guid: 'g' })]), ctx).items[0]!.id;
    expect(after).toBe(before);
  });

  it('scopes ids by source: the same GUID in two feeds is two items', () => {
    const a = normalizeDocument(doc([item(1)]), ctx).items[0]!.id;
    const b = normalizeDocument(doc([item(1)]), { ...ctx, sourceId: 'other-source' }).items[0]!.id;
    expect(a).not.toBe(b);
  });

  it('canonicalises URLs with tracking parameters, and ids are Redis/BullMQ safe', () => {
    const out = normalizeDocument(
      doc([
        item(1, { guid: null, link: 'https://example.org/news/1?utm_source=rss&amp;amp;utm_medium=feed' }),
      ]),
      ctx,
    ).items[0]!;
    expect(out.url).toBe('https://example.org/news/1');
    expect(out.id).toMatch(/^[a-z][a-z0-9]+$/);
  });

  it('strips zero-width and bidi characters from titles', () => {
    const out = normalizeDocument(doc([item(1, { title: 'Quake\u200b in \u202eRidge\u202c\u0000' })]), ctx)
      .items[0]!;
    expect(out.title).toBe('Quake in Ridge');
  });
});

describe('dates and the intake window', () => {
  it.each([
    ['2025-12-12T10:00:00Z', '2025-12-12T10:00:00.000Z', null],
    ['2025-12-16T12:00:00Z', null, 'DATE_IN_FUTURE'],
    [null, null, 'DATE_MISSING'],
  ])('published %s → %s (%s)', (published, expected, code) => {
    const r = normalizeDocument(doc([item(1, { published })]), ctx);
    expect(r.items[0]!.publishedAt).toBe(expected);
    if (code) expect(r.warnings.map((w) => w.code)).toContain(code);
  });

  it('leaves items older than the maximum age out of the intake, with a warning', () => {
    const r = normalizeDocument(doc([item(1, { published: '2025-10-01T00:00:00Z' }), item(2)]), ctx);
    expect(r.items.map((i) => i.title)).toEqual(['Item 2']);
    expect(r.warnings).toEqual([expect.objectContaining({ code: 'ITEM_TOO_OLD', index: 0 })]);
  });

  it('drops an entry with neither title, text nor link, with a code', () => {
    const r = normalizeDocument(
      doc([item(1, { title: null, link: null, summary: null, guid: null }), item(2)]),
      ctx,
    );
    expect(r.items).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ code: 'ITEM_DROPPED_EMPTY', index: 0 });
  });

  it('turns HTML summaries into plain text', () => {
    const r = normalizeDocument(
      doc([item(1, { summary: '<p>Lithium <b>brines</b> &amp; clays.</p>' })]),
      ctx,
    );
    expect(r.items[0]!.summary).toBe('Lithium brines & clays.');
  });
});
