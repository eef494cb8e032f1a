import { describe, expect, it } from 'vitest';
import { canonicalUrl, urlKey } from '../../src/pipeline/normalize/canonical-url.js';
import { truncateSummary } from '../../src/pipeline/normalize/summary.js';

describe('canonicalUrl', () => {
  it.each([
    // USGS feed links carry double-escaped tracking parameters (SOURCES.md format notes)
    [
      'https://www.usgs.gov/news/national-news-release/x?utm_source=comms&amp;amp;utm_medium=rss&amp;amp;utm_campaign=news',
      'https://www.usgs.gov/news/national-news-release/x',
    ],
    ['https://Example.ORG:443/a/b?id=3&fbclid=xyz#section', 'https://example.org/a/b?id=3'],
    ['http://example.org:80/a?gclid=1&utm_term=k&q=rock', 'http://example.org/a?q=rock'],
    ['  \n https://phys.org/news/2025-12-x.html \n', 'https://phys.org/news/2025-12-x.html'],
    ['https://user:pw@example.org/p', 'https://example.org/p'],
    ['https://example.org/p?a=1&amp;b=2', 'https://example.org/p?a=1&b=2'],
  ])('%s → %s', (raw, expected) => {
    expect(canonicalUrl(raw)).toBe(expected);
  });

  it.each(['javascript:alert(1)', 'data:text/html,x', 'ftp://example.org/x', 'mailto:a@b.c', '', 'http://'])(
    'refuses %s',
    (raw) => {
      expect(canonicalUrl(raw)).toBeNull();
    },
  );

  it('resolves relative links (CGS/MNR ./YYYYMM/t… listings) against the base', () => {
    expect(canonicalUrl('./202311/t20231120_123456.html', 'https://www.cgs.gov.cn/ywdt/ddyw/')).toBe(
      'https://www.cgs.gov.cn/ywdt/ddyw/202311/t20231120_123456.html',
    );
  });

  it('is idempotent', () => {
    for (const raw of [
      'https://www.usgs.gov/x?utm_source=a&amp;amp;b=2',
      'https://EXAMPLE.org/%7Euser/?q=a%20b#f',
      'https://example.org/a?b=&c',
    ]) {
      const once = canonicalUrl(raw)!;
      expect(canonicalUrl(once)).toBe(once);
    }
  });
});

describe('urlKey', () => {
  it('makes http/https, www and trailing-slash twins equal', () => {
    const a = urlKey('http://www.bgs.ac.uk/news/slug/?utm_source=rss');
    expect(urlKey('https://bgs.ac.uk/news/slug')).toBe(a);
  });
  it('keeps different articles apart', () => {
    expect(urlKey('https://phys.org/news/a.html')).not.toBe(urlKey('https://phys.org/news/b.html'));
    expect(urlKey('https://x.org/item?id=1')).not.toBe(urlKey('https://x.org/item?id=2'));
  });
});

describe('truncateSummary', () => {
  it('keeps short text unchanged', () => {
    expect(truncateSummary('A short summary.', 600)).toBe('A short summary.');
  });
  it('cuts at the last sentence end inside the budget', () => {
    const text = `${'Rocks formed. '.repeat(30)}Final words that run on and on`;
    const out = truncateSummary(text, 100);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out.endsWith('formed.')).toBe(true);
  });
  it('cuts Chinese at 。 and never splits a character', () => {
    const text = '研究人员发现了新的锂矿床。'.repeat(60);
    const out = truncateSummary(text, 100);
    expect(Array.from(out).length).toBeLessThanOrEqual(100);
    expect(out.endsWith('。')).toBe(true);
  });
  it('falls back to a word boundary with an ellipsis', () => {
    const out = truncateSummary('word '.repeat(200), 50);
    expect(Array.from(out).length).toBeLessThanOrEqual(50);
    expect(out.endsWith('…')).toBe(true);
  });
});
