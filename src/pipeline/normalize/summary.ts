/** Sentence ends in the languages sources publish in: Latin punctuation followed by a space, CJK full stops. */
const SENTENCE_END = /([.!?](?=\s)|[。！？；]|\.$)/gu;

/**
 * Cuts `text` to at most `max` characters at a sentence boundary. When no sentence ends in the second half
 * of the budget, cuts at the last word boundary and adds an ellipsis. Counts code points, not UTF-16 units,
 * so CJK and emoji are never split.
 */
export function truncateSummary(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const head = chars.slice(0, max).join('');
  let cut = -1;
  for (const m of head.matchAll(SENTENCE_END)) {
    const end = (m.index ?? 0) + m[0].length;
    if (end <= head.length) cut = end;
  }
  if (cut >= head.length / 2) return head.slice(0, cut).trim();
  const roomy = Array.from(head)
    .slice(0, max - 1)
    .join('');
  const space = roomy.lastIndexOf(' ');
  const base = space >= roomy.length / 2 ? roomy.slice(0, space) : roomy;
  return `${base.replace(/[\s,;:，、]+$/u, '')}…`;
}
