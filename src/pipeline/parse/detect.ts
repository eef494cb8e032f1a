/**
 * Format sniffing on decoded text: JSON (JSON Feed or GeoJSON, decided after JSON.parse), XML feeds
 * (decided by the root element after parsing) or HTML pages. Content-Type only breaks ties.
 */
import type { FeedFormat } from '../types.js';

/** Syntax family of a document. */
export type Syntax = 'xml' | 'json' | 'html';

/** Skips the XML declaration, comments, processing instructions and whitespace at the start. */
function skipProlog(s: string): string {
  let t = s.trimStart();
  for (let guard = 0; guard < 1000; guard++) {
    if (t.startsWith('<?')) {
      const end = t.indexOf('?>');
      t = end < 0 ? '' : t.slice(end + 2).trimStart();
    } else if (t.startsWith('<!--')) {
      const end = t.indexOf('-->');
      t = end < 0 ? '' : t.slice(end + 3).trimStart();
    } else return t;
  }
  return t;
}

/** Decides the syntax family of a document, or null when it is none of them. */
export function sniffSyntax(text: string, contentType?: string): Syntax | null {
  const head = skipProlog(text.slice(0, 65_536));
  const ct = (contentType ?? '').toLowerCase();
  if (/^[{[]/.test(head)) return 'json';
  if (!head.startsWith('<')) return ct.includes('json') && head.length > 0 ? 'json' : null;
  const doctype = /^<!doctype\s+([\w:-]+)[^>[]*(\[[\s\S]*?\])?\s*>/i.exec(head);
  const root = doctype ? skipProlog(head.slice(doctype[0].length)) : head;
  if (/^<(rss|feed|rdf:RDF|channel)\b/i.test(root)) return 'xml';
  if (/^<html[\s>]/i.test(root) || (doctype && /^html$/i.test(doctype[1]!) && !root.startsWith('<')))
    return 'html';
  if (/^<(head|body|div|p|table|ul|a|meta|title|script|link)[\s>]/i.test(root)) return 'html';
  return ct.includes('html') && !ct.includes('xhtml') ? 'html' : 'xml';
}

/** Feed format of an XML root key (see xml.ts keys); null when the root is not a feed. */
export function formatOfRoot(key: string): Exclude<FeedFormat, 'json' | 'geojson' | 'html'> | 'html' | null {
  if (key === 'rss' || key === 'channel' || key === 'rss1:rss') return 'rss';
  if (key === 'rdf:rdf') return 'rdf';
  if (key === 'atom:feed' || key === 'feed') return 'atom';
  if (key === 'html' || key === 'xhtml:html') return 'html';
  return null;
}
