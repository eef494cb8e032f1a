/**
 * Read helpers over the XML tree of xml.ts: children by key, text, inner markup, and the field readers
 * every XML format shares (plain-text fields, HTML fields, links). Depth is bounded by parseXml's cap, so
 * the recursion here is bounded too.
 */
import { sanitizeHtml } from './sanitize.js';
import { cleanText, escapeHtml, htmlToText, toPlainText } from './text.js';
import type { XmlElement, XmlNode } from './xml.js';

/** Direct children whose key is one of `keys`. */
export function children(el: XmlElement | undefined | null, ...keys: string[]): XmlElement[] {
  if (!el) return [];
  const out: XmlElement[] = [];
  for (const c of el.children) if (typeof c !== 'string' && keys.includes(c.key)) out.push(c);
  return out;
}

/** First direct child whose key is one of `keys`, in the order of `keys`. */
export function child(el: XmlElement | undefined | null, ...keys: string[]): XmlElement | undefined {
  if (!el) return undefined;
  for (const k of keys) {
    for (const c of el.children) if (typeof c !== 'string' && c.key === k) return c;
  }
  return undefined;
}

/** Concatenated text of an element and its descendants. */
export function textOf(el: XmlElement | undefined | null): string {
  if (!el) return '';
  let s = '';
  for (const c of el.children) s += typeof c === 'string' ? c : textOf(c);
  return s;
}

/** True when an element has element children (inline markup). */
export function hasElements(el: XmlElement): boolean {
  return el.children.some((c) => typeof c !== 'string');
}

/** Attribute by name (as written; tries the local name without prefix too). */
export function attr(el: XmlElement | undefined | null, name: string): string | undefined {
  if (!el) return undefined;
  return el.attrs.get(name) ?? el.attrs.get(name.toLowerCase());
}

function serialise(node: XmlNode): string {
  if (typeof node === 'string') return escapeHtml(node);
  const name = node.key.startsWith('xhtml:') ? node.key.slice(6) : node.name;
  let s = `<${name}`;
  for (const [k, v] of node.attrs)
    if (k !== 'xmlns' && !k.startsWith('xmlns:')) s += ` ${k}="${escapeHtml(v)}"`;
  return `${s}>${node.children.map(serialise).join('')}</${name}>`;
}

/** Inner markup of an element (inline XHTML), with the text escaped. */
export function innerXml(el: XmlElement): string {
  return el.children.map(serialise).join('');
}

/** Plain text of a title/author-like field that may contain inline or escaped markup. */
export function plainField(el: XmlElement | undefined | null): string | null {
  if (!el) return null;
  const type = (attr(el, 'type') ?? '').toLowerCase();
  let s: string;
  if (hasElements(el)) s = htmlToText(innerXml(el));
  else if (type === 'text' || type === 'text/plain') s = cleanText(textOf(el));
  else if (type === 'html' || type === 'text/html') s = htmlToText(textOf(el));
  else s = toPlainText(textOf(el));
  return s.length > 0 ? s : null;
}

/**
 * Sanitised HTML of a summary/content-like field. Atom `type` is honoured (text → escaped, xhtml → the
 * inner markup of the wrapper div); RSS text is HTML (escaped or CDATA) or inline markup.
 */
export function htmlField(el: XmlElement | undefined | null): string | null {
  if (!el) return null;
  const type = (attr(el, 'type') ?? '').toLowerCase();
  let html: string;
  if (hasElements(el)) {
    const elems = el.children.filter((c): c is XmlElement => typeof c !== 'string');
    const only = elems.length === 1 && elems[0]!.key.endsWith('div') ? elems[0]! : null;
    const onlyIsWrapper =
      only !== null &&
      type === 'xhtml' &&
      el.children.every((c) => c === only || (typeof c === 'string' && !c.trim()));
    html = innerXml(onlyIsWrapper ? only : el);
  } else if (type === 'text' || type === 'text/plain') html = escapeHtml(textOf(el)).replace(/&quot;/g, '"');
  else html = textOf(el);
  const out = sanitizeHtml(html, { base: el.base });
  return out.length > 0 ? out : null;
}
