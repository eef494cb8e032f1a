/**
 * Which glossary entries a text names, and where: the pure matcher behind the translation glossary and the
 * 关键词 line. Any language at once: Latin-script terms match whole words (case- and accent-insensitive, `=Term`
 * case-sensitive), the words of a phrase separated only by spaces, hyphens, slashes or commas (never a sentence
 * end); Chinese and Japanese terms match as substrings. Leftmost-longest, like the classify matcher: at each
 * position the longest term wins and the scan continues after it, so "shale gas" hides "shale".
 *
 * Unlike the classify matcher it reports character offsets, which a translator needs to put placeholders in.
 */
import type { GlossaryEntry } from '../../config/glossary-schema.js';
import { GLOSSARY_LANGS } from '../../config/glossary-schema.js';

/** An entry as the matcher needs it: the Chinese and terms per language (a GlossaryEntry is one). */
export type GlossaryEntryLike = Pick<GlossaryEntry, 'zh'> &
  Partial<Pick<GlossaryEntry, (typeof GLOSSARY_LANGS)[number] | 'tag' | 'keyword'>>;

/** One term and its Chinese, as handed to a translation backend. */
export interface GlossaryPair {
  /** The term as configured (without the `=` marker). */
  term: string;
  zh: string;
  /** Matched case-sensitively (acronyms such as CCS). */
  caseSensitive?: boolean;
}

/** A glossary term found in a text. */
export interface GlossaryMatch {
  /** Index of the entry in the compiled list. */
  entry: number;
  zh: string;
  /** The term as configured (without `=`). */
  term: string;
  lang: string;
  caseSensitive: boolean;
  /** Character offsets of the match in the text: [start, end). */
  start: number;
  end: number;
}

interface WordTerm {
  words: string[];
  caseSensitive: boolean;
  entry: number;
  term: string;
  lang: string;
}

interface CjkTerm {
  text: string;
  entry: number;
  lang: string;
}

export interface CompiledGlossary {
  readonly entries: readonly GlossaryEntryLike[];
  /** Folded first word → the terms starting with it, longest first. */
  readonly byWord: ReadonlyMap<string, readonly WordTerm[]>;
  /** First character → the CJK terms starting with it, longest first. */
  readonly byChar: ReadonlyMap<string, readonly CjkTerm[]>;
}

const CJK = '\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff';
const CJK_RE = new RegExp(`[${CJK}]`);
/** A run of letters, digits and marks that holds no CJK character. */
const WORD_RE = new RegExp(`(?:(?![${CJK}])[\\p{L}\\p{N}\\p{M}])+`, 'gu');
/** What may stand between the words of a phrase: spaces, hyphens, slashes, commas — not a sentence end. */
const GAP_RE = /^[\s\u00a0\-\u2010-\u2013/,]+$/;

/** Lower case, accents removed, ß → ss. */
export function foldTerm(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/ß/g, 'ss');
}

/** Compiles glossary entries once (per configuration). */
export function compileGlossary(entries: readonly GlossaryEntryLike[]): CompiledGlossary {
  const byWord = new Map<string, WordTerm[]>();
  const byChar = new Map<string, CjkTerm[]>();
  entries.forEach((e, entry) => {
    for (const lang of GLOSSARY_LANGS) {
      for (const raw of e[lang] ?? []) {
        const caseSensitive = raw.startsWith('=');
        const term = (caseSensitive ? raw.slice(1) : raw).trim();
        if (!term) continue;
        if (CJK_RE.test(term)) {
          const list = byChar.get(term[0]!) ?? [];
          list.push({ text: term, entry, lang });
          byChar.set(term[0]!, list);
          continue;
        }
        const words = (term.match(WORD_RE) ?? []).map((w) =>
          caseSensitive ? w.normalize('NFC') : foldTerm(w),
        );
        if (words.length === 0) continue;
        const key = caseSensitive ? foldTerm(words[0]!) : words[0]!;
        const list = byWord.get(key) ?? [];
        list.push({ words, caseSensitive, entry, term, lang });
        byWord.set(key, list);
      }
    }
  });
  for (const list of byWord.values()) list.sort((a, b) => b.words.length - a.words.length);
  for (const list of byChar.values()) list.sort((a, b) => b.text.length - a.text.length);
  return { entries, byWord, byChar };
}

/** Every glossary term in `text`, leftmost-longest, in text order. */
export function matchGlossary(g: CompiledGlossary, text: string): GlossaryMatch[] {
  const out: GlossaryMatch[] = [];
  const tokens = [...text.matchAll(WORD_RE)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    orig: m[0].normalize('NFC'),
    folded: foldTerm(m[0]),
  }));
  for (let i = 0; i < tokens.length; ) {
    const hit = (g.byWord.get(tokens[i]!.folded) ?? []).find((t) => wordsAt(t, tokens, i, text));
    if (!hit) {
      i++;
      continue;
    }
    const last = tokens[i + hit.words.length - 1]!;
    out.push({
      entry: hit.entry,
      zh: g.entries[hit.entry]!.zh,
      term: hit.term,
      lang: hit.lang,
      caseSensitive: hit.caseSensitive,
      start: tokens[i]!.start,
      end: last.end,
    });
    i += hit.words.length;
  }
  if (g.byChar.size > 0 && CJK_RE.test(text)) {
    for (let i = 0; i < text.length; ) {
      const hit = g.byChar.get(text[i]!)?.find((t) => text.startsWith(t.text, i));
      if (!hit) {
        i++;
        continue;
      }
      const e = g.entries[hit.entry]!;
      out.push({
        entry: hit.entry,
        zh: e.zh,
        term: hit.text,
        lang: hit.lang,
        caseSensitive: true,
        start: i,
        end: i + hit.text.length,
      });
      i += hit.text.length;
    }
    out.sort((a, b) => a.start - b.start);
  }
  return out;
}

function wordsAt(
  t: WordTerm,
  tokens: ReadonlyArray<{ start: number; end: number; orig: string; folded: string }>,
  i: number,
  text: string,
): boolean {
  if (i + t.words.length > tokens.length) return false;
  for (let k = 0; k < t.words.length; k++) {
    const tok = tokens[i + k]!;
    if ((t.caseSensitive ? tok.orig : tok.folded) !== t.words[k]) return false;
    if (k > 0 && !GAP_RE.test(text.slice(tokens[i + k - 1]!.end, tok.start))) return false;
  }
  return true;
}

/** The distinct term → Chinese pairs of the glossary found in `texts` (for a translation request). */
export function glossaryPairs(g: CompiledGlossary, texts: readonly string[]): GlossaryPair[] {
  const pairs = new Map<string, GlossaryPair>();
  for (const text of texts) {
    for (const m of matchGlossary(g, text)) {
      if (m.term === m.zh || pairs.has(m.term)) continue;
      pairs.set(m.term, { term: m.term, zh: m.zh, ...(m.caseSensitive ? { caseSensitive: true } : {}) });
    }
  }
  return [...pairs.values()];
}

/** A glossary made of pairs alone (a backend finds the pairs it was handed in the texts it translates). */
export function compilePairs(pairs: readonly GlossaryPair[]): CompiledGlossary {
  return compileGlossary(pairs.map((p) => ({ zh: p.zh, en: [p.caseSensitive ? `=${p.term}` : p.term] })));
}
