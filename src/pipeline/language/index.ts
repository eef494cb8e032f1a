/**
 * Language identification for titles and texts: Unicode script detection for CJK, Hangul, Cyrillic and
 * Greek, then franc's trigram distances restricted to the Latin-script languages sources publish in,
 * combined with function words (stopwords), the letters each alphabet writes, and the item's declared
 * languages — its source's and its feed's — as priors that weigh most when the text is short.
 *
 * Pure: no I/O, no clock. Returns ISO 639-1 codes or `und`.
 */
import { francAll } from 'franc';
import {
  breakConfusableTie,
  DIACRITIC_LANGS,
  decisiveStopwords,
  englishMorphology,
  foreignLetterShare,
  hanVariant,
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
   * What a declared language adds to its score when the text is not short: below this margin between the
   * best Latin candidate and a declared one, the declared one wins.
   * @defaultValue 0.12
   */
  hintMargin?: number;
  /**
   * What a declared language adds to its score when the text is short (fewer than `shortLetters` letters).
   * @defaultValue SHORT_PRIOR_WEIGHT
   */
  shortPriorWeight?: number;
  /**
   * Fewer letters than this make a text short.
   * @defaultValue SHORT_TEXT_LETTERS
   */
  shortLetters?: number;
  /**
   * Penalty of a language whose alphabet lacks the text's letters outside ASCII, scaled by how foreign they
   * are (cues.ts `foreignLetterShare`).
   * @defaultValue 0.5
   */
  foreignLetterPenalty?: number;
}

/**
 * The languages an item is declared in, the priors of its detection: its source's (registry `language`) and
 * its feed's (`<language>`, or the item's own `language` field). A declared language whose script the text
 * does not use (a Japanese source's English headline) is no prior for it.
 */
export interface LanguagePriors {
  source?: string | null;
  feed?: string | null;
}

/** A single declared language (read as the source's), both priors, or none. */
export type LanguageHint = string | null | undefined | LanguagePriors;

/**
 * Texts with fewer letters than this are short: trigram scores decide little there (two or three words), so the
 * declared languages weigh as priors. Measured on short headlines (docs/classification.md § Short text).
 */
export const SHORT_TEXT_LETTERS = 40;
/** What a declared language adds on short text (against franc's normalised 0..1 and the cues). */
export const SHORT_PRIOR_WEIGHT = 0.35;

