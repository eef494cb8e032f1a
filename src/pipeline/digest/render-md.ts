/** Markdown edition of the bulletin. Feed text is escaped so that it cannot add markup or links. */
import type { Digest } from './build.js';
import {
  bulletinTitle,
  dateLabel,
  emptyLabel,
  entryText,
  issueLabel,
  keywordLine,
  type RenderOptions,
  safeUrl,
  sectionLabel,
  shownSections,
} from './labels.js';

/** Escapes Markdown/HTML-significant characters of one line of feed text. */
export function escapeMarkdown(s: string): string {
  return (
    s
      .replace(/[\r\n\u2028\u2029]+/g, ' ')
      .replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`)
      .replace(/&(?=#?\w+;)/g, '&amp;')
      .replace(/^(\s*)([#+\-=])/, (_m, sp: string, c: string) => `${sp}\\${c}`)
      // "12. text" would start an ordered list: escape the punctuation (a backslash before a digit is literal).
      .replace(/^(\s*)(\d+)([.)])/, (_m, sp: string, n: string, p: string) => `${sp}${n}\\${p}`)
  );
}

/** Renders the digest as Markdown. */
export function renderMarkdown(d: Digest, o: RenderOptions): string {
  const out: string[] = [
    `# ${escapeMarkdown(bulletinTitle(o))}`,
    '',
    `**${issueLabel(d, o.lang)}** · ${dateLabel(d.date, o.lang)}`,
  ];
  shownSections(d, o).forEach((s, i) => {
    out.push('', `## ${sectionLabel(s, i, o.lang)}`);
    if (s.items.length === 0) out.push('', emptyLabel(o.lang));
    for (const { n, record } of s.items) {
      const t = entryText(record, o.lang);
      const url = safeUrl(record.url);
      const title = escapeMarkdown(t.title);
      const linked = url ? `[${title}](<${url.replace(/[<>\s]/g, encodeURIComponent)}>)` : title;
      out.push('', `### ${n}. ${linked}`, '');
      if (t.summary) out.push(escapeMarkdown(t.summary), '');
      const keywords = keywordLine(record, o);
      if (keywords) out.push(escapeMarkdown(keywords), '');
      out.push(escapeMarkdown(t.citation));
    }
  });
  if (d.count === 0) out.push('', emptyLabel(o.lang));
  return `${out.join('\n')}\n`;
}
