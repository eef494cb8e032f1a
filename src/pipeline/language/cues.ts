/**
 * Cues the Latin-script detector adds to franc's trigram scores: function words (stopwords), a fast path
 * when they are decisive, English word shapes, and tie-breaks between languages franc confuses.
 */
import { STOPWORDS } from './stopwords.js';

/** Characters of text read for cues. */
export const MAX_CHARS = 1000;

export const WORD = /[\p{L}']+/gu;

export interface StopwordScores extends Map<string, number> {
  /** Hits per language. */
  hits?: Map<string, number>;
  words?: number;
}

/** word → languages whose function-word list holds it. */
const STOPWORD_INDEX: ReadonlyMap<string, readonly string[]> = (() => {
  const index = new Map<string, string[]>();
  for (const [lang, set] of Object.entries(STOPWORDS)) {
    for (const w of set) {
      const list = index.get(w) ?? [];
      list.push(lang);
      index.set(w, list);
    }
  }
  return index;
})();

export function stopwordScores(text: string, langs: readonly string[]): StopwordScores {
  const out: StopwordScores = new Map<string, number>();
  const words = text.slice(0, MAX_CHARS).toLowerCase().match(WORD) ?? [];
  const hits = new Map<string, number>();
  out.hits = hits;
  out.words = words.length;
  if (words.length === 0) return out;
  for (const w of words) {
    const ls = STOPWORD_INDEX.get(w);
    if (ls) for (const l of ls) hits.set(l, (hits.get(l) ?? 0) + 1);
  }
  for (const lang of langs) {
    if (!STOPWORDS[lang]) continue;
    const n = hits.get(lang) ?? 0;
    hits.set(lang, n);
    out.set(lang, n / words.length);
  }
  for (const l of [...hits.keys()]) if (!langs.includes(l)) hits.delete(l);
  return out;
}

/**
 * Fast path that skips franc when function words alone are decisive: a declared language has at least 3
 * function words and no other language has more; else the best language has ≥ 3 function words making
 * ≥ 15 % of the words and twice the hits of the next language.
 */
export function decisiveStopwords(sw: StopwordScores, declared: readonly string[]): string | undefined {
  const hits = [...(sw.hits ?? new Map<string, number>()).entries()].sort((a, b) => b[1] - a[1]);
  const [top, next] = hits;
  if (!top) return undefined;
  for (const hint of declared) {
    const hh = sw.hits?.get(hint) ?? 0;
    if (hh >= 3 && hh >= top[1]) return hint;
  }
  if (top[1] >= 3 && (sw.get(top[0]) ?? 0) >= 0.15 && top[1] >= 2 * (next?.[1] ?? 0)) return top[0];
  return undefined;
}

/** Languages whose ordinary text of a few words almost always carries a letter outside ASCII. */
export const DIACRITIC_LANGS = new Set(['de', 'fr', 'es', 'pt', 'da', 'no', 'sv']);

/**
 * The letters outside ASCII each language writes (lower case). A letter outside a language's alphabet is
 * evidence against it: "tötet" is not French, "hôpital" not Italian, "Peč" not English. English writes none.
 */
const ALPHABETS: Record<string, string> = {
  en: '',
  de: 'äöüß',
  fr: 'àâæçéèêëîïôœùûüÿ',
  es: 'áéíñóúü',
  pt: 'àáâãçéêíóôõú',
  it: 'àèéìíîòóùú',
  nl: 'áéèëïóöü',
  da: 'æøåé',
  no: 'æøåéèóô',
  sv: 'åäöé',
};

/**
 * Per language, the share of the text's non-ASCII letters its alphabet lacks (0 when it writes them all, or
 * when the text has none). Languages without a known alphabet get 0.
 */
export function foreignLetterShare(text: string, langs: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  const letters = (text.slice(0, MAX_CHARS).toLowerCase().match(/[\u00c0-\u024f]/g) ?? []).filter(
    (c) => c !== '×' && c !== '÷',
  );
  for (const l of langs) {
    const alphabet = ALPHABETS[l];
    if (alphabet === undefined || letters.length === 0) {
      out.set(l, 0);
      continue;
    }
    let foreign = 0;
    for (const c of letters) if (!alphabet.includes(c)) foreign++;
    out.set(l, foreign / letters.length);
  }
  return out;
}

const EN_SUFFIX = /^(?:th|wh)|(?:ing|ed|ly|'s|ness|ship|ght|ough)$/;

/** Share of words with typically English shape (th-/wh-, -ing, -ed, -ly, -'s…), scaled to at most 0.2. */
export function englishMorphology(text: string): number {
  const words = text.slice(0, MAX_CHARS).toLowerCase().match(WORD) ?? [];
  if (words.length === 0) return 0;
  let hits = 0;
  for (const w of words) if (w.length > 3 && EN_SUFFIX.test(w)) hits++;
  return Math.min(0.2, (0.5 * hits) / words.length);
}

/** Pairs franc confuses, most likely first (Danish sources exist, Norwegian ones are rarer). */
const CONFUSABLE: Array<[string, string]> = [
  ['da', 'no'],
  ['da', 'sv'],
  ['no', 'sv'],
  ['es', 'pt'],
  ['de', 'nl'],
];
const TIE_MARGIN = 0.15;
/** Pairs whose first language wins a tie outright (no Norwegian or Swedish source is registered yet). */
const PREFER_FIRST = new Set(['da']);

/**
 * When the two best candidates are a confusable pair within TIE_MARGIN, decide by the function words that
 * belong to one language of the pair and not the other; on equal counts keep the pair's first language.
 */
export function breakConfusableTie(ranked: Array<[string, number]>, text: string): void {
  const [a, b] = ranked;
  if (!a || !b || a[1] - b[1] > TIE_MARGIN) return;
  const pair = CONFUSABLE.find(([x, y]) => (x === a[0] && y === b[0]) || (x === b[0] && y === a[0]));
  if (!pair) return;
  const [x, y] = pair;
  const sx = STOPWORDS[x];
  const sy = STOPWORDS[y];
  if (!sx || !sy) return;
  let cx = 0;
  let cy = 0;
  for (const w of text.slice(0, MAX_CHARS).toLowerCase().match(WORD) ?? []) {
    if (sx.has(w) && !sy.has(w)) cx++;
    else if (sy.has(w) && !sx.has(w)) cy++;
  }
  const winner = cy > cx ? y : cx > cy || PREFER_FIRST.has(x) ? x : a[0];
  if (winner !== a[0]) {
    ranked[0] = b;
    ranked[1] = a;
  }
}
