/**
 * Editors' decisions (the API's audit trail) → labelled items for the model. Pure: the caller reads the
 * trail and the records.
 *
 * | audit action | label |
 * | --- | --- |
 * | `candidate.accept` | the section accepted into (`after.section`); a section change when it differs from the record's topic (`before.section`) |
 * | `candidate.reject` | off-topic, unless the reason says the story was a duplicate or already covered (`dup…`, `already`, `重复`, `已有`): that is no judgement on the topic, so no label |
 * | `story.merge` | the merged story (`story:<id>`, `after.mergedInto`) takes the label of the story it joined, when that story has one; its text is its title as the entry recorded it |
 * | `story.split` | the item split out (`after.splitOut`) loses a label it had through a merge: it is a story of its own, labelled only by a decision on it |
 *
 * The newest decision on a story wins. Texts are the stored records' (title and summary as the feed gave
 * them, not an editor's rewrite: the model judges what arrives).
 */
import type { DigestRecord } from '../types.js';
import { OFF_TOPIC_CLASS } from './serialize.js';

/** An audit entry as the store returns it (src/store/audit.ts). */
export interface DecisionEntry {
  at: string;
  actor?: { name: string; role: string };
  action: string;
  target: string;
  before: unknown;
  after: unknown;
}

/** One story the editors labelled. */
export interface StoryLabel {
  storyId: string;
  /** `off-topic` or a topic id. */
  label: string;
  /** `accept`, `section-change`, `reject`, `merge`. */
  kind: 'accept' | 'section-change' | 'reject' | 'merge';
  /** When the deciding entry was written, and by whom. */
  at: string;
  by?: string;
  /** The story's title as a merge entry recorded it (a merged story has no record of its own any more). */
  title?: string;
}

/** Reasons that reject a story for something else than its topic. */
export const NOT_A_TOPIC_REASON = /\bdup|duplicate|already|重复|已有/i;

const obj = (x: unknown): Record<string, unknown> =>
  x && typeof x === 'object' ? (x as Record<string, unknown>) : {};
const storyOf = (target: string) => (target.startsWith('story:') ? target.slice(6) : undefined);

/**
 * The label of each story the entries decide (entries in any order; they are sorted by time here).
 * `topics` are the valid section ids (a decision naming another is ignored).
 */
export function labelsFromAudit(entries: readonly DecisionEntry[], topics: readonly string[]): StoryLabel[] {
  const valid = new Set(topics);
  const direct = new Map<string, StoryLabel>();
  const mergedInto = new Map<string, { into: string; at: string; by?: string; title?: string }>();
  const sorted = [...entries].sort((a, b) => a.at.localeCompare(b.at));
  for (const e of sorted) {
    const storyId = storyOf(e.target);
    if (!storyId) continue;
    const before = obj(e.before);
    const after = obj(e.after);
    const by = e.actor?.name;
    if (e.action === 'candidate.accept') {
      const section = after.section;
      if (typeof section !== 'string' || !valid.has(section)) continue;
      const changed =
        typeof before.section === 'string' ? before.section !== section : before.section !== undefined;
      direct.set(storyId, {
        storyId,
        label: section,
        kind: changed ? 'section-change' : 'accept',
        at: e.at,
        ...(by ? { by } : {}),
      });
    } else if (e.action === 'candidate.reject') {
      const reason = typeof after.reason === 'string' ? after.reason : '';
      if (NOT_A_TOPIC_REASON.test(reason)) continue;
      direct.set(storyId, {
        storyId,
        label: OFF_TOPIC_CLASS,
        kind: 'reject',
        at: e.at,
        ...(by ? { by } : {}),
      });
    } else if (e.action === 'story.merge' && typeof after.mergedInto === 'string') {
      mergedInto.set(storyId, {
        into: after.mergedInto,
        at: e.at,
        ...(by ? { by } : {}),
        ...(typeof before.title === 'string' ? { title: before.title } : {}),
      });
    } else if (e.action === 'story.split' && typeof after.splitOut === 'string') {
      mergedInto.delete(after.splitOut);
    }
  }
  const out = [...direct.values()];
  for (const [storyId, m] of mergedInto) {
    if (direct.has(storyId)) continue;
    // Follow merges of merged stories to the story that holds them now.
    let into = m.into;
    for (let hops = 0; hops < 20 && !direct.has(into) && mergedInto.has(into); hops++)
      into = (mergedInto.get(into) as { into: string }).into;
    const label = direct.get(into);
    if (!label) continue;
    out.push({
      storyId,
      label: label.label,
      kind: 'merge',
      at: m.at,
      ...(m.by ? { by: m.by } : {}),
      ...(m.title ? { title: m.title } : {}),
    });
  }
  return out.sort((a, b) => a.at.localeCompare(b.at) || a.storyId.localeCompare(b.storyId));
}

/** A decided story with the text the model learns from. */
export interface DecidedItem {
  storyId: string;
  label: string;
  kind: StoryLabel['kind'];
  title: string;
  summary: string;
  language?: string;
  sourceId?: string;
  /** The story's record (absent for a merged story: its title is all that is known). */
  record?: DigestRecord;
}

/**
 * Joins labels with their stories' records. A story with no record (expired) is dropped, except a merged
 * one, whose recorded title serves.
 */
export function decidedItems(
  labels: readonly StoryLabel[],
  records: ReadonlyMap<string, DigestRecord | null>,
): DecidedItem[] {
  const out: DecidedItem[] = [];
  for (const l of labels) {
    const r = records.get(l.storyId) ?? null;
    // A merged story's record read back is its target's (the store answers with `mergedInto`): not its text.
    const own = r && r.storyId === l.storyId ? r : null;
    if (own) {
      out.push({
        storyId: l.storyId,
        label: l.label,
        kind: l.kind,
        title: own.title,
        summary: own.summary,
        language: own.language,
        sourceId: own.source.id,
        record: own,
      });
    } else if (l.title) {
      out.push({ storyId: l.storyId, label: l.label, kind: l.kind, title: l.title, summary: '' });
    }
  }
  return out;
}
