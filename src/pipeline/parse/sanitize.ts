/**
 * HTML sanitiser for summaries and content: an allow-list over htmlparser2's streaming tokenizer.
 *
 * Why not sanitize-html: it would add a dependency tree (postcss and friends) for features we do not
 * want (style parsing, transformTags); here we need only an allow-list, base-URL resolution with our own
 * scheme rule (urls.ts), a nesting cap, and a canonical, idempotent serialisation. htmlparser2 is already
 * installed (cheerio uses it) and is iterative, so deep nesting cannot overflow the stack.
 */
import { Parser } from 'htmlparser2';
import { capNesting, dropNulReferences, escapeHtml, stripInvalidChars } from './text.js';
import { safeUrl } from './urls.js';

const ALLOWED_TAGS = new Set(
  (
    'a abbr acronym address article aside audio b bdi bdo big blockquote br caption center cite code col ' +
    'colgroup dd del details dfn div dl dt em figcaption figure font footer h1 h2 h3 h4 h5 h6 header hr i ' +
    'img ins kbd li mark ol p picture pre q rp rt ruby s samp section small source span strike strong sub ' +
    'summary sup table tbody td tfoot th thead time tr tt u ul var video wbr'
  ).split(' '),
);
/** Elements removed together with everything inside them. */
const DROP_CONTENT = new Set(
  (
    'script style iframe object embed applet noscript noembed noframes template title head textarea ' +
    'select xmp plaintext svg math frameset frame base meta link param'
  ).split(' '),
);
const VOID = new Set(['br', 'hr', 'img', 'wbr', 'col', 'source', 'track', 'area', 'input', 'meta', 'link']);
const ALLOWED_ATTRS = new Set(
  (
    'abbr align alt border cellpadding cellspacing cite colspan controls datetime dir headers height href ' +
    'hreflang lang loop muted poster rowspan scope span src start summary title type valign value width ' +
    'reversed nowrap'
  ).split(' '),
);
const URL_ATTRS = new Set(['href', 'src', 'cite', 'poster']);
/** Longest HTML input sanitised (characters); the rest is cut before parsing. */
const MAX_INPUT = 2_000_000;

/** Sanitiser options. */
export interface SanitizeOptions {
  /** Base URL for relative `href`/`src` (xml:base, feed link or document URL). */
  base?: string | null;
  /** Elements nested deeper than this keep their text but lose their tags. @defaultValue 128 */
  maxDepth?: number;
}

function escapeAttr(v: string): string {
  return escapeHtml(v);
}

/**
 * Returns safe HTML: only allow-listed elements and attributes, no `on*` handlers, no `style`, URLs only
 * http(s)/mailto (relative ones resolved against `base`), comments dropped, text escaped.
 */
export function sanitizeHtml(html: string, opts: SanitizeOptions = {}): string {
  // htmlparser2 applies implied end tags relative to elements we drop, so one pass is not always a fixed
  // point (`<p><x!><p>`); re-running on the output until it is stable makes the result idempotent.
  // Inputs beyond MAX_INPUT are cut first so the cost stays bounded; the caller's field cap (1 MB,
  // FIELD_TRUNCATED) still applies to the output.
  let out = sanitizeOnce(html.length > MAX_INPUT ? html.slice(0, MAX_INPUT) : html, opts);
  for (let i = 0; i < 3; i++) {
    const again = sanitizeOnce(out, opts);
    if (again === out) break;
    out = again;
  }
  return out;
}

function sanitizeOnce(html: string, opts: SanitizeOptions): string {
  const maxDepth = opts.maxDepth ?? 128;
  const out: string[] = [];
  /** What we did for each open element: emitted tag name, or '' (tag skipped), or '!' (content dropped). */
  const stack: string[] = [];
  let emittedDepth = 0;
  let dropping = 0;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (dropping > 0 || DROP_CONTENT.has(name)) {
          if (!VOID.has(name)) {
            dropping++;
            stack.push('!');
          }
          return;
        }
        if (!ALLOWED_TAGS.has(name) || emittedDepth >= maxDepth) {
          if (!VOID.has(name)) stack.push('');
          return;
        }
        let tag = `<${name}`;
        for (const [rawKey, rawValue] of Object.entries(attribs)) {
          const key = rawKey.toLowerCase();
          if (key.startsWith('on') || !ALLOWED_ATTRS.has(key)) continue;
          let value: string | null = stripInvalidChars(String(rawValue));
          if (URL_ATTRS.has(key)) value = safeUrl(value, opts.base);
          if (value === null) continue;
          tag += ` ${key}="${escapeAttr(value)}"`;
        }
        out.push(`${tag}>`);
        if (!VOID.has(name)) {
          stack.push(name);
          emittedDepth++;
        }
      },
      onclosetag(name) {
        if (VOID.has(name)) return;
        const top = stack.pop();
        if (top === undefined) return;
        if (top === '!') dropping--;
        else if (top !== '') {
          emittedDepth--;
          out.push(`</${top}>`);
        }
      },
      ontext(text) {
        if (dropping === 0) out.push(escapeHtml(stripInvalidChars(text)).replace(/&quot;/g, '"'));
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: true },
  );
  parser.end(capNesting(dropNulReferences(html)));
  return out.join('').trim();
}
