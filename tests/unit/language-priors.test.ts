/**
 * Language on short text (issue #12): the source's and the feed's declared languages are priors, strongest
 * under SHORT_TEXT_LETTERS letters; a declared language in another script is no prior; Han-only text is told
 * apart by the characters only Chinese or only Japanese writes; bibliographic lines are not read. Measured on
 * the short-title set (tests/fixtures/labels/short-titles-lang.jsonl) with and without the source prior.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { foreignLetterShare, hanVariant } from '../../src/pipeline/language/cues.js';
import {
  detectLanguage,
  detectLanguageDetail,
  type LanguageHint,
  languageSample,
  SHORT_PRIOR_WEIGHT,
} from '../../src/pipeline/language/index.js';

describe('declared languages as priors', () => {
  it.each<[string, string, LanguageHint, string]>([
    [
      'a USGS event title with the source and the feed declaring English',
      'M 5.1 - Tristan da Cunha region',
      { source: 'en', feed: 'en' },
      'en',
    ],
    ['a short German title under a German source', 'Erdbeben in Island', { source: 'de' }, 'de'],
    ['a short title under an English source', 'Critical minerals outlook', { source: 'en' }, 'en'],
    [
      'a Japanese source’s English headline: ja is no prior for Latin text',
      'Groundwater levels fall again',
      { source: 'ja', feed: 'ja' },
      'en',
    ],
    [
      'source and feed disagree: the text decides between them',
      'Nouvelle carte géologique du Québec',
      { source: 'en', feed: 'fr' },
      'fr',
    ],
    [
      'a short title in another language than its source’s',
      'Mapa geológico do Brasil',
      { source: 'en' },
      'pt',
    ],
    [
      'a long text beats a wrong prior',
      'Le glissement de terrain a détruit plusieurs maisons dans la vallée',
      { source: 'en' },
      'fr',
    ],
    ['kanji-only title under a Japanese source', '能登半島地震', { source: 'ja' }, 'ja'],
    ['simplified Chinese under a Japanese source', '研究发现新的铜矿资源', { source: 'ja' }, 'zh'],
    [
      'Japanese shinjitai without kana under a Chinese source',
      '東京駅周辺地盤調査結果発表',
      { source: 'zh' },
      'ja',
    ],
    [
      'Chinese naming a person in Latin letters',
      '德国学者Patricia Martínez-Garzón发表新研究',
      undefined,
      'zh',
    ],
    ['a single string is the source’s declared language', 'Nye data om havbunden', 'da', 'da'],
    ['no text: the declared language', '   ', { feed: 'pt' }, 'pt'],
  ])('%s', (_name, text, hint, expected) => {
    expect(detectLanguage(text, hint)).toBe(expected);
  });

  it('says which priors weighed and how much: more on short text', () => {
    const short = detectLanguageDetail('M 5.1 - Tristan da Cunha region', { source: 'en', feed: 'en' });
    expect(short).toMatchObject({
      language: 'en',
      method: 'prior',
      prior: { languages: ['en'], weight: SHORT_PRIOR_WEIGHT, short: true },
    });
    // Without the prior the function word "da" and franc's trigrams read it as Italian: the prior decided.
    expect(detectLanguage('M 5.1 - Tristan da Cunha region')).not.toBe('en');
    const long = detectLanguageDetail(
      'Temperature insensitive viscous deformation limits megathrust seismogenesis',
      { source: 'en', feed: 'fr' },
    );
    expect(long.language).toBe('en');
    expect(long.prior).toEqual({ languages: ['en', 'fr'], weight: 0.12, short: false });
    expect(detectLanguageDetail('Erdbeben in Island').prior).toBeUndefined();
  });
});

describe('cues of short text', () => {
  it('a letter outside a language’s alphabet counts against it, less in a long text', () => {
    const share = foreignLetterShare("Mandela quitte l'hôpital", ['fr', 'it', 'en']);
    expect(share.get('fr')).toBe(0);
    expect(share.get('it')).toBeGreaterThan(0.3);
    expect(share.get('en')).toBeGreaterThan(0.3);
    const name = foreignLetterShare('A new mineral found in a super-deep diamond from Juína in Brazil', [
      'en',
    ]);
    expect(name.get('en')).toBeLessThan(0.2);
    expect(foreignLetterShare('No letters outside ASCII', ['de']).get('de')).toBe(0);
  });

  it.each([
    ['这是新发现的铁矿', 'zh'],
    ['鉄鉱石の価格', 'ja'],
    ['地震', undefined],
  ])('hanVariant(%s) = %s', (text, expected) => {
    expect(hanVariant(text)).toBe(expected);
  });

  it('bibliographic lines are not read (the megathrust paper is English)', () => {
    const title = 'Temperature insensitive viscous deformation limits megathrust seismogenesis';
    const summary =
      'Publication date: January 2026Source: Earth and Planetary Science Letters, Volume 673Author(s): Liam Moser, Matěj Peč, Camilla Cattania';
    const sample = languageSample(title, summary);
    expect(sample).not.toMatch(/Publication date|Author\(s\)|Peč/);
    expect(sample.startsWith(title)).toBe(true);
    expect(detectLanguage(sample)).toBe('en');
    const nature = languageSample(
      'What we eat',
      'Nature, Published online: 09 December 2025; doi:10.1038/d41586-025-03977-7An ambitious book challenges long-held assumptions.',
    );
    expect(nature).not.toMatch(/Published online/);
    expect(nature).toContain('An ambitious book');
  });
});

interface ShortTitle {
  title: string;
  declared: string;
  language: string;
  kind: string;
}

describe('the short-title set (10–30 characters), with and without the source prior', () => {
  const items = readFileSync(
    join(import.meta.dirname, '..', 'fixtures', 'labels', 'short-titles-lang.jsonl'),
    'utf8',
  )
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as ShortTitle);
  const accuracy = (pick: (i: ShortTitle) => LanguageHint, keep: (i: ShortTitle) => boolean = () => true) => {
    const set = items.filter(keep);
    return set.filter((i) => detectLanguage(i.title, pick(i)) === i.language).length / set.length;
  };
  const withPrior = accuracy((i) => ({ source: i.declared }));
  const without = accuracy(() => undefined);
  const latin = (i: ShortTitle) => i.kind !== 'translation';
  console.log(
    `short titles: ${items.length}, ${items.filter((i) => i.declared !== i.language).length} not in their source's language; ` +
      `accuracy with the source prior ${withPrior.toFixed(3)}, without ${without.toFixed(3)}; ` +
      `without the Chinese translations (script decides) ${accuracy((i) => ({ source: i.declared }), latin).toFixed(3)} / ${accuracy(() => undefined, latin).toFixed(3)}`,
  );

  it('has at least a quarter of its titles in another language than their source declares', () => {
    expect(items.length).toBeGreaterThanOrEqual(200);
    expect(items.filter((i) => i.declared !== i.language).length / items.length).toBeGreaterThanOrEqual(0.25);
  });
  it('is ≥ 90 % right with the source prior', () => expect(withPrior).toBeGreaterThanOrEqual(0.9));
  it('the prior helps: with it beats without it', () => expect(withPrior).toBeGreaterThan(without));
});
