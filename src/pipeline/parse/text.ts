/**
 * Plain-text helpers of the parse stage: HTML → text, entity decoding and character hygiene (T-P7).
 *
 * Everything here is iterative (htmlparser2's streaming tokenizer, no DOM), so 50 000-deep markup cannot
 * overflow the stack.
 */
import { Parser } from 'htmlparser2';

/** Elements whose text is never shown (their content is dropped from plain text). */
const HIDDEN = new Set(['script', 'style', 'noscript', 'template', 'head', 'title', 'iframe', 'object']);
/** Elements that separate words: their boundaries become a space. */
/** Elements whose boundaries separate blocks of text (the article stage extends the list). */
export const BLOCK = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'dd',
  'div',
  'dl',
  'dt',
  'figcaption',
  'figure',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'ul',
]);

/** C1 controls as windows-1252 meant them (feeds mislabelled as ISO-8859-1 carry smart quotes there). */
const CP1252_C1 = [
  '€',
  '',
  '‚',
  'ƒ',
  '„',
  '…',
  '†',
  '‡',
  'ˆ',
  '‰',
  'Š',
  '‹',
  'Œ',
  '',
  'Ž',
  '',
  '',
  '‘',
  '’',
  '“',
  '”',
  '•',
  '–',
  '—',
  '˜',
  '™',
  'š',
  '›',
  'œ',
  '',
  'ž',
  'Ÿ',
];

/**
 * Removes characters that must never be stored: NUL and other C0 controls (except tab/newline/CR), C1
 * controls (mapped to their windows-1252 characters where one exists),
 * lone surrogates, zero-width and bidi format characters, BOMs and non-characters.
 */
export function stripInvalidChars(s: string): string {
  return (
    s
      .replace(/[\u0080-\u009F]/g, (c) => CP1252_C1[c.charCodeAt(0) - 0x80] ?? '')
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '')
      // lone surrogates (a high not followed by a low, or a low not preceded by a high)
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
      .replace(/[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uFFFE\uFFFF]/g, '')
  );
}

const VOID_TAGS = /^(area|base|br|col|embed|hr|img|input|link|meta|param|source|track|wbr)$/i;

/**
 * Drops tags nested deeper than `max` (their text stays). A linear regex pass run before htmlparser2 and
 * cheerio, whose open-element stacks make 50 000-deep input quadratic. Approximate (it does not know
 * HTML's implied end tags), which is harmless: it only acts beyond `max` levels.
 */
export function capNesting(html: string, max = 512): string {
  if (html.length < max * 3) return html;
  let depth = 0;
  return html.replace(
    // The lookahead-and-backreference makes the name atomic, and `[^<>]` stops at the next `<`: without
    // both, `<a-a-a…` without `>` backtracks quadratically.
    /<(\/?)(?=([a-zA-Z][\w:-]*))\2[^<>]*?(\/?)>/g,
    (tag, close: string, name: string, self: string) => {
      if (self || VOID_TAGS.test(name)) return depth >= max ? '' : tag;
      if (close) {
        const keep = depth <= max;
        depth = Math.max(0, depth - 1);
        return keep ? tag : '';
      }
      depth++;
      return depth > max ? '' : tag;
    },
  );
}

/** Removes `&#0;`/`&#x0;` references, which HTML decoding would turn into U+FFFD. */
export function dropNulReferences(s: string): string {
  return s.includes('&#') ? s.replace(/&#0+(?![0-9]);?|&#x0+(?![0-9a-f]);?/gi, '') : s;
}

/** Collapses runs of whitespace (including NBSP) to one space and trims. */
export function collapseWhitespace(s: string): string {
  return s.replace(/[\s\u00A0]+/g, ' ').trim();
}

/** Plain text cleanup for titles, authors and other single-line fields. */
export function cleanText(s: string): string {
  return collapseWhitespace(stripInvalidChars(s));
}

/**
 * Converts an HTML fragment to one line of plain text: tags removed (block boundaries become spaces),
 * script/style content dropped, entities decoded, invalid characters stripped, whitespace collapsed.
 */
export function htmlToText(input: string): string {
  if (!/[<&]/.test(input)) return cleanText(input);
  const html = capNesting(dropNulReferences(input));
  const parts: string[] = [];
  let hidden = 0;
  const parser = new Parser(
    {
      onopentagname(name) {
        if (HIDDEN.has(name)) hidden++;
        else if (BLOCK.has(name)) parts.push(' ');
      },
      onclosetag(name) {
        if (HIDDEN.has(name)) hidden = Math.max(0, hidden - 1);
        else if (BLOCK.has(name)) parts.push(' ');
      },
      ontext(text) {
        if (hidden === 0) parts.push(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.end(html);
  return cleanText(parts.join(''));
}

/** True when a text field looks like it carries HTML markup or entities (RSS fields are often escaped HTML). */
export function looksLikeHtml(s: string): boolean {
  // `[^<>]` (not `[^>]`): a text of many `<a` and no `>` must not rescan to its end from every `<`.
  return /<\/?[a-zA-Z][^<>]*>|<!--|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]{1,31});/.test(s);
}

/** Plain text of a field that may or may not be HTML. */
export function toPlainText(s: string): string {
  return looksLikeHtml(s) ? htmlToText(s) : cleanText(s);
}

/** Escapes text for inclusion in HTML. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
