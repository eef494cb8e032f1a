/**
 * Lexicon evidence of one item: every distinct term found in its title and text, per topic, off-topic and veto,
 * with what each contributes — `weight × field weight × (1 + repeatBonus × min(2, repeats))`. The decision
 * (decide.ts) turns it into relevance and a section. Pure.
 */
import type { PreparedText } from './matcher.js';
import { OFF_TOPIC, type Taxonomy, type TermPayload, VETO } from './taxonomy.js';

/** One term's contribution, for explanations. */
export interface TermEvidence {
  term: string;
  weight: number;
  field: 'title' | 'text';
  count: number;
  contribution: number;
}

/** A topic's evidence before any prior. */
export interface TopicEvidence {
  id: string;
  /** Sum of the terms' contributions. */
  termsRaw: number;
  /** Best contribution first. */
  terms: TermEvidence[];
}

/** What the lexicons found in an item. */
export interface LexiconEvidence {
  /** Every topic, in taxonomy order. */
  topics: TopicEvidence[];
  offTopic: { raw: number; terms: TermEvidence[] };
  /** Veto terms found in the title. */
  veto: string[];
}

export const round = (x: number) => Math.round(x * 1000) / 1000;

function usable(matchLang: string, lang: string): boolean {
  if (matchLang === 'en' || matchLang === lang || lang === 'und') return true;
  return (matchLang === 'zh' || matchLang === 'ja') && (lang === 'zh' || lang === 'ja');
}

/** Accumulates term evidence per pseudo/real topic; a term counts in the language detected or in English. */
function collect(
  fields: Array<{ text: PreparedText; field: 'title' | 'text'; weight: number }>,
  taxonomy: Taxonomy,
  lang: string,
): Map<string, Map<string, TermEvidence>> {
  const byTopic = new Map<string, Map<string, TermEvidence>>();
  for (const f of fields) {
    for (const m of taxonomy.matcher.match(f.text)) {
      // One match may carry several payloads (languages, topics); per topic the largest usable weight counts.
      const weights = new Map<string, number>();
      if (m.payloads.length === 1) {
        const p = m.payloads[0] as TermPayload;
        if (p.weight !== 0 && usable(m.lang, lang)) weights.set(p.topic, p.weight);
      } else
        for (let k = 0; k < m.payloads.length; k++) {
          const p = m.payloads[k] as TermPayload;
          if (p.weight === 0 || !usable(m.langs[k] as string, lang)) continue;
          const w = weights.get(p.topic);
          if (w === undefined || Math.abs(p.weight) > Math.abs(w)) weights.set(p.topic, p.weight);
        }
      for (const [topic, weight] of weights) {
        const terms = byTopic.get(topic) ?? new Map<string, TermEvidence>();
        byTopic.set(topic, terms);
        const known = terms.get(m.term);
        if (!known) {
          terms.set(m.term, { term: m.term, weight, field: f.field, count: 1, contribution: 0 });
        } else {
          known.count++;
          if (
            f.weight >
            (known.field === 'title' ? taxonomy.settings.titleWeight : taxonomy.settings.textWeight)
          ) {
            known.field = f.field;
          }
        }
      }
    }
  }
  const s = taxonomy.settings;
  for (const terms of byTopic.values()) {
    for (const t of terms.values()) {
      const fw = t.field === 'title' ? s.titleWeight : s.textWeight;
      t.contribution = round(t.weight * fw * (1 + s.repeatBonus * Math.min(2, t.count - 1)));
    }
  }
  return byTopic;
}

const sum = (terms: Iterable<TermEvidence>) => {
  let x = 0;
  for (const t of terms) x += t.contribution;
  return x;
};

/**
 * The lexicon evidence of a prepared title and text in language `lang`.
 * @example lexiconEvidence({ title: prepareText('Aquifer depletion'), text: prepareText('') }, taxonomy, 'en')
 */
export function lexiconEvidence(
  prepared: { title: PreparedText; text: PreparedText },
  taxonomy: Taxonomy,
  lang: string,
): LexiconEvidence {
  const s = taxonomy.settings;
  const byTopic = collect(
    [
      { text: prepared.title, field: 'title', weight: s.titleWeight },
      { text: prepared.text, field: 'text', weight: s.textWeight },
    ],
    taxonomy,
    lang,
  );
  const topics = taxonomy.topicIds.map((id) => {
    const terms = [...(byTopic.get(id)?.values() ?? [])].sort((a, b) => b.contribution - a.contribution);
    return { id, termsRaw: round(sum(terms)), terms };
  });
  const off = [...(byTopic.get(OFF_TOPIC)?.values() ?? [])];
  const veto = [...(byTopic.get(VETO)?.values() ?? [])].filter((t) => t.field === 'title').map((t) => t.term);
  return { topics, offTopic: { raw: round(sum(off)), terms: off }, veto };
}
