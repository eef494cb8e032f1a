/** Markdown edition of the bulletin. Feed text is escaped so that it cannot add markup or links. */
import type { Digest } from './build.js';
import {
  bulletinTitle,
  dateLabel,
  emptyLabel,
  entryText,
  eventBoxTitle,
  eventParts,
  eventsOf,
  isEmptyDigest,
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

/** A link whose text is feed text (escaped) and whose target is an http(s) URL, else the escaped text. */
function mdLink(text: string, raw: string | undefined): string {
  const url = safeUrl(raw);
  const label = escapeMarkdown(text);
  return url ? `[${label}](<${url.replace(/[<>\s]/g, encodeURIComponent)}>)` : label;
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
    const events = eventsOf(s);
    if (s.items.length === 0 && events.length === 0) out.push('', emptyLabel(o.lang));
    for (const { n, record } of s.items) {
      const t = entryText(record, o.lang);
      out.push('', `### ${n}. ${mdLink(t.title, record.url)}`, '');
      if (t.summary) out.push(escapeMarkdown(t.summary), '');
      const keywords = keywordLine(record, o);
      if (keywords) out.push(escapeMarkdown(keywords), '');
      out.push(escapeMarkdown(t.citation));
    }
    // The event box: one line per event sequence, as a quoted list after the section's news.
    if (events.length > 0) {
      out.push('', `> **${escapeMarkdown(eventBoxTitle(events, o.lang))}**`, '>');
      for (const q of events) {
        const { region, rest } = eventParts(q, o.lang);
        out.push(`> - ${mdLink(region, q.url)}${escapeMarkdown(rest)}`);
      }
    }
  });
  if (isEmptyDigest(d)) out.push('', emptyLabel(o.lang));
  return `${out.join('\n')}\n`;
}
