/**
 * Display names of commodity and country tags in the interface language: the first term of each lexicon
 * entry in config/tags.yaml (its matcher marks `=` and `*` removed), else the id. The dashboard's counts and
 * the editor's tags show these instead of ids.
 */
import type { TagsFile } from '../config/tags-schema.js';
import type { Lang } from './messages.js';

function nameOf(terms: Readonly<Record<string, readonly string[]>>, lang: Lang, id: string): string {
  const first = terms[lang]?.[0] ?? terms.en?.[0];
  if (!first) return id;
  const clean = first.replace(/^=/, '').replace(/\*$/, '').trim();
  return lang === 'en' ? clean.charAt(0).toUpperCase() + clean.slice(1) : clean;
}

export function tagNames(tags: TagsFile, lang: Lang) {
  const map = (entries: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>) =>
    Object.fromEntries(Object.entries(entries).map(([id, terms]) => [id, nameOf(terms, lang, id)]));
  return { commodities: map(tags.commodities), countries: map(tags.countries) };
}
