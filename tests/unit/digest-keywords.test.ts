/**
 * The 关键词 line of the zh digest (issue 11): under each item in another language with no editor's titleZh, the
 * Chinese of the glossary entries it names and of its tags — deduplicated, at most eight — in Markdown (golden),
 * HTML (escaped) and the JSON edition; never in English renderings, never for Chinese items or edited ones.
 */
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { compileTagger, tagItem } from '../../src/pipeline/classify/tags.js';
import {
  buildDigest,
  createKeywords,
  keywordSources,
  recordKeywords,
  renderDigest,
} from '../../src/pipeline/digest/index.js';
import type { DigestRecord } from '../../src/pipeline/types.js';
import { ROOT } from '../helpers/cli.js';
import { dayRecords, TOPICS } from './digest-fixture-records.js';

const config = loadConfig({ dir: join(ROOT, 'config'), env: {} });
const tagger = compileTagger(config.tags);
/** The fixture day with the tags the real tag stage finds in each item. */
const records = dayRecords().map((r) => ({ ...r, tags: tagItem(r, tagger) }));
const OPTS = { date: '2023-10-06', timeZone: 'Asia/Shanghai', cutoffHour: 7, perSection: 10, topics: TOPICS };
const digest = buildDigest(records, OPTS);
const keywords = createKeywords(config.glossary, config.tags);
const byId = (id: string) => records.find((r) => r.id === id)!;

describe('recordKeywords', () => {
  const sources = keywordSources(config.glossary, config.tags);

  it('title terms, then commodity and country tags, then summary terms', () => {
    // Title "New national geological map reveals Australia’s hidden basement rocks"; the summary names drill holes.
    expect(recordKeywords(byId('ga-1'), sources)).toEqual(['地质图', '澳大利亚', '钻孔']);
    // Tags: lithium (its glossary label 锂); "USGS" and "Arkansas" name no country in tags.yaml.
    expect(byId('usgs-1').tags).toEqual({ commodities: ['lithium'], countries: [] });
    expect(recordKeywords(byId('usgs-1'), sources)).toEqual(['锂']);
    expect(recordKeywords(byId('bgs-1'), sources)).toEqual(['地下水', '英国', '含水层']);
  });

  it('counts commodity entries through the tags, so the tag stage’s blockers hold ("gold standard")', () => {
    const r: DigestRecord = {
      ...byId('ga-1'),
      title: 'A new gold standard for seismology',
      summary: '',
      tags: tagItem({ title: 'A new gold standard for seismology' }, tagger),
    };
    expect(r.tags.commodities).toEqual([]);
    expect(recordKeywords(r, sources)).toEqual(['地震学']);
  });

  it('names each Chinese term once and at most eight (or `max`)', () => {
    const r: DigestRecord = {
      ...byId('ga-1'),
      title: 'Earthquake, earthquakes and aftershocks near the subduction zone',
      summary:
        'Magma, lava, basalt, granite, zircon, a caldera and a seamount; another earthquake and more magma.',
      tags: { commodities: [], countries: ['JP'] },
    };
    expect(recordKeywords(r, sources)).toEqual([
      '地震',
      '余震',
      '俯冲带',
      '日本',
      '岩浆',
      '熔岩',
      '玄武岩',
      '花岗岩',
    ]);
    expect(recordKeywords(r, sources, 3)).toEqual(['地震', '余震', '俯冲带']);
  });
});

describe('the 关键词 line in the zh digest', () => {
  const md = renderDigest(digest, { format: 'md', lang: 'zh', keywords });

  it('matches the reviewed Markdown golden', async () => {
    await expect(md).toMatchFileSnapshot('../snapshots/digest-2023-10-06.zh-keywords.md');
  });

  it('stands under each non-Chinese item without an editor’s titleZh, between summary and citation', () => {
    expect(md).toContain(
      'magnetic, gravity and drill-hole data to trace ancient crustal blocks that may host mineral systems.\n\n关键词：地质图、澳大利亚、钻孔\n\n（澳大利亚地球科学局，2023.10.6）',
    );
    expect(md.match(/^关键词：/gm)).toHaveLength(4); // ga-1, nrcan-1, bgs-1, gccsi-1; usgs-1 has the editor's zh
    expect(md).not.toContain('关键词：锂');
  });

  it('is absent for Chinese items, in English renderings, and without keywords', () => {
    const zhItem = { ...byId('nrcan-1'), language: 'zh', title: '加拿大西部近海发生4.8级地震' };
    const d = buildDigest([zhItem], OPTS);
    expect(renderDigest(d, { format: 'md', lang: 'zh', keywords })).not.toContain('关键词');
    expect(renderDigest(digest, { format: 'md', lang: 'en', keywords })).not.toContain('关键词');
    expect(renderDigest(digest, { format: 'html', lang: 'en', keywords })).not.toContain('关键词');
    expect(renderDigest(digest, { format: 'md', lang: 'zh' })).not.toContain('关键词');
  });

  it('html: one escaped paragraph per item, even when a glossary term holds markup', () => {
    const html = renderDigest(digest, { format: 'html', lang: 'zh', keywords });
    const $ = cheerio.load(html);
    expect($('article p.kw').length).toBe(4);
    expect($('article').first().find('p.kw').text()).toBe('关键词：地质图、澳大利亚、钻孔');
    const hostile = createKeywords(
      { entries: [{ en: ['geological map'], zh: '<img src=x onerror=alert(1)>地质图', keyword: true }] },
      config.tags,
    );
    const evil = cheerio.load(renderDigest(digest, { format: 'html', lang: 'zh', keywords: hostile }));
    expect(evil('img').length).toBe(0);
    expect(evil('article').first().find('p.kw').text()).toBe(
      '关键词：<img src=x onerror=alert(1)>地质图、澳大利亚',
    );
  });

  it('json: the items carry their keywords', () => {
    const j = JSON.parse(renderDigest(digest, { format: 'json', lang: 'zh', keywords }));
    const items = j.sections.flatMap((s: { items: unknown[] }) => s.items);
    expect(items[0]).toMatchObject({ n: 1, keywords: ['地质图', '澳大利亚', '钻孔'] });
    expect(items.find((i: { record: { id: string } }) => i.record.id === 'usgs-1').keywords).toBeUndefined();
  });
});
