/**
 * Reads Universal Feed Parser test headers (`Expect:` Python expressions, `Header:` lines) and maps the
 * expectations that have a counterpart in our parse document onto it. Everything else is "unmapped" and
 * not counted. The mapping (feedparser → parse document):
 *
 *   feed.title / title_detail.value            → feed.title        (text)
 *   feed.link                                   → feed.link         (url)
 *   feed.subtitle / tagline / description       → feed.description  (text)
 *   feed.language                               → feed.language     (exact)
 *   feed.updated(_parsed) / modified(_parsed)   → feed.updated      (date)
 *   entries[i].title / title_detail.value       → items[i].title    (text)
 *   entries[i].link                             → items[i].link     (url)
 *   entries[i].id / guid                        → items[i].guid     (exact)
 *   entries[i].author / author_detail.name      → items[i].author   (text)
 *   entries[i].summary / description / summary_detail.value → items[i].summary ?? content (html)
 *   entries[i].content[0].value                 → items[i].content  (html)
 *   entries[i].published / issued / created (_parsed) → items[i].published (date)
 *   entries[i].updated / modified (_parsed)     → items[i].updated ?? published (date)
 *   entries[i].tags[k].term / category          → items[i].categories[k] (exact)
 *   entries[i].enclosures[k].href|url|type|length → items[i].enclosures[k] (exact)
 *   len(entries)                                → items.length
 *   encoding                                    → encoding (us-ascii documents may report utf-8;
 *                                                  gb2312/gbk/gb18030 are one family: feedparser reports
 *                                                  the decoder it used, we report the declared label)
 *
 * Comparisons: text = equal to the expected value taken as plain text or as HTML converted to text
 * (feedparser keeps inline markup in titles; our titles are plain text by contract); html = equal after
 * both sides are re-serialised by htmlparser2/dom-serializer (same markup, formatting differences only), or,
 * when the expected value has no markup, equal as text; url = equal or equal after WHATWG normalisation;
 * date = same instant (a time tuple compares its first six fields).
 */
import { DomUtils, parseDocument as parseHtmlDom } from 'htmlparser2';
import { parseDate } from '../../src/pipeline/parse/dates.js';
import { cleanText, htmlToText } from '../../src/pipeline/parse/text.js';

export type Py = string | number | null | boolean | Py[];

/** A parse document shape (ours, or rss-parser's mapped onto it). */
export interface DocLike {
  encoding?: string;
  feed: object;
  items: object[];
}

export interface TestHeader {
  expect: string;
  headers: Record<string, string>;
}

/** Reads the header comment of a corpus file. */
export function readHeader(text: string): TestHeader | null {
  const m = /Expect:\s*(.*?)\s*(?:\n|-->|$)/.exec(text);
  if (!m) return null;
  const headers: Record<string, string> = {};
  const comment = /<!--([\s\S]*?)-->/.exec(text)?.[1] ?? '';
  for (const h of comment.matchAll(/Header:\s*([\w-]+):\s*(.*)/g))
    headers[h[1]!.toLowerCase()] = h[2]!.trim();
  return { expect: m[1]!, headers };
}

/** Splits on top-level ` and `. */
export function splitClauses(expr: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && expr.startsWith(' and ', i)) {
      out.push(expr.slice(start, i).trim());
      start = i + 5;
      i += 4;
    }
  }
  out.push(expr.slice(start).trim());
  return out.map((c) => (/^\(.*\)$/.test(c) && !/^\(\d/.test(c) ? c.slice(1, -1).trim() : c));
}

/** Parses a Python literal; undefined when unsupported. */
export function parsePy(src: string): Py | undefined {
  const s = src.trim();
  if (s === 'None') return null;
  if (s === 'True' || s === 'False') return s === 'True';
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  const str = /^u?(['"])(.*)\1$/s.exec(s);
  if (str) {
    return str[2]!.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) => {
      if (/^[xuU]/.test(e) && e.length > 1) return String.fromCodePoint(Number.parseInt(e.slice(1), 16));
      return ({ n: '\n', t: '\t', r: '\r', '0': '\0' } as Record<string, string>)[e] ?? e;
    });
  }
  const tuple = /^\((.*)\)$/.exec(s);
  if (tuple) {
    const parts = tuple[1]!
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const vals = parts.map(parsePy);
    return vals.every((v) => typeof v === 'number') ? (vals as number[]) : undefined;
  }
  return undefined;
}

