/**
 * The article stage on synthetic pages in the markup of the agencies whose listings give only a title and a
 * link (CGS, MNR, GEUS, USGS, BGS, EEA). Each page has a description that differs from its lead and related
 * links longer than the lead; the tests say which source of the summary wins and why (docs/articles.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyArticle,
  applyArticleToParsed,
  charLength,
  endsSentence,
  extractArticle,
  needsArticle,
  splitSentences,
  summarize,
} from '../../src/pipeline/article/index.js';
import type { Item } from '../../src/pipeline/types.js';
import { ROOT } from '../helpers/cli.js';

const page = (name: string) => readFileSync(join(ROOT, 'tests/fixtures/articles', `${name}.synthetic.html`));
const opts = { url: 'https://example.org/news/a.html', summaryMinChars: 150, summaryMaxChars: 400 };
const extract = (name: string, extra: Partial<Parameters<typeof extractArticle>[1]> = {}) =>
  extractArticle(page(name), { ...opts, ...extra });

/** Text of the page's related-links block and banners: none of it may reach a summary. */
const NEVER = [
  '相关新闻',
  '找矿突破战略行动推进会',
  '相关链接',
  '冬春季地质灾害防治工作的通知',
  'Relaterede nyheder',
  'grundvandets tilstand',
  'cookies',
  'Related Content',
  'national assessment of critical mineral',
  'An official website of the United States government',
  'You may also be interested in',
  'UK Geoenergy Observatories',
  'Related content',
  'Water scarcity conditions',
  'Accept all cookies',
  '版权所有',
  '首页',
];

describe('which text becomes the summary (precedence)', () => {
  it('CGS: a site-wide description ("官方网站…欢迎访问") loses to the article text', () => {
    const ex = extract('cgs');
    expect(ex.method).toBe('body');
    expect(ex.summary.startsWith('近日，中国地质调查局西安地质调查中心在青海省柴达木盆地北缘')).toBe(true);
    expect(endsSentence(ex.summary)).toBe(true);
    expect(ex.publishedAt).toBe('2025-12-08T09:30:00.000Z'); // <meta name="PubDate">
    expect(ex.language).toBe('zh');
    expect(ex.title).toBe('我国在青藏高原东北缘新发现一处大型锂矿床_中国地质调查局');
  });

  it('MNR (GB2312 bytes): a description shorter than summaryMinChars loses to the article text', () => {
    const ex = extract('mnr', { contentType: 'text/html' });
    expect(ex.method).toBe('body');
    expect(ex.summary.startsWith('12月10日，自然资源部召开例行新闻发布会')).toBe(true);
    expect(endsSentence(ex.summary)).toBe(true);
    expect(charLength(ex.summary)).toBeGreaterThanOrEqual(150);
    expect(ex.publishedAt).toBe('2025-12-10T15:00:00.000Z');
  });

  it('GEUS: an article-specific <meta name=description> long enough to stand alone wins over the lead', () => {
    const ex = extract('geus');
    expect(ex.method).toBe('meta');
    expect(ex.summary.startsWith('Indlandsisen tabte omkring 80 milliarder tons is')).toBe(true);
    expect(ex.publishedAt).toBe('2025-11-28T09:00:00.000Z'); // article:published_time, +01:00
    expect(ex.language).toBe('da');
  });

  it('USGS: a boilerplate meta description is skipped and og:description wins', () => {
    const ex = extract('usgs');
    expect(ex.method).toBe('og');
    expect(
      ex.summary.startsWith('A new USGS assessment estimates that brines of the Smackover Formation'),
    ).toBe(true);
    expect(ex.publishedAt).toBe('2025-10-21T16:00:00.000Z');
  });

  it('BGS: a site-wide meta description (not the article’s words) loses to the JSON-LD NewsArticle description', () => {
    const ex = extract('bgs');
    expect(ex.method).toBe('jsonld');
    expect(ex.summary.startsWith('A new British Geological Survey map brings together records')).toBe(true);
    expect(ex.summary).not.toMatch(/world-leading/);
    expect(ex.publishedAt).toBe('2025-11-18T09:00:00.000Z');
  });

  it('EEA: a description cut by the CMS ("…") is trimmed to whole sentences, too short, so the lead wins', () => {
    const ex = extract('eea');
    expect(ex.method).toBe('body');
    expect(ex.summary.startsWith("Around one in ten of Europe's groundwater bodies")).toBe(true);
    expect(ex.publishedAt).toBe('2025-12-02T00:00:00.000Z'); // DC.date.issued
  });

  it.each(['cgs', 'mnr', 'geus', 'usgs', 'bgs', 'eea'])(
    '%s: never navigation, cookie banners or related links; whole sentences within the bounds',
    (name) => {
      const ex = extract(name);
      for (const s of NEVER) expect(ex.summary).not.toContain(s);
      expect(charLength(ex.summary)).toBeGreaterThanOrEqual(150);
      expect(charLength(ex.summary)).toBeLessThanOrEqual(400);
      expect(endsSentence(ex.summary)).toBe(true);
    },
  );

  it('a registry selector takes that element’s text; one that matches nothing falls back', () => {
    const ruled = extract('cgs', { rule: { selector: '.TRS_Editor' } });
    expect(ruled.method).toBe('body');
    expect(ruled.summary).toBe(extract('cgs').summary);
    const related = extract('usgs', { rule: { selector: '.field--name-body' }, summaryMinChars: 300 });
    expect(related.method).toBe('body');
    expect(related.summary.startsWith('RESTON, Va. — The U.S. Geological Survey today released')).toBe(true);
    expect(extract('eea', { rule: { selector: '#no-such-element' } }).method).toBe('body');
    expect(extract('eea', { rule: { selector: '[[[' } }).summary).toMatch(/^Around one in ten/);
  });

  it('reads text as well as bytes, and survives pages without an article', () => {
    expect(extractArticle(page('geus').toString('utf8'), opts).summary).toBe(extract('geus').summary);
    expect(extractArticle('<html><body><nav><a href="/">Home</a></nav></body></html>', opts)).toEqual({
      summary: '',
      method: 'body',
    });
    const bad = '<script type="application/ld+json">{"@type":"NewsArticle","description":</script><p>x</p>';
    expect(extractArticle(bad, opts).summary).toBe('');
    expect(extractArticle(`<div>${'<div>'.repeat(20000)}deep</div>`, opts).method).toBe('body');
  });

  it('does not believe placeholder page dates', () => {
    const html = `<html><head><meta property="article:published_time" content="1970-01-01T00:00:00Z"></head>
      <body><time datetime="2025-05-04">4 May</time><p>${'Quartz veins. '.repeat(20)}</p></body></html>`;
    expect(extractArticle(html, opts).publishedAt).toBe('2025-05-04T00:00:00.000Z');
  });
});

