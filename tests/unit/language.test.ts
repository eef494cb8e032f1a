/** detectLanguage edge cases: scripts, hints, short and mixed text. */
import { describe, expect, it } from 'vitest';
import {
  detectLanguage,
  detectLanguageDetail,
  normalizeLanguageTag,
} from '../../src/pipeline/language/index.js';

describe('detectLanguage', () => {
  it.each([
    ['empty text, no hint', '', undefined, 'und'],
    ['empty text takes the hint', '   ', 'fr', 'fr'],
    ['digits and punctuation only', '2025-12-13 12:00 — 42 %', undefined, 'und'],
    ['Chinese headline', '研究揭示青藏高原地壳增厚机制', undefined, 'zh'],
    [
      'Chinese with Latin names and numbers',
      '德国波茨坦亥姆霍兹地球科学中心（GFZ）Patricia Martínez-Garzón教授领导的研究',
      undefined,
      'zh',
    ],
    ['two Han characters', '地震', undefined, 'zh'],
    ['kanji-only title with a Japanese source', '能登半島地震', 'ja', 'ja'],
    ['Japanese with kana', '能登半島で地震が発生しました', undefined, 'ja'],
    ['Korean', '지질자원연구원이 새로운 광물 자원을 발견했다', undefined, 'ko'],
    ['Russian', 'Землетрясение магнитудой 6,2 произошло у берегов Камчатки', undefined, 'ru'],
    [
      'English journal title without function words',
      'Seismogenic Thickening in the Pamir Plateau From Craton Underthrusting',
      undefined,
      'en',
    ],
    [
      'English news headline',
      'Hundreds of iceberg earthquakes detected at the crumbling end of Antarctica',
      undefined,
      'en',
    ],
    ['short English title with an English source', 'Critical Minerals', 'en', 'en'],
    [
      'French',
      'Un séisme de magnitude 5,1 a été ressenti dans la région de Charlevoix au Québec',
      undefined,
      'fr',
    ],
    ['German', 'Forschende entdecken neue Lagerstätten seltener Erden in Grönland', undefined, 'de'],
    ['Portuguese', 'Novo mapa geológico revela reservas de lítio no Brasil', undefined, 'pt'],
    ['Spanish', 'El terremoto de magnitud 7,1 sacudió el sur de México', undefined, 'es'],
    [
      'Danish, no hint',
      'Grundvandet i Jylland er forurenet med pesticider efter mange års landbrug',
      undefined,
      'da',
    ],
    ['short ambiguous Scandinavian text follows a Danish hint', 'Nye data om havbunden', 'da', 'da'],
    [
      'a confident detection beats a wrong hint',
      'Le glissement de terrain a détruit plusieurs maisons dans la vallée',
      'en',
      'fr',
    ],
  ])('%s', (_name, text, hint, expected) => {
    expect(detectLanguage(text, hint)).toBe(expected);
  });

  it('reports the method', () => {
    expect(detectLanguageDetail('地质调查').method).toBe('script');
    expect(detectLanguageDetail('Nye data om havbunden', 'da').language).toBe('da');
  });
});

describe('normalizeLanguageTag', () => {
  it.each([
    ['en-US', 'en'],
    ['zh-Hans', 'zh'],
    ['nb', 'no'],
    ['nn-NO', 'no'],
    ['deu', 'de'],
    ['', undefined],
    ['x-klingon', undefined],
    ['zz-top', undefined],
    ['xx', undefined],
    ['da-DK', 'da'],
  ])('%s → %s', (tag, expected) => {
    expect(normalizeLanguageTag(tag)).toBe(expected);
  });
});
