/**
 * HTML edition of the bulletin. Every feed string is escaped and rendered as text; links are http(s) only with
 * rel="noopener noreferrer"; a CSP meta forbids scripts, frames, plugins and base/form targets (docs/reliability.md
 * O1–O3, test T-O1).
 */
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

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src https:; base-uri 'none'; form-action 'none'";

const STYLE =
  'body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.6}' +
  'h1{margin-bottom:.2rem}.meta{color:#555}article{margin:1.2rem 0}h3{font-size:1.05rem;margin:.2rem 0}.cite{color:#555}.kw{color:#333;font-size:.95rem}' +
  '.events{border:1px solid #ccc;border-radius:4px;background:#f7f7f7;padding:.4rem 1rem;margin:1.2rem 0}.events ul{margin:.3rem 0;padding-left:1.2rem}';

/** A link out: http(s) only, escaped, never with the opener or the referrer; else the escaped text. */
function link(text: string, raw: string | undefined): string {
  const url = safeUrl(raw);
  const label = escapeHtml(text);
  return url
    ? `<a href="${escapeHtml(url)}" rel="noopener noreferrer" target="_blank" referrerpolicy="no-referrer">${label}</a>`
    : label;
}

/** Renders the digest as a standalone HTML document. */
export function renderHtml(d: Digest, o: RenderOptions): string {
  const title = escapeHtml(bulletinTitle(o));
  const body: string[] = [
    `<header><h1>${title}</h1><p class="meta">${escapeHtml(issueLabel(d, o.lang))} · <time datetime="${escapeHtml(d.date)}">${escapeHtml(dateLabel(d.date, o.lang))}</time></p></header>`,
  ];
  shownSections(d, o).forEach((s, i) => {
    body.push(`<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(sectionLabel(s, i, o.lang))}</h2>`);
    const events = eventsOf(s);
    if (s.items.length === 0 && events.length === 0) body.push(`<p>${escapeHtml(emptyLabel(o.lang))}</p>`);
    for (const { n, record } of s.items) {
      const t = entryText(record, o.lang);
      const heading = link(t.title, record.url);
      const keywords = keywordLine(record, o);
      body.push(
        `<article dir="auto"><h3 dir="auto">${n}. ${heading}</h3>` +
          (t.summary ? `<p dir="auto">${escapeHtml(t.summary)}</p>` : '') +
          (keywords ? `<p class="kw" lang="zh-CN">${escapeHtml(keywords)}</p>` : '') +
          `<p class="cite" dir="auto">${escapeHtml(t.citation)}</p></article>`,
      );
    }
    if (events.length > 0) {
      const title = escapeHtml(eventBoxTitle(events, o.lang));
      const lines = events.map((q) => {
        const { region, rest } = eventParts(q, o.lang);
        return `<li dir="auto">${link(region, q.url)}${escapeHtml(rest)}</li>`;
      });
      body.push(
        `<aside class="events" aria-label="${title}"><h3>${title}</h3><ul>${lines.join('')}</ul></aside>`,
      );
    }
    body.push('</section>');
  });
  if (isEmptyDigest(d)) body.push(`<p>${escapeHtml(emptyLabel(o.lang))}</p>`);
  return `<!DOCTYPE html>
<html lang="${o.lang === 'zh' ? 'zh-CN' : 'en'}" dir="auto">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} ${escapeHtml(issueLabel(d, o.lang))}</title>
<style>${STYLE}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}
