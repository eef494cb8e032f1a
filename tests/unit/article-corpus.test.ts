/**
 * The article stage on real pages: Mozilla Readability's real-site test pages (tests/fixtures/readability,
 * Apache 2.0). On every page the summary must be the article's own words and never navigation, cookie
 * banners or related links; the share whose summary is the expected excerpt or the article's first
 * sentences is reported per language (docs/articles.md) and held above a floor.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'cheerio';
import { describe, expect, it } from 'vitest';
import {
  type ArticleExtraction,
  charLength,
  endsSentence,
  extractArticle,
  tokenOverlap,
} from '../../src/pipeline/article/index.js';
import { detectLanguage, normalizeLanguageTag } from '../../src/pipeline/language/index.js';
import { htmlToText } from '../../src/pipeline/parse/text.js';
import { ROOT } from '../helpers/cli.js';

const DIR = join(ROOT, 'tests/fixtures/readability/test-pages');
const MIN = 150;
const MAX = 400;

const norm = (s: string) => s.toLowerCase().replace(/[\s\p{P}\p{S}]+/gu, '');
const weight = (t: string) => t.length + (t.match(/[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/g)?.length ?? 0);
const textOf = (html: string) => {
  const $ = load(html, { xml: { xmlMode: false, decodeEntities: true } });
  return $;
};

interface Page {
  name: string;
  language: string;
  ex: ArticleExtraction;
  expectedText: string;
  /** The article's opening: its first five paragraphs and its first three substantial ones. */
  opening: string;
  excerpt: string;
  /** Link texts of the page that are not article text (navigation, related links, footers). */
  chromeLinks: string[];
}

function loadPage(name: string): Page {
  const dir = join(DIR, name);
  const source = readFileSync(join(dir, 'source.html'));
  const expectedHtml = readFileSync(join(dir, 'expected.html'), 'utf8');
  const meta = JSON.parse(readFileSync(join(dir, 'expected-metadata.json'), 'utf8')) as {
    lang?: string | null;
    excerpt?: string | null;
  };
  const ex = extractArticle(source, {
    url: 'http://fakehost/test/page.html',
    summaryMinChars: MIN,
    summaryMaxChars: MAX,
  });
  const expectedText = htmlToText(expectedHtml);
  const $e = textOf(expectedHtml);
  const paras = $e('p')
    .toArray()
    .map((e) => $e(e).text().replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  const opening = paras.length
    ? [...paras.slice(0, 5), ...paras.filter((p) => weight(p) >= 50).slice(0, 3)].join(' ')
    : expectedText.slice(0, 1000);
  const normExpected = norm(expectedText);
  const $s = textOf(source.toString('utf8'));
  const chromeLinks = $s('a')
    .toArray()
    .map((a) => $s(a).text().replace(/\s+/g, ' ').trim())
    .filter((t) => weight(t) >= 25 && !normExpected.includes(norm(t)));
  const language =
    normalizeLanguageTag(meta.lang) ?? ex.language ?? detectLanguage(expectedText.slice(0, 2000));
  return { name, language, ex, expectedText, opening, excerpt: meta.excerpt ?? '', chromeLinks };
}

/** The summary is the expected excerpt, or begins with words of the article's opening. */
function matchesLead(p: Page): boolean {
  const head = norm(p.ex.summary).slice(0, 40);
  if (!head) return false;
  const excerpt = norm(p.excerpt);
  const isExcerpt =
    excerpt.length > 0 && (excerpt.includes(head) || norm(p.ex.summary).includes(excerpt.slice(0, 40)));
  return isExcerpt || norm(p.opening).includes(head);
}

const pages = readdirSync(DIR)
  .filter((n) => !n.startsWith('.'))
  .sort()
  .map(loadPage);

describe('article stage on Readability real-site pages', () => {
  it('reads every real-site page copied (no synthetic unit cases)', () => {
    expect(pages.length).toBeGreaterThanOrEqual(90);
    for (const n of ['bbc-1', 'lemonde-1', 'folha', 'heise', 'gmw', 'qq', 'nytimes-1']) {
      expect(pages.map((p) => p.name)).toContain(n);
    }
  });

  it.each(pages.map((p) => [p.name, p] as const))('%s: a summary of the article’s own words', (_n, p) => {
    const { summary, method } = p.ex;
    expect(charLength(summary)).toBeGreaterThan(0);
    expect(charLength(summary)).toBeLessThanOrEqual(MAX);
    // Drawn from the article: the words of a summary cut from the text are the article's; a description the
    // page wrote about itself is accepted only when most of its words are the article's.
    expect(tokenOverlap(summary, p.expectedText)).toBeGreaterThanOrEqual(method === 'body' ? 0.9 : 0.6);
    // Never navigation, related links or footers: no link text that is not article text.
    const s = norm(summary);
    for (const link of p.chromeLinks) expect(s).not.toContain(norm(link));
    // Never a cookie or consent banner.
    if (!/cookie|consent/i.test(p.expectedText)) expect(summary).not.toMatch(/cookie|consent/i);
  });

  it('ends Chinese summaries on a sentence boundary', () => {
    const zh = pages.filter((p) => p.language === 'zh');
    expect(zh.map((p) => p.name)).toEqual(expect.arrayContaining(['gmw', 'qq']));
    for (const p of zh) expect([p.name, endsSentence(p.ex.summary)]).toEqual([p.name, true]);
  });

  it('matches the expected excerpt or the article’s first sentences (per-language report)', () => {
    const table = new Map<string, { pages: number; drawn: number; lead: number }>();
    for (const p of pages) {
      const row = table.get(p.language) ?? { pages: 0, drawn: 0, lead: 0 };
      row.pages++;
      if (tokenOverlap(p.ex.summary, p.expectedText) >= 0.9) row.drawn++;
      if (matchesLead(p)) row.lead++;
      table.set(p.language, row);
    }
    const pct = (n: number, d: number) => Math.round((100 * n) / d);
    const lines = [...table.entries()]
      .sort((a, b) => b[1].pages - a[1].pages)
      .map(([l, r]) => `${l}\t${r.pages}\t${pct(r.drawn, r.pages)}%\t${pct(r.lead, r.pages)}%`);
    const all = [...table.values()].reduce(
      (a, r) => ({ pages: a.pages + r.pages, drawn: a.drawn + r.drawn, lead: a.lead + r.lead }),
      { pages: 0, drawn: 0, lead: 0 },
    );
    lines.push(`all\t${all.pages}\t${pct(all.drawn, all.pages)}%\t${pct(all.lead, all.pages)}%`);
    console.log(`language\tpages\tall words in article\texcerpt or first sentences\n${lines.join('\n')}`);
    const methods = new Map<string, number>();
    for (const p of pages) methods.set(p.ex.method, (methods.get(p.ex.method) ?? 0) + 1);
    console.log('methods', Object.fromEntries(methods));
    expect(all.lead / all.pages).toBeGreaterThanOrEqual(0.95);
    expect(all.drawn / all.pages).toBeGreaterThanOrEqual(0.9);
  });
});
