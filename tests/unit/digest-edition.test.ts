/**
 * The edition builder (src/pipeline/digest/edition.ts), pure: the editors' picks with their edits, sections and
 * order; the day's best records when there are no picks; picks whose record is gone left out and reported.
 */
import { describe, expect, it } from 'vitest';
import { applyEdits, buildEdition, type EditionPick } from '../../src/pipeline/digest/edition.js';
import { buildDigest, renderDigest } from '../../src/pipeline/digest/index.js';
import type { DigestRecord } from '../../src/pipeline/types.js';
import { dayRecords, TOPICS } from './digest-fixture-records.js';

const DATE = '2023-10-06';
const records = dayRecords();
const byId = (id: string) => records.find((r) => r.storyId === id)!;
const base = {
  date: DATE,
  issue: 7,
  timeZone: 'Asia/Shanghai',
  cutoffHour: 7,
  perSection: 10,
  topics: TOPICS,
};

function pick(
  storyId: string,
  section: string,
  edits: EditionPick['edits'] = {},
  at = '2023-10-06T01:00:00Z',
) {
  return { storyId, section, edits, at };
}

function recordMap(ids: string[]): Map<string, DigestRecord | null> {
  return new Map(ids.map((id) => [id, records.find((r) => r.storyId === id) ?? null]));
}

const ids = (d: ReturnType<typeof buildEdition>['digest']) =>
  d.sections.flatMap((s) => s.items.map((i) => `${s.id}/${i.n}/${i.record.storyId}`));

describe('buildEdition', () => {
  it('without picks: the day’s best records, exactly as buildDigest makes them, with the given issue', () => {
    const got = buildEdition({ ...base, picks: [], records: new Map(), order: {}, dayRecords: records });
    expect(got.source).toBe('auto');
    expect(got.omitted).toEqual([]);
    expect(got.digest).toEqual(buildDigest(records, base));
    expect(got.digest.issue).toBe(7);
    expect(got.digest.count).toBeGreaterThan(0);
  });

  it('with picks: only the picks, edits applied, in the editors’ order, numbered across sections in topic order', () => {
    const picks = [
      pick('usgs-1', 'energy-minerals', { titleZh: '美国锂矿新评估', summaryZh: '编辑摘要' }),
      pick('gccsi-1', 'energy-minerals', { title: 'Edited title' }),
      pick('nrcan-1', 'basic-geology'),
      // The editor moved a hydrogeology story into marine geology.
      pick('bgs-1', 'marine'),
    ];
    const got = buildEdition({
      ...base,
      picks,
      records: recordMap(picks.map((p) => p.storyId)),
      order: { 'energy-minerals': ['gccsi-1', 'usgs-1'] },
      // Ignored when there are picks.
      dayRecords: records,
    });
    expect(got.source).toBe('picks');
    expect(ids(got.digest)).toEqual([
      'basic-geology/1/nrcan-1',
      'energy-minerals/2/gccsi-1',
      'energy-minerals/3/usgs-1',
      'marine/4/bgs-1',
    ]);
    expect(got.digest.count).toBe(4);
    expect(got.digest.issue).toBe(7);
    expect(got.digest.window).toEqual(buildDigest([], base).window);
    const usgs = got.digest.sections[1]!.items[1]!.record;
    expect(usgs.titleZh).toBe('美国锂矿新评估');
    expect(usgs.summaryZh).toBe('编辑摘要');
    expect(usgs.title).toBe(byId('usgs-1').title);
    expect(got.digest.sections[1]!.items[0]!.record.title).toBe('Edited title');
    const zh = renderDigest(got.digest, { format: 'md', lang: 'zh' });
    expect(zh).toContain('美国锂矿新评估');
    expect(zh).toContain('编辑摘要');
    expect(zh).toContain('2023年第7期');
    expect(renderDigest(got.digest, { format: 'md', lang: 'en' })).toContain('Edited title');
  });

  it('unordered picks follow the ordered ones by acceptance time; a gone record or unknown section is omitted', () => {
    const picks = [
      pick('ga-1', 'basic-geology', {}, '2023-10-06T03:00:00Z'),
      pick('early', 'basic-geology', {}, '2023-10-06T02:00:00Z'),
      pick('nrcan-1', 'basic-geology', {}, '2023-10-06T04:00:00Z'),
      pick('gone', 'basic-geology'),
      // An unknown section falls back to the record's topic.
      pick('gccsi-1', 'no-such-topic'),
      pick('offtopic', 'no-such-topic'),
    ];
    const got = buildEdition({
      ...base,
      picks,
      records: recordMap(picks.map((p) => p.storyId)),
      order: { 'basic-geology': ['nrcan-1'] },
      dayRecords: [],
    });
    expect(ids(got.digest)).toEqual([
      'basic-geology/1/nrcan-1',
      'basic-geology/2/early',
      'basic-geology/3/ga-1',
      'carbon-neutrality/4/gccsi-1',
    ]);
    expect(got.omitted.sort()).toEqual(['gone', 'offtopic']);
  });

  it('a picked story outside the day’s window and beyond perSection is still in (editors chose it)', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({
      ...byId('late'),
      id: `m-${i}`,
      storyId: `m-${i}`,
      publishedAt: '2023-09-01T00:00:00Z',
    }));
    const picks = many.map((r, i) =>
      pick(r.storyId, 'basic-geology', {}, `2023-10-06T00:00:${String(i).padStart(2, '0')}Z`),
    );
    const got = buildEdition({
      ...base,
      picks,
      records: new Map(many.map((r) => [r.storyId, r])),
      order: {},
      dayRecords: [],
    });
    expect(got.digest.count).toBe(12);
    expect(got.digest.sections[0]!.items.map((i) => i.record.storyId)).toEqual(many.map((r) => r.storyId));
  });

  it('applyEdits keeps the record’s own text for absent or empty edits and never mutates the record', () => {
    const r = byId('usgs-1');
    const copy = structuredClone(r);
    expect(applyEdits(r, {})).toEqual(r);
    expect(applyEdits(r, { title: '', titleZh: '' })).toEqual(r);
    const e = applyEdits(r, { title: 'T', summary: 'S', titleZh: '标题', summaryZh: '摘要' });
    expect(e).toMatchObject({
      title: 'T',
      summary: 'S',
      titleZh: '标题',
      summaryZh: '摘要',
      storyId: r.storyId,
    });
    expect(r).toEqual(copy);
  });
});