/** Parses an access path like `entries[0]['tags'][1]['term']` or `feed.title`. */
export function parsePath(src: string): (string | number)[] | undefined {
  const s = src.trim();
  const len = /^len\((\w+)\)$/.exec(s);
  if (len) return ['len', len[1]!];
  const head = /^(\w+)/.exec(s);
  if (!head) return undefined;
  const segs: (string | number)[] = [head[1]!];
  let rest = s.slice(head[0].length);
  while (rest.length > 0) {
    const m = /^\[(\d+)\]|^\[u?'([\w:]+)'\]|^\["([\w:]+)"\]|^\.(\w+)(?!\()|^\.get\('([\w:]+)'\)/.exec(rest);
    if (!m) return undefined;
    segs.push(m[1] !== undefined ? Number(m[1]) : (m[2] ?? m[3] ?? m[4] ?? m[5])!);
    rest = rest.slice(m[0].length);
  }
  return segs;
}

type Rec = Record<string, unknown>;
type Kind = 'text' | 'html' | 'url' | 'date' | 'exact' | 'encoding' | 'count';
interface Mapped {
  kind: Kind;
  get: (doc: DocLike) => unknown;
}

const TEXT_KEYS = (k: string) => [k, `${k}_detail.value`];

/** Maps a feedparser path onto the parse document, or undefined when it has no counterpart. */
export function mapPath(path: (string | number)[]): Mapped | undefined {
  const [root, ...rest] = path;
  const key = rest.filter((s) => typeof s === 'string').join('.');
  if (root === 'len' && rest[0] === 'entries') return { kind: 'count', get: (d) => d.items.length };
  if (root === 'encoding' && rest.length === 0) return { kind: 'encoding', get: (d) => d.encoding };
  if (root === 'feed') {
    const f = (name: string) => (d: DocLike) => (d.feed as Rec)[name];
    if (TEXT_KEYS('title').includes(key)) return { kind: 'text', get: f('title') };
    if (key === 'link') return { kind: 'url', get: f('link') };
    if (['subtitle', 'tagline', 'description'].flatMap(TEXT_KEYS).includes(key))
      return { kind: 'text', get: f('description') };
    if (key === 'language') return { kind: 'exact', get: f('language') };
    if (/^(updated|modified)(_parsed)?$/.test(key)) return { kind: 'date', get: f('updated') };
    return undefined;
  }
  if (root !== 'entries' || typeof rest[0] !== 'number') return undefined;
  const i = rest[0];
  const item = (d: DocLike) => (d.items[i] ?? {}) as Rec;
  const tail = rest.slice(1);
  const tkey = tail.filter((s) => typeof s === 'string').join('.');
  const idx = tail.find((s) => typeof s === 'number') as number | undefined;
  const f = (name: string) => (d: DocLike) => item(d)[name];
  if (TEXT_KEYS('title').includes(tkey)) return { kind: 'text', get: f('title') };
  if (tkey === 'link') return { kind: 'url', get: f('link') };
  if (tkey === 'id' || tkey === 'guid') return { kind: 'exact', get: f('guid') };
  if (tkey === 'author' || tkey === 'author_detail.name') return { kind: 'text', get: f('author') };
  if (['summary', 'description'].flatMap(TEXT_KEYS).includes(tkey)) {
    return { kind: 'html', get: (d) => item(d).summary ?? item(d).content };
  }
  if (tkey === 'content.value' && idx === 0) return { kind: 'html', get: f('content') };
  if (/^(published|issued|created)(_parsed)?$/.test(tkey)) return { kind: 'date', get: f('published') };
  if (/^(updated|modified)(_parsed)?$/.test(tkey)) {
    return { kind: 'date', get: (d) => item(d).updated ?? item(d).published };
  }
  if (tkey === 'category')
    return { kind: 'exact', get: (d) => (item(d).categories as string[] | undefined)?.[0] };
  if (tkey === 'tags.term' && idx !== undefined) {
    return { kind: 'exact', get: (d) => (item(d).categories as string[] | undefined)?.[idx] };
  }
  const enc = /^enclosures\.(href|url|type|length)$/.exec(tkey);
  if (enc && idx !== undefined) {
    const field = enc[1] === 'href' ? 'url' : enc[1]!;
    return {
      kind: 'exact',
      get: (d) => {
        const e = (item(d).enclosures as Record<string, unknown>[] | undefined)?.[idx]?.[field];
        return typeof e === 'number' ? String(e) : e;
      },
    };
  }
  return undefined;
}

function canonHtml(s: string): string {
  return DomUtils.getOuterHTML(parseHtmlDom(s, { decodeEntities: true }), { encodeEntities: 'utf8' })
    .replace(/\s+/g, ' ')
    .replace(/> </g, '><')
    .trim();
}

function dateFrom(expected: Py): string | null {
  if (typeof expected === 'string') return parseDate(expected);
  if (Array.isArray(expected) && expected.length >= 6) {
    const [y, mo, d, h, mi, s] = expected as number[];
    return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!)).toISOString();
  }
  return null;
}