/** Per-call detail, for tests and `--explain`. */
export interface LanguageDetail {
  language: string;
  /**
   * `script`, `franc+stopwords`, `stopwords`, `prior` (a declared language won that the text alone would not
   * have chosen, or the text could not decide), `empty`.
   */
  method: string;
  /** Best Latin candidates with combined scores, priors included (only for Latin text). */
  candidates?: Array<[string, number]>;
  /** The declared languages used as priors, and what each added to its score (absent: none applied). */
  prior?: { languages: string[]; weight: number; short: boolean };
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

/** Languages written in another script than Latin: never a prior for Latin text. */
const NON_LATIN = new Set([
  'zh',
  'ja',
  'ko',
  'ru',
  'uk',
  'bg',
  'sr',
  'mk',
  'be',
  'el',
  'ar',
  'fa',
  'ur',
  'he',
  'hi',
  'th',
]);

/** The distinct declared languages, normalised, source first. */
function declaredLanguages(hint: LanguageHint): string[] {
  const raw = typeof hint === 'object' && hint !== null ? [hint.source, hint.feed] : [hint];
  const out: string[] = [];
  for (const r of raw) {
    const l = normalizeLanguageTag(r);
    if (l && !out.includes(l)) out.push(l);
  }
  return out;
}

/** Letters (any script) in the first MAX_CHARS characters. */
function letterCount(text: string): number {
  return text.slice(0, MAX_CHARS).match(/\p{L}/gu)?.length ?? 0;
}

/**
 * Detects the language of `text` with details (method, Latin candidates, the priors applied).
 * @param hint the declared language(s): the source's and the feed's; they decide when the text cannot, weigh
 *   as priors when it is short, and break near-ties otherwise.
 */
export function detectLanguageDetail(
  text: string,
  hint?: LanguageHint,
  opts: LanguageOptions = {},
): LanguageDetail {
  const declared = declaredLanguages(hint);
  const first = declared[0];
  const trimmed = text.trim();
  if (trimmed.length === 0) return { language: first ?? 'und', method: first ? 'prior' : 'empty' };

  const s = countScripts(trimmed);
  const cjk = s.han + s.kana;
  if (s.hangul > 0 && s.hangul >= cjk && s.hangul * 2 >= s.latin) return { language: 'ko', method: 'script' };
  // A Chinese or Japanese text naming people or places in Latin letters is still CJK: a CJK character
  // carries as much as a short word.
  if (cjk > 0 && cjk * 3 >= s.latin) {
    if (s.kana >= 2 || (s.kana > 0 && s.kana * 10 >= cjk)) return { language: 'ja', method: 'script' };
    // Han only: the characters that only one of the two writes, else Chinese unless the item is declared
    // Japanese (kanji-only headlines exist).
    const variant = hanVariant(trimmed);
    if (variant) return { language: variant, method: 'script' };
    const ja = declared.find((l) => l === 'ja' || l === 'zh') === 'ja';
    return { language: ja ? 'ja' : 'zh', method: ja ? 'prior' : 'script' };
  }
  if (s.cyrillic > s.latin) {
    const uk = /[іїєґ]/i.test(trimmed);
    const d = declared.find((l) => ['ru', 'uk', 'bg', 'sr', 'mk', 'be'].includes(l));
    return { language: d ?? (uk ? 'uk' : 'ru'), method: 'script' };
  }
  if (s.greek > s.latin) return { language: 'el', method: 'script' };
  if (s.arabic > s.latin) {
    return { language: declared.find((l) => ['ar', 'fa', 'ur'].includes(l)) ?? 'ar', method: 'script' };
  }
  const latinDeclared = declared.filter((l) => !NON_LATIN.has(l));
  if (s.latin === 0) {
    const l = latinDeclared[0];
    return { language: l ?? 'und', method: l ? 'prior' : 'empty' };
  }
  return detectLatin(trimmed, latinDeclared, opts);
}

function detectLatin(text: string, declared: string[], opts: LanguageOptions): LanguageDetail {
  const base = opts.latin ?? DEFAULT_LATIN_LANGUAGES;
  // A declared language franc knows joins the candidates (a Dutch source's Dutch titles).
  const langs = [...base, ...declared.filter((l) => !base.includes(l) && TO_639_3[l])];
  const weight = opts.stopwordWeight ?? 0.6;
  const only = langs.map((l) => TO_639_3[l]).filter((x): x is string => Boolean(x));
  const combined = new Map<string, number>();
  const sw = stopwordScores(text, langs);
  const fast = decisiveStopwords(sw, declared);
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
  const foreign = foreignLetterShare(text, langs);
  const foreignPenalty = opts.foreignLetterPenalty ?? 0.5;
  for (const l of langs) {
    let v = (combined.get(l) ?? 0) + weight * (sw.get(l) ?? 0) * 2;
    if (l === 'en') v += (opts.englishPrior ?? 0.1) + english;
    else if (DIACRITIC_LANGS.has(l)) v -= penalty;
    v -= foreignPenalty * (foreign.get(l) ?? 0);
    combined.set(l, v);
  }
  const rank = () => {
    const r = [...combined.entries()].sort((a, b) => b[1] - a[1]);
    breakConfusableTie(r, text);
    return r;
  };
  const unprimed = rank();
  const [top] = unprimed;
  const short = letterCount(text) < (opts.shortLetters ?? SHORT_TEXT_LETTERS);
  const priorWeight = short ? (opts.shortPriorWeight ?? SHORT_PRIOR_WEIGHT) : (opts.hintMargin ?? 0.12);
  const scored = declared.filter((l) => combined.has(l));
  // A declared Latin language no detector here knows (Irish, Welsh…) decides a short text on its own.
  const unknown = declared.find((l) => !combined.has(l));
  if (!top || top[1] <= 0 || (short && unknown && scored.length === 0)) {
    const l = declared[0];
    return { language: l ?? 'und', method: l ? 'prior' : 'empty' };
  }
  for (const l of scored) combined.set(l, (combined.get(l) ?? 0) + priorWeight);
  const ranked = scored.length > 0 ? rank() : unprimed;
  const [best, second] = ranked as [[string, number], ...Array<[string, number]>];
  const candidates = ranked.slice(0, 3).map(([l, v]) => [l, Math.round(v * 1000) / 1000] as [string, number]);
  const prior = scored.length > 0 ? { languages: scored, weight: priorWeight, short } : undefined;
  const withPrior = <T extends LanguageDetail>(d: T): T => (prior ? { ...d, prior } : d);
  if (text.length < 10 && (!second || best[1] === second[1])) {
    const l = declared[0];
    return withPrior({ language: l ?? 'und', method: l ? 'prior' : 'empty', candidates });
  }
  const method = best[0] !== top[0] ? 'prior' : text.length >= 10 ? 'franc+stopwords' : 'stopwords';
  return withPrior({ language: best[0], method, candidates });
}

/**
 * Detects the language of a title or text: ISO 639-1 code or `und`.
 * @param hint the declared language(s) (the source's, the feed's): priors, strongest on short text.
 * @example detectLanguage('Earthquake rupture along Main Marmara Fault') // 'en'
 * @example detectLanguage('M 5.1 - Tristan da Cunha region', { source: 'en', feed: 'en' }) // 'en'
 */
export function detectLanguage(text: string, hint?: LanguageHint, opts?: LanguageOptions): string {
  return detectLanguageDetail(text, hint, opts).language;
}

/**
 * Bibliographic lines of journal feeds: `Publication date: … Source: <journal>, Volume N Author(s): <names>`
 * (ScienceDirect) and `<Journal>, Published online: <date>; doi:…` (Nature). Names and journal titles say
 * nothing of the item's language (Czech and French author names read a paper title as French).
 */
const BIBLIOGRAPHIC = [
  /Publication date:[^\n]*?Source:[^\n]*?(?:Author\(s\):[^\n]*)?$/gm,
  // The DOI runs into the abstract with no space in Nature's feeds: it ends before a capitalised word.
  /^[^\n;]{0,120}, Published online: [^;\n]*; doi:\S*?(?=[A-Z][a-z]|\s|$)/gm,
];

/**
 * The text language detection reads for an item: its title and the first 400 characters of its text, without
 * bibliographic lines.
 * @example languageSample('Megathrust seismogenesis', 'Publication date: January 2026Source: EPSL, Volume 673Author(s): A. Peč')
 */
export function languageSample(title: string, text: string): string {
  let body = text.slice(0, 400);
  for (const re of BIBLIOGRAPHIC) body = body.replace(re, ' ');
  return `${title}\n${body.trim()}`;
}
