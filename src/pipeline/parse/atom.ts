/**
 * Atom 1.0 and 0.3 reader. Each entry's dates are parsed on their own, so one bad `<published>` leaves
 * the other entries intact (rss-parser loses the whole feed with a RangeError). Categories come from
 * `term` (or `label`), enclosures from `link rel="enclosure"`, and text constructs honour `type`
 * (text, html, xhtml; Atom 0.3 `mode="escaped"`).
 */
import type { Enclosure, FeedMeta, ParsedItem } from '../types.js';
import { capEntries, dateField, type ReadContext, uniq } from './common.js';
import { readGeo, usgsAtomExtras } from './geo.js';
import { cleanText } from './text.js';
import { safeLink } from './urls.js';
import type { XmlElement } from './xml.js';
import { attr, child, children, htmlField, plainField, textOf } from './xml-read.js';

const A = (...names: string[]) => names.flatMap((n) => [`atom:${n}`, n]);

/** The alternate link of a feed or entry, resolved against the link element's xml:base. */
function alternate(el: XmlElement, ctx: ReadContext): string | null {
  const links = children(el, ...A('link'));
  const pick =
    links.find(
      (l) => (attr(l, 'rel') ?? 'alternate') === 'alternate' && /html/.test(attr(l, 'type') ?? 'html'),
    ) ?? links.find((l) => (attr(l, 'rel') ?? 'alternate') === 'alternate');
  if (!pick) return null;
  return safeLink(attr(pick, 'href') ?? cleanText(textOf(pick)), pick.base ?? ctx.url);
}

/** Atom 0.3 `mode="escaped"` and MIME-style types mapped onto Atom 1.0 types for the field readers. */
function textConstruct(el: XmlElement | undefined, defaultType: 'text' | 'html'): XmlElement | undefined {
  if (!el) return undefined;
  const type = (attr(el, 'type') ?? '').toLowerCase();
  const mode = (attr(el, 'mode') ?? '').toLowerCase();
  let t = type || defaultType;
  if (mode === 'base64') return decodeBase64(el);
  if (mode === 'escaped' || type === 'text/html') t = 'html';
  else if (type === 'application/xhtml+xml') t = 'xhtml-div';
  else if (type && !/^(text|html|xhtml)$|xml$|^text\//.test(type)) return decodeBase64(el);
  else if (type === 'text/plain') t = 'text';
  if (t === type) return el;
  const attrs = new Map(el.attrs);
  attrs.set('type', t);
  return { ...el, attrs };
}

/** Atom base64 content (`mode="base64"` or a non-text media type): decoded as UTF-8 HTML, else dropped. */
function decodeBase64(el: XmlElement): XmlElement {
  const raw = textOf(el).replace(/\s+/g, '');
  let text = '';
  if (/^[A-Za-z0-9+/]*={0,2}$/.test(raw)) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(raw, 'base64'));
    } catch {
      text = '';
    }
  }
  const attrs = new Map(el.attrs);
  attrs.set('type', 'html');
  return { ...el, attrs, children: [text] };
}

function author(el: XmlElement): string | null {
  const a = child(el, ...A('author'));
  return (
    (a && (plainField(child(a, ...A('name'))) ?? plainField(child(a, ...A('email'))))) ||
    plainField(child(el, 'dc:creator'))
  );
}

function readEntry(entry: XmlElement, ctx: ReadContext, n: number): ParsedItem {
  const where = `entry ${n}`;
  const guid = cleanText(textOf(child(entry, ...A('id')))) || null;
  const title = plainField(textConstruct(child(entry, ...A('title')), 'text'));
  const { geo, eventIds } = readGeo(entry);
  eventIds.push(...usgsAtomExtras(guid, title, geo));
  const enclosures: Enclosure[] = [];
  for (const l of children(entry, ...A('link'))) {
    if (attr(l, 'rel') !== 'enclosure') continue;
    const url = safeLink(attr(l, 'href'), l.base ?? ctx.url);
    const length = Number(attr(l, 'length'));
    if (url)
      enclosures.push({
        url,
        type: attr(l, 'type') ?? null,
        length: Number.isFinite(length) ? length : null,
      });
  }
  const content = child(entry, ...A('content'));
  return {
    guid,
    title,
    link: alternate(entry, ctx),
    published: dateField(textOf(child(entry, ...A('published', 'issued', 'created'), 'dc:date')), ctx, where),
    updated: dateField(textOf(child(entry, ...A('updated', 'modified'))), ctx, where),
    author: author(entry),
    summary:
      htmlField(textConstruct(child(entry, ...A('summary')), 'text')) ??
      htmlField(textConstruct(child(child(entry, 'media:group') ?? entry, 'media:description'), 'text')),
    content: content && !attr(content, 'src') ? htmlField(textConstruct(content, 'text')) : null,
    categories: uniq(
      children(entry, ...A('category'), 'dc:subject').map((c) =>
        cleanText(attr(c, 'term') ?? attr(c, 'label') ?? textOf(c)),
      ),
    ),
    enclosures,
    geo,
    eventIds: uniq(eventIds),
  };
}

/** Reads an Atom `<feed>` document. */
export function readAtom(root: XmlElement, ctx: ReadContext): { feed: FeedMeta; items: ParsedItem[] } {
  const subtitle = child(root, ...A('subtitle', 'tagline'));
  const feed: FeedMeta = {
    title: plainField(textConstruct(child(root, ...A('title')), 'text')),
    link: alternate(root, ctx),
    description: plainField(textConstruct(subtitle, 'text')),
    language: root.lang ? root.lang.replace(/_/g, '-') : null,
    updated: dateField(textOf(child(root, ...A('updated', 'modified'))), ctx, 'feed'),
  };
  const entries = capEntries(children(root, ...A('entry')), ctx);
  return { feed, items: entries.map((e, i) => readEntry(e, ctx, i + 1)) };
}
