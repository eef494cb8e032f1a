import { describe, expect, it } from 'vitest';
import { buildDigest, renderDigest } from '../../src/pipeline/digest/index.js';
import { escapeMarkdown } from '../../src/pipeline/digest/render-md.js';
import { dayRecords, TOPICS } from './digest-fixture-records.js';

const OPTS = { date: '2023-10-06', timeZone: 'Asia/Shanghai', cutoffHour: 7, perSection: 10, topics: TOPICS };

describe('buildDigest', () => {
  const digest = buildDigest(dayRecords(), OPTS);
  const ids = digest.sections.flatMap((s) => s.items.map((e) => e.record.id));

  it('selects [D−1 07:00, D 07:00) Asia/Shanghai, relevant only, one per story (canonical item)', () => {
    expect(digest.window).toEqual({ from: '2023-10-04T23:00:00.000Z', to: '2023-10-05T23:00:00.000Z' });
    expect(ids).not.toContain('early');
    expect(ids).not.toContain('late');
    expect(ids).not.toContain('offtopic');
    expect(ids).not.toContain('sd-1');
    expect(ids).toContain('usgs-1');
    expect(ids).toContain('bgs-1'); // no publishedAt: fetchedAt 2023-10-05T07:15Z is inside
  });

  it('orders sections by taxonomy, best score first, numbers continuously', () => {
    expect(digest.sections.map((s) => s.id)).toEqual(TOPICS.map((t) => t.id));
    expect(ids).toEqual(['ga-1', 'nrcan-1', 'usgs-1', 'bgs-1', 'gccsi-1']);
    expect(digest.sections.flatMap((s) => s.items.map((e) => e.n))).toEqual([1, 2, 3, 4, 5]);
    expect(digest.count).toBe(5);
    expect(digest.issue).toBe(279);
  });

  it('keeps at most perSection per section', () => {
    const d = buildDigest(dayRecords(), { ...OPTS, perSection: 1 });
    expect(d.sections.find((s) => s.id === 'basic-geology')!.items.map((e) => e.record.id)).toEqual(['ga-1']);
    expect(d.sections.flatMap((s) => s.items.map((e) => e.n))).toEqual([1, 2, 3, 4]);
  });

  it('without a date takes every record and dates the issue by the newest one', () => {
    const d = buildDigest(dayRecords(), { ...OPTS, date: undefined });
    expect(d.date).toBe('2023-10-07'); // newest 2023-10-05T23:30Z = 07:30 Beijing on the 6th, after the cutoff
    expect(d.count).toBe(7);
  });

  it('rejects an impossible date', () => {
    expect(() => buildDigest([], { ...OPTS, date: '2023-02-30' })).toThrow(/calendar day/);
  });
});

describe('renderDigest', () => {
  const digest = buildDigest(dayRecords(), OPTS);

  it('zh: Chinese headings, section names, dates, citations and the editor’s zh text', () => {
    const md = renderDigest(digest, { format: 'md', lang: 'zh' });
    expect(md).toContain('# 地学快讯');
    expect(md).toContain('**2023年第279期** · 2023年10月6日');
    expect(md.indexOf('## 一、基础地质')).toBeLessThan(md.indexOf('## 二、能源矿产'));
    expect(md).toContain('美国地质调查局评估阿肯色州南部斯马科弗组卤水锂资源');
    expect(md).toContain('（美国地质调查局，2023.10.5）');
    expect(md).toContain('（英国地质调查局，2023.10.5）');
    expect(md).not.toContain('海洋地质'); // empty sections are not shown
  });

  it('en: English headings and citations, original titles', () => {
    const md = renderDigest(digest, { format: 'md', lang: 'en' });
    expect(md).toContain('# Geoscience Express');
    expect(md).toContain('**No. 279, 2023** · 6 October 2023');
    expect(md).toContain('## 1. Basic geology');
    expect(md).toContain('### 3. [USGS estimates lithium resources');
    expect(md).toContain('(USGS, 2023-10-05)');
    expect(md).toContain('(GA, 2023-10-06)');
  });

  it('matches the reviewed Markdown snapshots', async () => {
    await expect(renderDigest(digest, { format: 'md', lang: 'zh' })).toMatchFileSnapshot(
      '../snapshots/digest-2023-10-06.zh.md',
    );
    await expect(renderDigest(digest, { format: 'md', lang: 'en' })).toMatchFileSnapshot(
      '../snapshots/digest-2023-10-06.en.md',
    );
  });

  it('json: the structured edition, sections → records', () => {
    const j = JSON.parse(renderDigest(digest, { format: 'json', lang: 'zh' }));
    expect(j.schema).toBe('geointel.digest/1');
    expect(j.sections).toHaveLength(5);
    expect(j.sections[1].name).toBe('能源矿产');
    expect(j.sections[1].items[0]).toMatchObject({ n: 3, citation: '（美国地质调查局，2023.10.5）' });
    expect(j.sections[1].items[0].record.id).toBe('usgs-1');
  });

  it('html: a standalone document with a CSP and safe links', () => {
    const html = renderDigest(digest, { format: 'html', lang: 'en' });
    expect(html).toContain('<meta http-equiv="Content-Security-Policy"');
    expect(html).toContain('rel="noopener noreferrer"');
    expect(html).toContain('(USGS, 2023-10-05)');
  });
});

describe('escapeMarkdown', () => {
  it.each([
    ['12. Rocks of the Archean', '12\\. Rocks of the Archean'],
    ['# not a heading', '\\# not a heading'],
    ['[link](javascript:x)', '\\[link\\](javascript:x)'],
    ['line\nbreak', 'line break'],
  ])('%j → %j', (input, out) => {
    expect(escapeMarkdown(input)).toBe(out);
  });
});
