/**
 * The aligned glossary (config/glossary.yaml) through the config door, the pure matcher (any language, character
 * offsets, leftmost-longest), the placeholders that carry terms through LibreTranslate, and the translation
 * request of a record (issue 11: Chinese drafts).
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import {
  compileGlossary,
  compilePairs,
  glossaryPairs,
  matchGlossary,
} from '../../src/pipeline/glossary/index.js';
import { protectTerms, restoreTerms } from '../../src/translate/placeholders.js';
import { clip, draftInput, needsDraft } from '../../src/translate/request.js';
import { ROOT } from '../helpers/cli.js';
import { dayRecords } from './digest-fixture-records.js';

const config = loadConfig({ dir: join(ROOT, 'config'), env: {} });
const glossary = compileGlossary(config.glossary.entries);
const zhOf = (text: string) => matchGlossary(glossary, text).map((m) => m.zh);

function configDir(files: Record<string, string | null>): string {
  const dir = mkdtempSync(join(tmpdir(), 'geointel-glossary-'));
  cpSync(join(ROOT, 'config'), dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    if (text === null) rmSync(join(dir, name));
    else writeFileSync(join(dir, name), text);
  }
  return dir;
}

function issuesOf(fn: () => unknown): ConfigError['issues'] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('no ConfigError');
}

describe('config/glossary.yaml', () => {
  it('loads a few hundred aligned entries, every tags.yaml commodity labelled by one', () => {
    const entries = config.glossary.entries;
    expect(entries.length).toBeGreaterThan(200);
    expect(entries.length).toBeLessThan(1000);
    for (const id of Object.keys(config.tags.commodities))
      expect(
        entries.filter((e) => e.tag === id),
        id,
      ).toHaveLength(1);
    expect(entries.filter((e) => e.fr || e.de || e.da || e.pt || e.ja).length).toBeGreaterThan(30);
  });

  it('every term finds its own entry, whole, and nothing else', () => {
    config.glossary.entries.forEach((e, i) => {
      for (const lang of ['en', 'da', 'de', 'es', 'fr', 'it', 'ja', 'pt'] as const) {
        for (const raw of e[lang] ?? []) {
          const term = raw.replace(/^=/, '');
          const found = matchGlossary(glossary, term);
          expect(found, `${lang} ${raw}`).toEqual([
            expect.objectContaining({ entry: i, zh: e.zh, start: 0, end: term.length }),
          ]);
        }
      }
    });
  });

  it('an absent glossary.yaml is no glossary, not an error', () => {
    expect(loadConfig({ dir: configDir({ 'glossary.yaml': null }), env: {} }).glossary).toEqual({
      entries: [],
    });
  });

  it('refuses a term twice, a `*` prefix and a tag that is not a tags.yaml commodity, with file and line', () => {
    const dir = configDir({
      'glossary.yaml':
        'entries:\n  - { en: [magma], zh: 岩浆 }\n  - { en: [Magma], zh: 熔岩 }\n  - { en: [lava*], zh: 熔岩 }\n  - { en: [unobtainium], zh: 难得素, tag: unobtainium }\n',
    });
    const issues = issuesOf(() => loadConfig({ dir, env: {} }));
    issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    expect(issues.map((i) => `${i.line}:${i.path}`)).toEqual([
      '3:entries[1].en[0]',
      '4:entries[2].en[0]',
      '5:entries[3].tag',
    ]);
    expect(issues[0]!.message).toMatch(/already a term of entries\[0\]/);
    expect(issues[2]!.message).toMatch(/not a commodity of tags.yaml/);
  });
});

describe('matchGlossary', () => {
  it('matches whole words only, case- and accent-insensitively', () => {
    expect(zhOf('The ORE grade')).toEqual(['品位']);
    expect(zhOf('more and more lavatories')).toEqual([]);
    expect(zhOf('Un séisme et des SEISMES')).toEqual(['地震', '地震']);
    expect(zhOf('Grundwasser in Bayern')).toEqual(['地下水']);
  });

  it('takes the longest term at each position (shale gas, not shale)', () => {
    expect(zhOf('shale gas and shale')).toEqual(['页岩气', '页岩']);
    expect(zhOf('carbon capture and storage hubs')).toEqual(['碳捕集与封存']);
  });

  it('treats hyphens and spaces alike, but never joins words across a sentence end', () => {
    expect(zhOf('lead-zinc and deep sea mining')).toEqual(['铅锌', '深海采矿']);
    expect(zhOf('Capture of carbon. Capture is costly')).toEqual([]);
  });

  it('matches `=` terms case-sensitively', () => {
    expect(zhOf('CCS and LNG')).toEqual(['碳捕集与封存', '液化天然气']);
    expect(zhOf('ccs and lng')).toEqual([]);
  });

  it('matches Chinese and Japanese terms as substrings, with character offsets', () => {
    const text = '大雨で地すべりが発生 — landslide';
    const found = matchGlossary(glossary, text);
    expect(found.map((m) => [m.zh, text.slice(m.start, m.end)])).toEqual([
      ['滑坡', '地すべり'],
      ['滑坡', 'landslide'],
    ]);
  });

  it('gives the distinct pairs a translator needs, as configured', () => {
    expect(
      glossaryPairs(glossary, ['Earthquakes and an earthquake', 'CCS near the subduction zone']),
    ).toEqual([
      { term: 'earthquakes', zh: '地震' },
      { term: 'earthquake', zh: '地震' },
      { term: 'CCS', zh: '碳捕集与封存', caseSensitive: true },
      { term: 'subduction zone', zh: '俯冲带' },
    ]);
  });
});

describe('placeholders (LibreTranslate has no glossary parameter)', () => {
  const pairs = compilePairs([
    { term: 'subduction zone', zh: '俯冲带' },
    { term: 'earthquake', zh: '地震' },
    { term: 'CCS', zh: '碳捕集与封存', caseSensitive: true },
  ]);

  it('replaces each term by a numbered placeholder, one number per Chinese term', () => {
    expect(protectTerms('An earthquake in the subduction zone; another earthquake.', pairs)).toEqual({
      text: 'An [#1] in the [#2]; another [#1].',
      slots: ['地震', '俯冲带'],
    });
    expect(protectTerms('No terms here', pairs)).toBeNull();
    expect(protectTerms('Already [#1] marked earthquake', pairs)).toBeNull();
  });

  it('puts the Chinese back, dropping the spaces engines add next to Chinese', () => {
    expect(restoreTerms('[#2] 发生 [#1]，另一次 [#1]。', ['地震', '俯冲带'])).toBe(
      '俯冲带发生地震，另一次地震。',
    );
    expect(restoreTerms('［＃１］ 与 CCS [ # 2 ] 项目', ['地震', '碳捕集与封存'])).toBe(
      '地震与 CCS 碳捕集与封存项目',
    );
  });

  it('says when a placeholder is lost or unknown (the caller translates again without them)', () => {
    expect(restoreTerms('发生地震', ['地震'])).toBeNull();
    expect(restoreTerms('[#1] 和 [#3]', ['地震', '俯冲带'])).toBeNull();
  });
});

describe('the translation request of a record', () => {
  const [usgs, , nrcan] = dayRecords();

  it('drafts relevant stories in other languages without an editor’s Chinese', () => {
    expect(needsDraft({ relevant: true, language: 'en' })).toBe(true);
    expect(needsDraft({ relevant: true, language: 'da' })).toBe(true);
    expect(needsDraft({ relevant: true, language: 'zh' })).toBe(false);
    expect(needsDraft({ relevant: true, language: 'zh-Hant' })).toBe(false);
    expect(needsDraft({ relevant: false, language: 'en' })).toBe(false);
    expect(needsDraft({ relevant: true, language: 'en', titleZh: '编辑的标题' })).toBe(false);
  });

  it('sends title and summary with the pairs they name; an unknown language is auto', () => {
    const input = draftInput({ ...nrcan!, language: 'und' }, glossary, 2_000);
    expect(input.texts).toEqual([nrcan!.title, nrcan!.summary]);
    expect(input.from).toBe('auto');
    // "Earthquakes Canada" is the agency's name, and still the glossary's word.
    expect(input.glossary).toEqual([
      { term: 'earthquake', zh: '地震' },
      { term: 'earthquakes', zh: '地震' },
    ]);
    expect(input.cut).toBe(0);
    expect(draftInput(usgs!, glossary, 2_000).glossary.map((p) => p.zh)).toEqual(['锂']);
  });

  it('keeps within maxChars: the title whole, the summary cut at a sentence end', () => {
    const input = draftInput(usgs!, glossary, 350);
    expect(input.texts[0]).toBe(usgs!.title);
    expect(input.texts.join('').length).toBeLessThanOrEqual(350);
    expect(input.texts[1]).toMatch(/several times over\.$/);
    expect(input.cut).toBe(usgs!.summary.length - input.texts[1]!.length);
    expect(clip('One two three four five six seven', 12)).toBe('One two');
  });
});
