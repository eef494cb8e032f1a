/**
 * Glossary terms through a backend that takes no glossary (LibreTranslate): each term found in a text is replaced
 * by a numbered placeholder `[#1]`, the text is translated, and each placeholder is replaced by the term's
 * Chinese. Machine translation engines copy such tokens through; when one comes back lost, duplicated into an
 * unknown number or mangled beyond recognition, `restoreTerms` says so (null) and the caller translates the text
 * again without placeholders. Pure.
 */
import { type CompiledGlossary, matchGlossary } from '../pipeline/glossary/index.js';

export interface ProtectedText {
  /** The text with placeholders. */
  text: string;
  /** The Chinese of placeholder n at index n − 1. */
  slots: string[];
}

/** `[#n]` as written, and as engines may give it back (spaces inside, full-width brackets, hash or digits). */
const PLACEHOLDER = /(\s*)[[［]\s*[#＃]\s*([0-9０-９]+)\s*[\]］](\s*)/g;
const CJK = /[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/;
/** A letter or digit of a spaced script: a space next to it is kept. */
const spaced = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c) && !CJK.test(c);

/** The text with its glossary terms replaced by placeholders; null when it names none (or already holds `[#`). */
export function protectTerms(text: string, g: CompiledGlossary): ProtectedText | null {
  if (/[[［]\s*[#＃]/.test(text)) return null;
  const matches = matchGlossary(g, text);
  if (matches.length === 0) return null;
  const slots: string[] = [];
  let out = '';
  let at = 0;
  for (const m of matches) {
    let n = slots.indexOf(m.zh) + 1;
    if (n === 0) n = slots.push(m.zh);
    out += `${text.slice(at, m.start)}[#${n}]`;
    at = m.end;
  }
  return { text: out + text.slice(at), slots };
}

/** The translation with every placeholder replaced by its Chinese, or null when one is missing or unknown. */
export function restoreTerms(translated: string, slots: readonly string[]): string | null {
  const seen = new Set<number>();
  let unknown = false;
  // Engines put spaces around tokens: none is kept next to Chinese, one next to a Latin letter or a digit.
  const out = translated.replace(
    PLACEHOLDER,
    (m: string, lead: string, digits: string, trail: string, offset: number, whole: string) => {
      const n = Number(digits.replace(/[０-９]/g, (d) => String(d.charCodeAt(0) - 0xff10)));
      const zh = slots[n - 1];
      if (zh === undefined) {
        unknown = true;
        return m;
      }
      seen.add(n);
      const left = lead && spaced(whole[offset - 1]) ? ' ' : '';
      const right = trail && spaced(whole[offset + m.length]) ? ' ' : '';
      return `${left}${zh}${right}`;
    },
  );
  return unknown || seen.size !== slots.length ? null : out;
}
