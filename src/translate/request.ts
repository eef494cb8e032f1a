/**
 * What a machine draft is made from: which stories get one (relevant, in a language other than Chinese, no
 * editor's Chinese) and the request for a story — its title and summary within `maxChars` (the title whole, the
 * summary cut at a sentence end), its language, and the glossary pairs its text names. Pure.
 */

import { isChinese } from '../pipeline/digest/labels.js';
import { type CompiledGlossary, glossaryPairs } from '../pipeline/glossary/index.js';
import type { DigestRecord } from '../pipeline/types.js';
import type { TranslateRequest } from './types.js';

/** Whether a story's record gets a machine draft. */
export function needsDraft(r: Pick<DigestRecord, 'relevant' | 'language' | 'titleZh'>): boolean {
  return r.relevant && !isChinese(r.language) && !r.titleZh;
}

export interface DraftInput extends TranslateRequest {
  /** Characters of the summary left out (0: none). */
  cut: number;
}

/** The translation request of a record. */
export function draftInput(r: DigestRecord, glossary: CompiledGlossary, maxChars: number): DraftInput {
  const title = r.title.slice(0, maxChars);
  const room = maxChars - title.length;
  const summary = clip(r.summary ?? '', room);
  const texts = summary ? [title, summary] : [title];
  return {
    texts,
    from: r.language && r.language !== 'und' ? r.language : 'auto',
    to: 'zh',
    glossary: glossaryPairs(glossary, texts),
    cut: (r.summary ?? '').trim().length - summary.length,
  };
}

/** `text` within `max` characters: whole when it fits, else up to its last sentence end (or word) that does. */
export function clip(text: string, max: number): string {
  const t = text.trim();
  if (t.length <= max) return t;
  if (max <= 0) return '';
  const head = t.slice(0, max);
  const sentence = Math.max(...['. ', '! ', '? ', '。', '！', '？'].map((p) => head.lastIndexOf(p)));
  if (sentence > max / 3) return head.slice(0, sentence + 1).trim();
  const space = head.lastIndexOf(' ');
  return (space > max / 3 ? head.slice(0, space) : head).trim();
}
