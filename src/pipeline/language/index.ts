/**
 * Language identification for titles and texts: Unicode script detection for CJK, Hangul, Cyrillic and
 * Greek, then franc's trigram distances restricted to the Latin-script languages sources publish in,
 * combined with a function-word (stopword) prior and a source-hint fallback for short or ambiguous text.
 *
 * Pure: no I/O, no clock. Returns ISO 639-1 codes or `und`.
 */
import { francAll } from 'franc';
import {
  breakConfusableTie,
  DIACRITIC_LANGS,
  decisiveStopwords,
  englishMorphology,
  MAX_CHARS,
  stopwordScores,
} from './cues.js';

/**
 * Latin-script languages considered by default (ISO 639-1): those the registered sources publish in, plus
 * Spanish, Italian, Norwegian and Swedish. Dutch is left out: franc reads German and English headlines as
 * Dutch too often; pass `latin` to widen the set.
 */
export const DEFAULT_LATIN_LANGUAGES: readonly string[] = [
  'en',
  'de',
  'fr',
  'es',
  'pt',
  'it',
  'da',
  'no',
  'sv',
];

/** ISO 639-1 → the ISO 639-3 code franc uses. */
const TO_639_3: Record<string, string> = {
  en: 'eng',
  de: 'deu',
  fr: 'fra',
  es: 'spa',
  pt: 'por',
  it: 'ita',
  nl: 'nld',
  da: 'dan',
  no: 'nob',
  sv: 'swe',
  fi: 'fin',
  pl: 'pol',
  cs: 'ces',
  ro: 'ron',
  tr: 'tur',
  id: 'ind',
  ca: 'cat',
};
const FROM_639_3: Record<string, string> = Object.fromEntries(
  Object.entries(TO_639_3).map(([k, v]) => [v, k]),
);

export interface LanguageOptions {
  /**
   * Latin-script languages to choose among.
   * @defaultValue DEFAULT_LATIN_LANGUAGES
   */
  latin?: readonly string[];
  /**
   * Weight of the stopword prior relative to franc's normalised score (0..1).
   * @defaultValue 0.6
   */
  stopwordWeight?: number;
  /**
   * Constant prior added to English, the language of most sources and of science titles everywhere; franc's
   * English model is weak on headlines.
   * @defaultValue 0.1
   */
  englishPrior?: number;
  /**
   * Largest penalty for languages that write diacritics when a text has none (scaled by text length).
   * @defaultValue 0.15
   */
  asciiPenalty?: number;
  /**
   * Below this margin between the two best Latin candidates, a hint that is among them wins.
   * @defaultValue 0.12
   */
  hintMargin?: number;
}

/** Per-call detail, for tests and `--explain`. */
export interface LanguageDetail {
  language: string;
  /** `script`, `franc+stopwords`, `hint`, `stopwords`, `empty`. */
  method: string;
  /** Best Latin candidates with combined scores (only for Latin text). */
  candidates?: Array<[string, number]>;
}

/** franc reads at most this much: 200 characters of trigrams decide, and franc is the slow part. */
const FRANC_CHARS = 200;

/** Counts of letters per script in the first MAX_CHARS characters. */
interface ScriptCounts {
  han: number;
  kana: number;
  hangul: number;
  cyrillic: number;
  greek: number;
  arabic: number;
  latin: number;
}