/** Compares our value with feedparser's expected value for a mapped kind. */
export function matches(kind: Kind, actual: unknown, expected: Py, op: '==' | '!='): boolean {
  const eq = (): boolean => {
    if (expected === null) return actual === null || actual === undefined;
    if (actual === null || actual === undefined) return expected === '' && kind !== 'count';
    switch (kind) {
      case 'count':
        return actual === expected;
      case 'encoding': {
        const a = String(actual).toLowerCase();
        const e = String(expected).toLowerCase();
        const gb = /^(gb2312|gbk|gb18030)$/;
        return a === e || (e === 'us-ascii' && a === 'utf-8') || (gb.test(a) && gb.test(e));
      }
      case 'text': {
        if (typeof expected !== 'string' || typeof actual !== 'string') return false;
        return actual === cleanText(expected) || actual === htmlToText(expected);
      }
      case 'html': {
        if (typeof expected !== 'string' || typeof actual !== 'string') return false;
        if (canonHtml(actual) === canonHtml(expected)) return true;
        return !/<[a-zA-Z]/.test(expected) && htmlToText(actual) === cleanText(expected);
      }
      case 'url': {
        if (actual === expected) return true;
        try {
          return new URL(String(actual)).href === new URL(String(expected)).href;
        } catch {
          return false;
        }
      }
      case 'date': {
        const e = dateFrom(expected);
        return e !== null && typeof actual === 'string' && Date.parse(actual) === Date.parse(e);
      }
      default:
        return actual === expected;
    }
  };
  return op === '==' ? eq() : !eq();
}

export interface ClauseResult {
  clause: string;
  pass: boolean;
}

/** Evaluates the mappable clauses of an `Expect:` expression against a document (or a parse failure). */
export function evaluate(expect: string, doc: DocLike | null): ClauseResult[] {
  const results: ClauseResult[] = [];
  for (const clause of splitClauses(expect)) {
    const m = /^(.+?)\s*(==|!=|\bis not\b|\bis\b)\s*(.+)$/.exec(clause);
    if (!m) continue;
    const path = parsePath(m[1]!);
    const mapped = path && mapPath(path);
    const expected = parsePy(m[3]!);
    if (!mapped || expected === undefined) continue;
    const op = m[2] === '!=' || m[2] === 'is not' ? '!=' : '==';
    let pass = false;
    if (doc) {
      try {
        pass = matches(mapped.kind, mapped.get(doc), expected, op);
      } catch {
        pass = false;
      }
    }
    results.push({ clause, pass });
  }
  return results;
}
