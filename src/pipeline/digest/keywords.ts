/**
 * The 关键词 line of the zh digest: for an item in another language with no editor's Chinese, the Chinese of
 * the glossary entries it names and of its tags, so a reader sees what it is about. Order: terms of the title,
 * then the commodity and country tags, then terms of the summary; each once, at most `max` (default 8).
 *
 * Glossary entries that label a commodity (`tag:`) count through the record's tags, not through the text: the
 * tag stage has already discarded their false positives ("gold standard", "iron out").
 */
import type { GlossaryFile } from '../../config/glossary-schema.js';
import type { TagsFile } from '../../config/tags-schema.js';
import { type CompiledGlossary, compileGlossary, matchGlossary } from '../glossary/index.js';
import type { DigestRecord } from '../types.js';

export interface KeywordSources {
  glossary: CompiledGlossary;
  /** Commodity id → its Chinese label (the glossary entry tagged with it, else tags.yaml's first zh term). */
  commodities: Readonly<Record<string, string>>;
  /** ISO 3166-1 alpha-2 → the country's Chinese name (tags.yaml's first zh term). */
  countries: Readonly<Record<string, string>>;
}

/** Compiles the keyword sources from the glossary and tag lexicons (once per configuration). */
export function keywordSources(glossary: GlossaryFile, tags: TagsFile): KeywordSources {
  const commodities: Record<string, string> = {};
  for (const [id, byLang] of Object.entries(tags.commodities)) {
    const label = glossary.entries.find((e) => e.tag === id)?.zh ?? byLang.zh?.[0];
    if (label) commodities[id] = label;
  }
  const countries: Record<string, string> = {};
  for (const [code, byLang] of Object.entries(tags.countries))
    if (byLang.zh?.[0]) countries[code] = byLang.zh[0];
  return { glossary: compileGlossary(glossary.entries), commodities, countries };
}

/** The Chinese keywords of a record (see the module comment), deduplicated, at most `max`. */
export function recordKeywords(r: DigestRecord, k: KeywordSources, max = 8): string[] {
  const out: string[] = [];
  const add = (zh: string | undefined) => {
    if (zh && out.length < max && !out.includes(zh)) out.push(zh);
  };
  const fromText = (text: string) => {
    for (const m of matchGlossary(k.glossary, text)) {
      const e = k.glossary.entries[m.entry]!;
      if (e.keyword !== false && e.tag === undefined) add(e.zh);
    }
  };
  fromText(r.title);
  for (const id of r.tags.commodities) add(k.commodities[id]);
  for (const code of r.tags.countries) add(k.countries[code]);
  if (r.summary) fromText(r.summary);
  return out;
}

/** `keywords` for RenderOptions: the record's keywords from the configured glossary and tags. */
export function createKeywords(
  glossary: GlossaryFile,
  tags: TagsFile,
  max = 8,
): (r: DigestRecord) => string[] {
  const sources = keywordSources(glossary, tags);
  return (r) => recordKeywords(r, sources, max);
}
