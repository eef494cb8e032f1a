/**
 * Tags: commodities and countries named in an item, with the terms that named them. Lexicons come from
 * config/tags.yaml, compiled once by compileTagger. Latin scripts match whole words (so "tin" is not found
 * in "Martin", nor "iron" in "environment"); blockers hide false positives ("china clay", "lead to",
 * "golden rice", "South China Sea", "地铁", "内蒙古").
 */
import type { TagsFile } from '../../config/tags-schema.js';
import type { Item, Tags } from '../types.js';
import { LexiconMatcher, type PreparedText, prepareText, type TermSpec } from './matcher.js';

interface TagPayload {
  kind: 'commodity' | 'country' | 'block';
  id: string;
}

/** Compiled tag lexicons. */
export interface Tagger {
  matcher: LexiconMatcher<TagPayload>;
}

/** Tags with the matched terms per tag, for explanations. */
export interface DetailedTags extends Tags {
  evidence: { commodities: Record<string, string[]>; countries: Record<string, string[]> };
}

/** Compiles config/tags.yaml into a tagger. */
export function compileTagger(file: TagsFile): Tagger {
  const specs: TermSpec<TagPayload>[] = [];
  const add = (kind: TagPayload['kind'], id: string, byLang: Record<string, string[]>) => {
    for (const [lang, terms] of Object.entries(byLang)) {
      for (const term of terms) specs.push({ term, lang, payload: { kind, id } });
    }
  };
  for (const [id, byLang] of Object.entries(file.commodities)) add('commodity', id, byLang);
  for (const [id, byLang] of Object.entries(file.countries)) add('country', id, byLang);
  add('block', '', file.blockers);
  return { matcher: new LexiconMatcher(specs) };
}

/** Tags an item (title, summary and content) with evidence, in order of first mention. */
export function tagItemDetailed(
  item: Pick<Item, 'title' | 'summary' | 'content'>,
  tagger: Tagger,
): DetailedTags {
  const texts = [item.title, item.summary, item.content].filter((t): t is string => Boolean(t));
  return tagPrepared(texts.map(prepareText), tagger);
}

/** Tags texts already prepared by prepareText (the classify stage shares them with the topic matcher). */
export function tagPrepared(texts: readonly PreparedText[], tagger: Tagger): DetailedTags {
  const out: DetailedTags = { commodities: [], countries: [], evidence: { commodities: {}, countries: {} } };
  for (const text of texts) {
    for (const m of tagger.matcher.match(text)) {
      for (const p of m.payloads) {
        if (p.kind === 'block') continue;
        const list = p.kind === 'commodity' ? out.commodities : out.countries;
        const ev = p.kind === 'commodity' ? out.evidence.commodities : out.evidence.countries;
        if (!list.includes(p.id)) list.push(p.id);
        const terms = ev[p.id] ?? [];
        if (!terms.includes(m.term)) terms.push(m.term);
        ev[p.id] = terms;
      }
    }
  }
  return out;
}

/** Commodity ids and ISO 3166-1 alpha-2 country codes named in an item. */
export function tagItem(item: Pick<Item, 'title' | 'summary' | 'content'>, tagger: Tagger): Tags {
  const { commodities, countries } = tagItemDetailed(item, tagger);
  return { commodities, countries };
}
