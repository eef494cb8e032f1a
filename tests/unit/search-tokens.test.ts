/** The full-text tokenizer on English, Chinese, German, French and Japanese text (src/pipeline/search/tokens.ts). */
import { describe, expect, it } from 'vitest';
import { MAX_TOKEN_CHARS, MAX_TOKENS, recordTokens, textTokens } from '../../src/pipeline/search/tokens.js';

describe('textTokens', () => {
  it('English: lower-cased words, stop-words and one-letter words dropped, plural -s folded, distinct', () => {
    expect(
      textTokens('USGS: Earthquakes shake the Alaska Peninsula — an M 7.1 quake; earthquake swarms'),
    ).toEqual(['usgs', 'earthquake', 'shake', 'alaska', 'peninsula', 'quake', 'swarm']);
    // -ss, -us, -is and short words keep their s.
    expect(textTokens('gas glass basis humus analysis mass')).toEqual([
      'gas',
      'glass',
      'basis',
      'humus',
      'analysis',
      'mass',
    ]);
  });

  it('Chinese: Han runs become overlapping bigrams; Latin words and digits inside stay words', () => {
    expect(textTokens('中国地质调查局发现大型锂矿')).toEqual([
      '中国',
      '国地',
      '地质',
      '质调',
      '调查',
      '查局',
      '局发',
      '发现',
      '现大',
      '大型',
      '型锂',
      '锂矿',
    ]);
    expect(textTokens('CO2地质封存，2023年')).toEqual(['co2', '地质', '质封', '封存', '2023', '年']);
    // A lone Han character between other characters stays a unigram.
    expect(textTokens('锂 价格')).toEqual(['锂', '价格']);
  });

  it('German: umlauts and ß kept (diacritics of Latin letters folded), stop-words dropped, hyphens split', () => {
    expect(
      textTokens(
        'Die Bundesanstalt für Geowissenschaften und Rohstoffe meldet Erdbeben in der Türkei; CO2-Speicherung',
      ),
    ).toEqual([
      'bundesanstalt',
      'geowissenschaften',
      'rohstoffe',
      'meldet',
      'erdbeben',
      'turkei',
      'co2',
      'speicherung',
    ]);
    expect(textTokens('Straße Größe')).toEqual(['straße', 'große']);
  });

  it('French: elisions split at the apostrophe, accents folded so géologie = geologie', () => {
    expect(textTokens("L'eau souterraine de la région est contaminée par l'arsenic")).toEqual([
      'eau',
      'souterraine',
      'region',
      'contaminee',
      'arsenic',
    ]);
    expect(textTokens('Géologie')).toEqual(textTokens('geologie'));
    expect(textTokens('régions')).toEqual(['region']);
  });

  it('Japanese: kanji runs as bigrams, katakana runs as words, hiragana dropped', () => {
    expect(textTokens('気象庁は桜島の噴火について、マグマの上昇を観測したと発表した')).toEqual([
      '気象',
      '象庁',
      '桜島',
      '噴火',
      'マグマ',
      '上昇',
      '観測',
      '発表',
    ]);
    expect(textTokens('リチウム・イオン')).toEqual(['リチウム', 'イオン']);
  });

  it('NFKC: full-width letters and digits read as ASCII', () => {
    expect(textTokens('ＬＩＴＨＩＵＭ　ｐｒｉｃｅｓ ２０２４')).toEqual(['lithium', 'price', '2024']);
  });

  it('bounds: at most MAX_TOKENS tokens, none longer than MAX_TOKEN_CHARS; empty text has none', () => {
    const many = Array.from({ length: MAX_TOKENS + 50 }, (_, i) => `word${i}`).join(' ');
    expect(textTokens(many)).toHaveLength(MAX_TOKENS);
    expect(textTokens(`${'x'.repeat(MAX_TOKEN_CHARS + 1)} ok ${'y'.repeat(MAX_TOKEN_CHARS)}`)).toEqual([
      'ok',
      'y'.repeat(MAX_TOKEN_CHARS),
    ]);
    expect(textTokens('')).toEqual([]);
    expect(textTokens('the of a — , .')).toEqual([]);
  });

  it('a query tokenizes like the text it looks for', () => {
    const text = 'Rare earth deposits found in Greenland (稀土矿床)';
    const index = new Set(textTokens(text));
    for (const q of ['rare earths', 'Greenland deposit', '稀土矿', 'RARE EARTH'])
      for (const t of textTokens(q)) expect(index.has(t), `${q}: ${t}`).toBe(true);
  });
});

describe('recordTokens', () => {
  it('covers the title, summary and editors’ Chinese title and summary, title first', () => {
    const tokens = recordTokens({
      title: 'Lithium brine',
      summary: 'Salar study',
      titleZh: '盐湖锂',
      summaryZh: '卤水',
    });
    expect(tokens.slice(0, 2)).toEqual(['lithium', 'brine']);
    for (const t of ['salar', 'study', '盐湖', '湖锂', '卤水']) expect(tokens).toContain(t);
  });
});