function countScripts(text: string): ScriptCounts {
  const c: ScriptCounts = { han: 0, kana: 0, hangul: 0, cyrillic: 0, greek: 0, arabic: 0, latin: 0 };
  const n = Math.min(text.length, MAX_CHARS);
  for (let i = 0; i < n; i++) {
    const cp = text.charCodeAt(i);
    if (cp < 0x80) {
      if ((cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) c.latin++;
    } else if (cp >= 0x4e00 && cp <= 0x9fff) c.han++;
    else if (cp >= 0x3040 && cp <= 0x30ff) c.kana++;
    else if (cp >= 0xac00 && cp <= 0xd7af) c.hangul++;
    else if (cp >= 0x3400 && cp <= 0x4dbf) c.han++;
    else if (cp >= 0x0400 && cp <= 0x04ff) c.cyrillic++;
    else if (cp >= 0x0370 && cp <= 0x03ff) c.greek++;
    else if (cp >= 0x0600 && cp <= 0x06ff) c.arabic++;
    else if (cp >= 0xc0 && cp <= 0x24f && cp !== 0xd7 && cp !== 0xf7) c.latin++;
    else if (cp >= 0xff66 && cp <= 0xff9d) c.kana++;
  }
  return c;
}

/** ICU's language names: a two-letter code it cannot name (`zz`, `xx`) is no ISO 639-1 code. */
const LANGUAGE_NAMES = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/** Normalises a hint such as `en-US`, `zh-Hans`, `nb` to ISO 639-1, or undefined. */
export function normalizeLanguageTag(tag: string | null | undefined): string | undefined {
  if (!tag) return undefined;
  const base = tag.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  if (base === 'nb' || base === 'nn') return 'no';
  if (/^[a-z]{2}$/.test(base)) return LANGUAGE_NAMES.of(base) ? base : undefined;
  if (base.length === 3) return FROM_639_3[base] ?? undefined;
  return undefined;
}

/**
 * Detects the language of `text` with details (method and Latin candidates).
 * @param hint the source's declared language (any BCP-47-ish tag), used when the text is short or ambiguous.
 */
export function detectLanguageDetail(
  text: string,
  hint?: string | null,
  opts: LanguageOptions = {},
): LanguageDetail {
  const h = normalizeLanguageTag(hint);
  const trimmed = text.trim();
  if (trimmed.length === 0) return { language: h ?? 'und', method: h ? 'hint' : 'empty' };

  const s = countScripts(trimmed);
  const cjk = s.han + s.kana;
  if (s.hangul > 0 && s.hangul >= cjk && s.hangul * 2 >= s.latin) return { language: 'ko', method: 'script' };
  if (cjk > 0 && cjk * 2 >= s.latin) {
    if (s.kana >= 2 || (s.kana > 0 && s.kana * 10 >= cjk)) return { language: 'ja', method: 'script' };
    // Han only: Chinese unless the source says Japanese (kanji-only headlines exist).
    return { language: h === 'ja' ? 'ja' : 'zh', method: 'script' };
  }
  if (s.cyrillic > s.latin) {
    const uk = /[іїєґ]/i.test(trimmed);
    return {
      language: h && ['ru', 'uk', 'bg', 'sr', 'mk'].includes(h) ? h : uk ? 'uk' : 'ru',
      method: 'script',
    };
  }
  if (s.greek > s.latin) return { language: 'el', method: 'script' };
  if (s.arabic > s.latin)
    return { language: h && ['ar', 'fa', 'ur'].includes(h) ? h : 'ar', method: 'script' };
  if (s.latin === 0) return { language: h ?? 'und', method: h ? 'hint' : 'empty' };

  return detectLatin(trimmed, h, opts);
}

function detectLatin(text: string, h: string | undefined, opts: LanguageOptions): LanguageDetail {
  const langs = opts.latin ?? DEFAULT_LATIN_LANGUAGES;
  const weight = opts.stopwordWeight ?? 0.6;
  const margin = opts.hintMargin ?? 0.12;
  const only = langs.map((l) => TO_639_3[l]).filter((x): x is string => Boolean(x));
  const combined = new Map<string, number>();
  const sw = stopwordScores(text, langs);
  const fast = decisiveStopwords(sw, h);
  if (fast) return { language: fast, method: 'stopwords' };
  if (text.length >= 10) {
    for (const [code, score] of francAll(text.slice(0, FRANC_CHARS), { only, minLength: 10 })) {
      const l = FROM_639_3[code];
      // franc normalises by length, which squeezes the scores of long texts together; stretch them back
      // so that longer texts (more evidence) are decided by the trigrams, not by the priors below.
      if (l) combined.set(l, 1 - (1 - score) * Math.max(1, Math.min(text.length, FRANC_CHARS) / 60));
    }
  }
  const ascii = !/[\u00c0-\u024f]/.test(text);
  const penalty = ascii ? Math.min(opts.asciiPenalty ?? 0.15, text.length / 400) : 0;
  const english = englishMorphology(text);
  for (const l of langs) {
    let v = (combined.get(l) ?? 0) + weight * (sw.get(l) ?? 0) * 2;
    if (l === 'en') v += (opts.englishPrior ?? 0.1) + english;
    else if (DIACRITIC_LANGS.has(l)) v -= penalty;
    combined.set(l, v);
  }
  const ranked = [...combined.entries()].sort((a, b) => b[1] - a[1]);
  breakConfusableTie(ranked, text);
  const [best, second] = ranked;
  if (!best || best[1] <= 0) return { language: h ?? 'und', method: h ? 'hint' : 'empty' };
  const candidates = ranked.slice(0, 3).map(([l, v]) => [l, Math.round(v * 1000) / 1000] as [string, number]);
  if (h && langs.includes(h) && h !== best[0]) {
    const hs = combined.get(h) ?? 0;
    const short = text.length < 40;
    if (best[1] - hs < margin || (short && best[1] - hs < margin * 2))
      return { language: h, method: 'hint', candidates };
  }
  if (h && !langs.includes(h) && text.length < 40) return { language: h, method: 'hint', candidates };
  const method = text.length >= 10 ? 'franc+stopwords' : 'stopwords';
  if (text.length < 10 && (!second || best[1] === second[1])) {
    return { language: h ?? 'und', method: h ? 'hint' : 'empty', candidates };
  }
  return { language: best[0], method, candidates };
}

/**
 * Detects the language of a title or text: ISO 639-1 code or `und`.
 * @param hint the source's declared language, preferred when the text is short or ambiguous.
 * @example detectLanguage('Earthquake rupture along Main Marmara Fault') // 'en'
 */
export function detectLanguage(text: string, hint?: string | null, opts?: LanguageOptions): string {
  return detectLanguageDetail(text, hint, opts).language;
}
