/** renderDigest: one digest in Markdown, HTML or JSON (the structured edition: sections → records). */
import type { Digest } from './build.js';
import {
  bulletinTitle,
  dateLabel,
  entryKeywords,
  entryText,
  eventBoxTitle,
  eventLine,
  eventsOf,
  issueLabel,
  type RenderOptions,
} from './labels.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-md.js';

/**
 * The structured edition: `geointel.digest/1`. Each section: its numbered `items` and its event box,
 * `eventsTitle` and `events` (one sequence each, with the `line` the md/html renderings show).
 */
export function renderJson(d: Digest, o: RenderOptions): string {
  const edition = {
    schema: 'geointel.digest/1',
    title: bulletinTitle(o),
    lang: o.lang,
    date: d.date,
    dateLabel: dateLabel(d.date, o.lang),
    issue: d.issue,
    issueLabel: issueLabel(d, o.lang),
    timeZone: d.timeZone,
    window: d.window,
    count: d.count,
    sections: d.sections.map((s) => ({
      id: s.id,
      name: o.lang === 'zh' ? s.nameZh : s.name,
      nameEn: s.name,
      nameZh: s.nameZh,
      order: s.order,
      items: s.items.map(({ n, record }) => {
        const keywords = entryKeywords(record, o);
        return { n, ...entryText(record, o.lang), ...(keywords.length ? { keywords } : {}), record };
      }),
      eventsTitle: eventBoxTitle(eventsOf(s), o.lang),
      events: eventsOf(s).map((q) => ({ ...q, line: eventLine(q, o.lang) })),
    })),
  };
  return `${JSON.stringify(edition, null, 2)}\n`;
}

/** Renders a digest in the requested format and language. */
export function renderDigest(d: Digest, o: RenderOptions): string {
  switch (o.format) {
    case 'md':
      return renderMarkdown(d, o);
    case 'html':
      return renderHtml(d, o);
    case 'json':
      return renderJson(d, o);
  }
}
