/**
 * A small, safe XML tree over sax (strict mode, namespaces on, errors recovered as warnings).
 *
 * Safety (docs/reliability.md P1–P5): element and attribute names are never used as object keys (children are
 * arrays, attributes a Map), so `<__proto__>`/`<toString>` are ordinary names; sax ≥ 1.6.1 leaves
 * `&toString;` literal; DOCTYPE entity declarations are refused before any expansion (billion laughs,
 * XXE) and external DTDs are never fetched; nesting deeper than `maxDepth` is flattened into text so that
 * every later walk is bounded.
 */
import sax from 'sax';
import { GeoError } from '../../errors.js';
import type { Warning } from '../types.js';
import { resolveUrl } from './urls.js';

/** One element. `key` is the lower-case `prefix:local` for well-known namespaces, else the local name. */
export interface XmlElement {
  key: string;
  /** Qualified name as written. */
  name: string;
  attrs: Map<string, string>;
  children: XmlNode[];
  /** Effective xml:base (the document URL at the root). */
  base: string | null;
  /** Effective xml:lang. */
  lang: string | null;
}

export type XmlNode = XmlElement | string;

const NAMESPACES: [RegExp, string][] = [
  [/^http:\/\/www\.w3\.org\/2005\/atom$/i, 'atom'],
  [/^http:\/\/purl\.org\/atom\/ns#$/i, 'atom'],
  [/^http:\/\/purl\.org\/rss\/1\.0\/?$/i, 'rss1'],
  [/^http:\/\/(my|channel)\.netscape\.com\/rdf\/simple\/0\.9\/?$/i, 'rss1'],
  [/^http:\/\/www\.w3\.org\/1999\/02\/22-rdf-syntax-ns#$/i, 'rdf'],
  [/^http:\/\/purl\.org\/dc\/elements\/1\.1\/?$/i, 'dc'],
  [/^http:\/\/purl\.org\/dc\/terms\/?$/i, 'dcterms'],
  [/^http:\/\/purl\.org\/rss\/1\.0\/modules\/content\/?$/i, 'content'],
  [/^http:\/\/www\.georss\.org\/georss\/?$/i, 'georss'],
  [/^http:\/\/www\.w3\.org\/2003\/01\/geo\/wgs84_pos#$/i, 'geo'],
  [/^http:\/\/www\.gdacs\.org\/?$/i, 'gdacs'],
  [/^http:\/\/search\.yahoo\.com\/mrss\/?$/i, 'media'],
  [/^http:\/\/www\.itunes\.com\/dtds\/podcast-1\.0\.dtd$/i, 'itunes'],
  [/^http:\/\/prismstandard\.org\/namespaces\/(basic\/)?[\d.]+\/?$/i, 'prism'],
  [/^http:\/\/www\.w3\.org\/1999\/xhtml$/i, 'xhtml'],
  [/^http:\/\/(backend\.userland\.com\/rss2|blogs\.law\.harvard\.edu\/tech\/rss)$/i, ''],
];

/** The key prefix the sax reader gives elements of namespace `uri` written with prefix `written`. */
export function nsPrefix(uri: string, written: string): string {
  if (!uri) return written.toLowerCase();
  for (const [re, prefix] of NAMESPACES) if (re.test(uri)) return prefix;
  return written.toLowerCase();
}

/**
 * `&` not starting an entity or character reference becomes `&amp;` (a common feed error, e.g. query
 * strings in `<link>`); CDATA sections are left untouched.
 */
export function escapeBareAmpersands(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(
    /<!\[CDATA\[[\s\S]*?\]\]>|&(?![a-zA-Z][a-zA-Z0-9._-]{0,40};|#\d{1,8};|#[xX][0-9a-fA-F]{1,8};)/g,
    (m) => (m === '&' ? '&amp;' : m),
  );
}

/** Options of {@link parseXml}. */
export interface XmlOptions {
  /** Document URL: the base of relative references. */
  base?: string | null;
  /** @defaultValue 256 */
  maxDepth?: number;
}

/** Parses XML text into a tree; throws `GeoError('PARSE_ERROR')` for entity declarations, `NOT_A_FEED` without a root. */
export function parseXml(text: string, opts: XmlOptions = {}): { root: XmlElement; warnings: Warning[] } {
  const maxDepth = opts.maxDepth ?? 256;
  const warnings: Warning[] = [];
  const parser = sax.parser(true, { xmlns: true, trim: false, normalize: false, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let skipped = 0;
  let errors = 0;
  let firstError = '';

  const addText = (t: string) => {
    const top = stack[stack.length - 1];
    if (top) top.children.push(t);
  };
  parser.onerror = (e: Error) => {
    errors++;
    if (!firstError) {
      // sax appends "\nLine: <0-based>\nColumn: <1-based>\nChar: c": say where, without the raw character.
      const at = /\nLine: (\d+)\nColumn: (\d+)/.exec(e.message);
      firstError = `${e.message.split('\n')[0] || 'XML error'}${at ? ` at line ${Number(at[1]) + 1}, column ${at[2]}` : ''}`;
    }
    (parser as unknown as { error: Error | null }).error = null;
  };
  parser.ondoctype = (doctype: string) => {
    if (/<!ENTITY/i.test(doctype)) {
      throw new GeoError(
        'PARSE_ERROR',
        'DOCTYPE declares entities; refused (entity expansion / XXE protection)',
      );
    }
    if (/\b(SYSTEM|PUBLIC)\b/.test(doctype)) {
      warnings.push({ code: 'DTD_IGNORED', message: 'external DTD reference ignored (never fetched)' });
    }
  };
  parser.onopentag = (tag) => {
    const q = tag as sax.QualifiedTag;
    if (stack.length >= maxDepth) {
      skipped++;
      return;
    }
    const parent = stack[stack.length - 1];
    const attrs = new Map<string, string>();
    for (const name of Object.keys(q.attributes)) {
      const a = q.attributes[name];
      if (a && typeof a.value === 'string') attrs.set(name, a.value);
    }
    const prefix = nsPrefix(q.uri ?? '', q.prefix ?? '');
    const local = (q.local || q.name).toLowerCase();
    const xmlBase = attrs.get('xml:base');
    const parentBase = parent ? parent.base : (opts.base ?? null);
    const el: XmlElement = {
      key: prefix ? `${prefix}:${local}` : local,
      name: q.name,
      attrs,
      children: [],
      base: xmlBase !== undefined ? (resolveUrl(xmlBase, parentBase) ?? parentBase) : parentBase,
      lang: attrs.get('xml:lang') ?? parent?.lang ?? null,
    };
    if (parent) parent.children.push(el);
    else if (!root) root = el;
    else return void skipped++;
    stack.push(el);
  };
  parser.onclosetag = () => {
    if (skipped > 0 && stack.length >= maxDepth) skipped--;
    else stack.pop();
  };
  parser.ontext = addText;
  parser.oncdata = addText;
  parser.write(escapeBareAmpersands(text)).close();

  if (!root) throw new GeoError('NOT_A_FEED', 'no XML root element found');
  if (errors > 0) {
    warnings.push({
      code: 'XML_MALFORMED',
      message: `${errors} XML error(s) recovered; first: ${firstError}`,
    });
  }
  return { root, warnings };
}
