/**
 * One article page as a parse document of one item (add by URL): what the article stage extracted — title,
 * summary, publication date, language — in the shape the normalise stage reads, so an editor's URL goes
 * through the same stages as a feed's entry. Pure.
 */
import type { ArticleExtraction } from './article/index.js';
import { escapeHtml } from './parse/text.js';
import type { ParseDocument } from './types.js';

/** The page at `url` (final, after redirects) as a one-item document. */
export function pageDocument(ex: ArticleExtraction, url: string): ParseDocument {
  return {
    format: 'html',
    encoding: 'utf-8',
    feed: { title: null, link: url, language: ex.language ?? null },
    items: [
      {
        link: url,
        title: ex.title ?? null,
        // Parse documents carry sanitised HTML; the extraction is plain text.
        summary: ex.summary ? escapeHtml(ex.summary) : null,
        published: ex.publishedAt ?? null,
      },
    ],
    warnings: [],
  };
}
