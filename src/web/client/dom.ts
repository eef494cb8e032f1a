/**
 * Building the DOM from data without ever parsing it as markup (RELIABILITY.md O1–O3): children are text
 * nodes or elements, attributes are set one by one and event-handler attributes, `style` and URL attributes
 * are refused. The only way to a link is {@link link} (http/https only, new tab, `rel="noopener noreferrer"`)
 * or {@link pageLink} (a path on this server). Feed text gets `dir="auto"` (bidi isolation) and `data-d`
 * (marks data for the interface-language test).
 */

export type Child = Node | string | number | null | undefined | false | readonly Child[];
export type Attrs = Readonly<Record<string, string | number | boolean | null | undefined>>;

const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'srcdoc', 'style', 'srcset']);

function setAttrs(el: Element, attrs: Attrs | null | undefined): void {
  if (!attrs) return;
  for (const [name, value] of Object.entries(attrs)) {
    const lower = name.toLowerCase();
    if (lower.startsWith('on') || URL_ATTRS.has(lower))
      throw new Error(`attribute ${name} is not set this way`);
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(el: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** An HTML element with attributes and children (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element (same rules as {@link h}). */
export function svg(tag: string, attrs?: Attrs | null, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** Text from a feed or another holder: isolated direction, marked as data. */
export function feedText<K extends keyof HTMLElementTagNameMap>(tag: K, text: string, attrs: Attrs = {}) {
  return h(tag, { dir: 'auto', 'data-d': true, ...attrs }, text);
}

/** An absolute http(s) URL as the WHATWG parser normalises it, or null for anything else. */
export function safeUrl(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  try {
    const u = new URL(raw.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** A link to an outside page when `url` is http(s) (new tab, no opener, no referrer); else the children alone. */
export function link(url: unknown, attrs: Attrs, ...children: Child[]): HTMLElement {
  const href = safeUrl(url);
  if (href === null) return h('span', attrs, ...children);
  const a = h('a', { ...attrs, target: '_blank', rel: 'noopener noreferrer' }, ...children);
  a.href = href;
  return a;
}

/** A link to a path of this server (`/…`, never `//…`). */
export function pageLink(path: string, attrs: Attrs | null, ...children: Child[]): HTMLAnchorElement {
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\'))
    throw new Error('not a local path');
  const a = h('a', attrs, ...children);
  a.href = path;
  return a;
}

/** Replaces an element's children. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** Shows a line in a notice element (`kind` error or info), or hides it for an empty text. */
export function notice(el: HTMLElement | null, text: string, kind: 'info' | 'error' = 'info'): void {
  if (!el) return;
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = text === '';
}
