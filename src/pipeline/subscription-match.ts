/**
 * Whether a record matches a saved subscription's filter (pure: no Redis, no clock). A filter names any of
 * topics, commodities, countries, sources and a text; each list matches when the record has one of its
 * values (OR within a list), and the record must satisfy every criterion given (AND across them). An absent
 * or empty criterion matches everything, so `{}` is "every record".
 *
 * - topics: any topic the record was scored for (`topics[].id`, the topic streams' rule) or its `topic`;
 * - commodities, countries: the record's tags (countries are ISO 3166-1 alpha-2, compared in upper case);
 * - sources: the registry id `source.id`;
 * - text: every word of the text, and every CJK character pair (bigram), appears in the record's title and
 *   summary (and the editor's `titleZh`/`summaryZh`). Words are NFKC-folded and lower-cased runs of letters and
 *   digits, matched whole ("tin" does not match "Martin"); CJK text has no spaces, so a run of CJK characters
 *   is matched by its bigrams (a lone character by itself): "稀土出口" needs 稀土, 土出 and 出口.
 */
import type { DigestRecord } from './types.js';

export interface SubscriptionFilter {
  topics?: readonly string[];
  commodities?: readonly string[];
  countries?: readonly string[];
  sources?: readonly string[];
  text?: string;
}

/** A filter prepared for matching many records: sets, and the text's tokens computed once. */
export interface CompiledFilter {
  compiled: true;
  topics: ReadonlySet<string> | null;
  commodities: ReadonlySet<string> | null;
  countries: ReadonlySet<string> | null;
  sources: ReadonlySet<string> | null;
  /** Tokens that must all be in the record's text; null: no text criterion. */
  text: readonly string[] | null;
}

/** The parts of a record the filter reads. */
export type MatchableRecord = Pick<
  DigestRecord,
  'title' | 'summary' | 'topic' | 'topics' | 'tags' | 'source'
> &
  Partial<Pick<DigestRecord, 'titleZh' | 'summaryZh'>>;

// Han, kana, Hangul: scripts written without spaces between words (Hangul has spaces, but its syllable blocks
// are matched the same way, which is harmless).
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]/u;
const RUN = /[\p{L}\p{N}]+/gu;

/** Runs of letters/digits in NFKC lower case, split into CJK and non-CJK stretches. */
function runs(text: string): Array<{ cjk: boolean; s: string }> {
  const out: Array<{ cjk: boolean; s: string }> = [];
  for (const m of text.normalize('NFKC').toLowerCase().matchAll(RUN)) {
    let cur = '';
    let curCjk = false;
    for (const ch of m[0]) {
      const c = CJK.test(ch);
      if (cur !== '' && c !== curCjk) {
        out.push({ cjk: curCjk, s: cur });
        cur = '';
      }
      cur += ch;
      curCjk = c;
    }
    if (cur !== '') out.push({ cjk: curCjk, s: cur });
  }
  return out;
}

/**
 * The tokens a filter's text asks for: its words, and for each CJK run its character bigrams (a run of one
 * character: the character).
 */
export function queryTokens(text: string): string[] {
  const out = new Set<string>();
  for (const r of runs(text)) {
    if (!r.cjk) out.add(r.s);
    else {
      const chars = [...r.s];
      if (chars.length === 1) out.add(chars[0]!);
      for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!);
    }
  }
  return [...out];
}

/** The tokens of a record's text: its words, and every CJK character and character bigram. */
export function textTokens(text: string): Set<string> {
  const out = new Set<string>();
  for (const r of runs(text)) {
    if (!r.cjk) out.add(r.s);
    else {
      const chars = [...r.s];
      for (let i = 0; i < chars.length; i++) {
        out.add(chars[i]!);
        if (i + 1 < chars.length) out.add(chars[i]! + chars[i + 1]!);
      }
    }
  }
  return out;
}

function setOf(list: readonly string[] | undefined, upper = false): ReadonlySet<string> | null {
  if (!list || list.length === 0) return null;
  return new Set(list.map((v) => (upper ? v.toUpperCase() : v)));
}

export function compileFilter(f: SubscriptionFilter): CompiledFilter {
  const text = f.text === undefined ? [] : queryTokens(f.text);
  return {
    compiled: true,
    topics: setOf(f.topics),
    commodities: setOf(f.commodities),
    countries: setOf(f.countries, true),
    sources: setOf(f.sources),
    text: text.length === 0 ? null : text,
  };
}

function anyIn(set: ReadonlySet<string> | null, values: readonly string[]): boolean {
  if (set === null) return true;
  for (const v of values) if (set.has(v)) return true;
  return false;
}

/** Whether `record` matches the filter (compile it once with {@link compileFilter} to match many records). */
export function matchesFilter(record: MatchableRecord, filter: CompiledFilter | SubscriptionFilter): boolean {
  const f = 'compiled' in filter ? filter : compileFilter(filter);
  if (f.sources !== null && !f.sources.has(record.source.id)) return false;
  if (f.topics !== null) {
    const ids = (record.topics ?? []).map((t) => t.id);
    if (record.topic) ids.push(record.topic);
    if (!anyIn(f.topics, ids)) return false;
  }
  if (!anyIn(f.commodities, record.tags?.commodities ?? [])) return false;
  if (
    f.countries !== null &&
    !anyIn(
      f.countries,
      (record.tags?.countries ?? []).map((c) => c.toUpperCase()),
    )
  )
    return false;
  if (f.text !== null) {
    const parts = [record.title, record.summary, record.titleZh, record.summaryZh].filter(Boolean);
    const have = textTokens(parts.join('\n'));
    for (const t of f.text) if (!have.has(t)) return false;
  }
  return true;
}