describe('sentences and the summary cut', () => {
  it('splits Latin and CJK sentences, keeping abbreviations, initials and decimals', () => {
    expect(
      splitSentences('The U.S. Geological Survey said Dr. J. Smith measured 3.5 m. Then it rained!'),
    ).toEqual(['The U.S. Geological Survey said Dr. J. Smith measured 3.5 m.', 'Then it rained!']);
    expect(splitSentences('锂矿取得突破。“意义重大！”专家说？好')).toEqual([
      '锂矿取得突破。',
      '“意义重大！”',
      '专家说？',
      '好',
    ]);
  });

  it('adds whole sentences until summaryMinChars, never past summaryMaxChars', () => {
    const s = 'Alpha beta gamma delta epsilon. '.repeat(20);
    const out = summarize(s, 100, 400);
    expect(charLength(out)).toBeGreaterThanOrEqual(100);
    expect(charLength(out)).toBeLessThan(140);
    expect(out.endsWith('.')).toBe(true);
    expect(summarize('Short text.', 150, 400)).toBe('Short text.');
    const long = `${'word '.repeat(200)}end.`;
    const cut = summarize(long, 150, 400);
    expect(charLength(cut)).toBeLessThanOrEqual(400);
    expect(cut.endsWith('…')).toBe(true);
    const zh = '地质调查取得重要进展。'.repeat(30);
    const zhOut = summarize(zh, 150, 400);
    expect(charLength(zhOut)).toBeGreaterThanOrEqual(150);
    expect(zhOut.endsWith('。')).toBe(true);
    expect(zhOut).not.toContain(' ');
  });
});

describe('needsArticle / applyArticle', () => {
  const item: Item = {
    id: 'i1',
    title: '新发现锂矿',
    url: 'https://www.cgs.gov.cn/a.html',
    publishedAt: null,
  };

  it('needs the page when the summary is missing or short and there is a link', () => {
    expect(needsArticle(item, 150)).toBe(true);
    expect(needsArticle({ ...item, summary: 'x'.repeat(150) }, 150)).toBe(false);
    expect(needsArticle({ ...item, url: undefined }, 150)).toBe(false);
    expect(needsArticle({ link: 'https://e.org/a', summary: '<p>short</p>' }, 150)).toBe(true);
    expect(needsArticle({ link: 'ftp://e.org/a' }, 150)).toBe(false);
  });

  it('fills summary and a believable date, leaving the input alone', () => {
    const ex = extract('cgs');
    const out = applyArticle(item, ex, { notAfter: '2025-12-09T00:00:00Z' });
    expect(out.summary).toBe(ex.summary);
    expect(out.publishedAt).toBe('2025-12-08T09:30:00.000Z');
    expect(item.summary).toBeUndefined();
    expect(applyArticle(item, ex, { notAfter: '2025-12-01T00:00:00Z' }).publishedAt).toBeNull();
    const dated = applyArticle({ ...item, publishedAt: '2025-12-07T00:00:00.000Z' }, ex);
    expect(dated.publishedAt).toBe('2025-12-07T00:00:00.000Z');
    const longer = { ...item, summary: 'y'.repeat(500) };
    expect(applyArticle(longer, ex).summary).toBe(longer.summary);
  });

  it('fills a parse document entry with escaped text', () => {
    const out = applyArticleToParsed(
      { title: 'x', link: 'https://e.org/a' },
      { summary: 'A <b> & C.', method: 'body', publishedAt: '2025-01-02T00:00:00.000Z' },
    );
    expect(out).toEqual({
      title: 'x',
      link: 'https://e.org/a',
      summary: 'A &lt;b&gt; &amp; C.',
      published: '2025-01-02T00:00:00.000Z',
    });
  });
});
