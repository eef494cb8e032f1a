/**
 * Precision and recall per class of decisions against editors' labels (`geointel model eval`, `rules test`).
 * Pure.
 *
 * For class c: precision = items decided c that the editors labelled c / items decided c; recall = items
 * labelled c decided c / items labelled c. Off-topic is a class like the sections.
 */

export interface ClassScore {
  id: string;
  /** Items the editors labelled with this class. */
  gold: number;
  /** Items decided this class. */
  predicted: number;
  correct: number;
  /** null when undefined (no item decided, or none labelled, this class). */
  precision: number | null;
  recall: number | null;
}

export interface Scores {
  n: number;
  accuracy: number | null;
  classes: ClassScore[];
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Scores `predicted` (same order as `gold`) for every class of `classes` (others found are added). */
export function scoreDecisions(
  gold: readonly string[],
  predicted: readonly string[],
  classes: readonly string[],
): Scores {
  const ids = [...new Set([...classes, ...gold, ...predicted])];
  const by = new Map(ids.map((id) => [id, { gold: 0, predicted: 0, correct: 0 }]));
  let right = 0;
  gold.forEach((g, i) => {
    const p = predicted[i] as string;
    (by.get(g) as { gold: number }).gold++;
    (by.get(p) as { predicted: number }).predicted++;
    if (g === p) {
      right++;
      (by.get(g) as { correct: number }).correct++;
    }
  });
  return {
    n: gold.length,
    accuracy: gold.length ? round(right / gold.length) : null,
    classes: ids.map((id) => {
      const c = by.get(id) as { gold: number; predicted: number; correct: number };
      return {
        id,
        ...c,
        precision: c.predicted ? round(c.correct / c.predicted) : null,
        recall: c.gold ? round(c.correct / c.gold) : null,
      };
    }),
  };
}

/**
 * A fixed-width table of one or more scorings side by side: a legend naming each (A, B, …), then per class
 * the editors' count and each scoring's precision and recall, then accuracy.
 */
export function formatScores(named: ReadonlyArray<{ name: string; scores: Scores }>): string {
  const first = named[0];
  if (!first) return '';
  const letters = named.map((_, i) => String.fromCharCode(65 + i));
  const f = (x: number | null) => (x === null ? '    –' : x.toFixed(3));
  const legend = named.map((s, i) => `${letters[i]}: ${s.name}`).join('\n');
  const head = ['class'.padEnd(18), 'gold'.padStart(5), ...letters.map((l) => `  ${l} P    ${l} R  `)].join(
    ' ',
  );
  const rows = first.scores.classes.map((cls) =>
    [
      cls.id.padEnd(18),
      String(cls.gold).padStart(5),
      ...named.map(({ scores }) => {
        const c = scores.classes.find((x) => x.id === cls.id);
        return `${f(c?.precision ?? null)} ${f(c?.recall ?? null)}`;
      }),
    ].join(' '),
  );
  const acc = [
    'accuracy'.padEnd(18),
    String(first.scores.n).padStart(5),
    ...named.map(({ scores }) => `${f(scores.accuracy)}      `),
  ].join(' ');
  return `${legend}\n${head}\n${rows.join('\n')}\n${acc}\n`;
}
