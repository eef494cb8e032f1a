/**
 * OPML, the subscription list of every feed reader (Feedly, Inoreader, Miniflux, NetNewsWire): reading a
 * reader's export into registry entries, and writing the registry as one. Pure: bytes and the registry in,
 * entries and a report out; the CLI (`geointel sources import|export`) reads and writes the files.
 *
 * Reading goes through the parse stage's hardened XML path (charset.ts → xml.ts): DOCTYPE entity
 * declarations are refused before any expansion (billion laughs, XXE), files over {@link MAX_OPML_BYTES} and
 * nesting deeper than {@link MAX_OPML_DEPTH} are refused, nothing is ever fetched.
 *
 * Import, per outline (document order, folders walked):
 * - a folder (children, no feed URL) is walked, not reported;
 * - a feed outline (`xmlUrl`) with an http(s) URL becomes a new registry entry — modelled on the registry
 *   entry of the same publisher when the host is known (`matchSource`: names, time zone, language, what it publishes),
 *   else from the outline alone (title, htmlUrl, language) — written disabled with confidence D so that it
 *   is checked (`geointel sources check ID`) before it is polled;
 * - an outline geointel exported carries its whole registry entry (`geointel:entry`), read back as it was;
 * - a URL the registry already polls is reported `KNOWN` with the entry's id; everything else unusable is
 *   reported with a code and reason: `NO_XML_URL`, `NOT_A_FEED_OUTLINE`, `UNSUPPORTED_SCHEME` (javascript:,
 *   data:, file:, …), `BAD_URL`, `DUPLICATE`, `BAD_ENTRY`.
 */
import { type SourceEntry, SourceSchema } from '../config/sources-schema.js';
import { GeoError } from '../errors.js';
import { decodeBytes } from './parse/charset.js';
import { parseXml, type XmlElement } from './parse/xml.js';
import { attr, child, children, textOf } from './parse/xml-read.js';
import { matchSource } from './source-match.js';
import type { Warning } from './types.js';

/** A reader's export of thousands of feeds is well under a megabyte; anything near this is not a reading list. */
export const MAX_OPML_BYTES = 4 * 1024 * 1024;
/** Folders inside folders: readers use one or two levels. */
export const MAX_OPML_DEPTH = 64;
export const MAX_OPML_OUTLINES = 20_000;
/** Namespace of the `geointel:entry` attribute (the registry entry as JSON) of exported outlines. */
export const GEOINTEL_OPML_NS = 'urn:x-geointel:opml:1';

/** One `<outline>` as read, attributes untouched. */
export interface OpmlOutline {
  /** 1-based position among all outlines, in document order. */
  index: number;
  /** Titles of the enclosing folders, outermost first. */
  folders: string[];
  text?: string;
  title?: string;
  type?: string;
  xmlUrl?: string;
  htmlUrl?: string;
  /** `url` of link / include outlines. */
  url?: string;
  language?: string;
  /** The registry entry as JSON, on outlines geointel exported. */
  entry?: string;
  hasChildren: boolean;
}

export interface OpmlDocument {
  title?: string;
  outlines: OpmlOutline[];
  warnings: Warning[];
}

export type OpmlCode =
  | 'NEW'
  | 'KNOWN'
  | 'NO_XML_URL'
  | 'NOT_A_FEED_OUTLINE'
  | 'UNSUPPORTED_SCHEME'
  | 'BAD_URL'
  | 'DUPLICATE'
  | 'BAD_ENTRY';

/** What became of one outline. */
export interface OpmlOutcome {
  outline: number;
  /** Folder path and title, for the operator: `Science › Geology › "USGS news"`. */
  where: string;
  status: 'new' | 'known' | 'skipped';
  code: OpmlCode;
  /** The new entry's id (`new`) or the registry entry's (`known`). */
  id?: string;
  message: string;
}

export interface OpmlImport {
  /** New registry entries, in outline order (with the schema's defaults filled in). */
  entries: SourceEntry[];
  /** One outcome per feed-like outline (folders are not reported). */
  outcomes: OpmlOutcome[];
  warnings: Warning[];
}

const clean = (s: string | undefined): string | undefined => {
  const t = s
    ?.replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return t ? t : undefined;
};

/**
 * Reads OPML bytes into outlines. Throws `INPUT_INVALID` for a file that is too large, too deep, has too
 * many outlines or is not OPML, and `PARSE_ERROR` for refused XML (entity declarations).
 */
export function readOpml(bytes: Uint8Array): OpmlDocument {
  if (bytes.length > MAX_OPML_BYTES)
    throw new GeoError(
      'INPUT_INVALID',
      `OPML file of ${(bytes.length / 1_048_576).toFixed(1)} MiB refused (at most ${MAX_OPML_BYTES / 1_048_576} MiB)`,
    );
  if (bytes.length === 0) throw new GeoError('INPUT_INVALID', 'empty OPML file');
  const decoded = decodeBytes(bytes, 'text/x-opml');
  let root: XmlElement;
  let warnings: Warning[];
  try {
    ({ root, warnings } = parseXml(decoded.text, { maxDepth: MAX_OPML_DEPTH + 1 }));
  } catch (err) {
    if (err instanceof GeoError && err.code === 'NOT_A_FEED')
      throw new GeoError('INPUT_INVALID', `not OPML: ${err.message}`);
    if (err instanceof GeoError) throw err;
    throw new GeoError('PARSE_ERROR', `unreadable OPML: ${(err as Error).message?.slice(0, 200)}`, {
      cause: err,
    });
  }
  if (root.key !== 'opml')
    throw new GeoError(
      'INPUT_INVALID',
      `not OPML: the root element is <${root.name.slice(0, 60)}>, expected <opml> (a feed's own URL goes into config/sources.yaml directly)`,
    );
  const body = child(root, 'body');
  if (!body) throw new GeoError('INPUT_INVALID', 'not OPML: no <body> element');
  const outlines: OpmlOutline[] = [];
  // Depth is bounded by parseXml's cap (MAX_OPML_DEPTH + 1), so this recursion is bounded too.
  const walk = (el: XmlElement, folders: string[], depth: number): void => {
    for (const o of children(el, 'outline')) {
      if (depth > MAX_OPML_DEPTH)
        throw new GeoError('INPUT_INVALID', `OPML nested deeper than ${MAX_OPML_DEPTH} levels refused`);
      if (outlines.length >= MAX_OPML_OUTLINES)
        throw new GeoError('INPUT_INVALID', `OPML with more than ${MAX_OPML_OUTLINES} outlines refused`);
      const kids = children(o, 'outline');
      const out: OpmlOutline = { index: outlines.length + 1, folders, hasChildren: kids.length > 0 };
      const set = (k: keyof OpmlOutline, name: string) => {
        const v = attr(o, name);
        if (v !== undefined) (out as unknown as Record<string, string>)[k] = v;
      };
      set('text', 'text');
      set('title', 'title');
      set('type', 'type');
      set('xmlUrl', 'xmlUrl');
      set('htmlUrl', 'htmlUrl');
      set('url', 'url');
      set('language', 'language');
      set('entry', 'geointel:entry');
      outlines.push(out);
      if (kids.length > 0) {
        const name = clean(out.title ?? out.text) ?? `(folder ${out.index})`;
        walk(o, [...folders, name.slice(0, 60)], depth + 1);
      }
    }
  };
  // <opml> is depth 1, <body> 2: folders start at 3.
  walk(body, [], 3);
  const title = clean(textOf(child(child(root, 'head'), 'title')));
  return { ...(title ? { title } : {}), outlines, warnings: [...decoded.warnings, ...warnings] };
}

/** The fields every entry gets from the schema when it does not say otherwise. */
const DEFAULTS = SourceSchema.parse({ id: 'x', name: 'x', url: 'https://x.invalid/' }) as Record<
  string,
  unknown
>;

/** A registry entry without the fields equal to the schema's defaults: what a person writes in sources.yaml. */
export function compactEntry(entry: SourceEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entry)) {
    if (v === undefined) continue;
    if (k in DEFAULTS && k !== 'id' && k !== 'name' && k !== 'url') {
      if (JSON.stringify(DEFAULTS[k]) === JSON.stringify(v)) continue;
    }
    out[k] = v;
  }
  return out;
}

/** Comparison key of a feed URL: scheme, `www.`, fragment and a trailing slash do not make another feed. */
function urlKey(u: URL): string {
  const host = u.host.replace(/^www\./, '');
  return `${host}${u.pathname.replace(/\/+$/, '')}${u.search}`;
}

function keyOf(url: string): string | null {
  try {
    return urlKey(new URL(url));
  } catch {
    return null;
  }
}

/** Checks a feed URL from an outline; `feed:` URLs (old readers) are read as the http(s) URL they wrap. */
function feedUrl(raw: string): { url: URL } | { code: OpmlCode; message: string } {
  let s = raw.trim();
  if (/^feed:\/\//i.test(s)) s = `http://${s.slice(7)}`;
  else if (/^feed:https?:/i.test(s)) s = s.slice(5);
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return { code: 'BAD_URL', message: `xmlUrl "${raw.slice(0, 120)}" is not an absolute URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return {
      code: 'UNSUPPORTED_SCHEME',
      message: `xmlUrl scheme "${url.protocol}" refused: only http and https feeds are imported`,
    };
  if (url.username || url.password)
    return {
      code: 'BAD_URL',
      message: 'xmlUrl carries credentials: refused (put no secrets in the registry)',
    };
  if (!url.hostname) return { code: 'BAD_URL', message: 'xmlUrl has no host' };
  url.hash = '';
  return { url };
}

function httpUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const u = new URL(raw.trim());
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password
      ? u.href
      : undefined;
  } catch {
    return undefined;
  }
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');

function uniqueId(candidates: string[], taken: Set<string>): string {
  const usable = candidates.map((c) => slug(c).slice(0, 60).replace(/-+$/, '')).filter(Boolean);
  for (const c of usable) if (!taken.has(c)) return c;
  const base = usable[usable.length - 1] ?? 'feed';
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** The last path segment that says something (`/news/all/feed` → `all`), without extension. */
function pathWord(u: URL): string {
  const parts = u.pathname
    .split('/')
    .map((p) => p.replace(/\.[a-z0-9]+$/i, ''))
    .filter((p) => p && !/^(feeds?|rss|atom|xml|index|rss2|news)$/i.test(p));
  return parts[parts.length - 1] ?? '';
}

function describe(o: OpmlOutline): string {
  const name = clean(o.title ?? o.text) ?? '(untitled)';
  return [...o.folders, `"${name.slice(0, 80)}"`].join(' › ');
}

const zodMessage = (err: { issues: Array<{ path: PropertyKey[]; message: string }> }) =>
  err.issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(entry)'}: ${i.message}`)
    .join('; ');

/**
 * Maps the outlines of an OPML document onto registry entries. `registry` is the current registry: URLs it
 * already polls are `KNOWN`, its ids are never reused, and known hosts lend their entry's publisher fields.
 */
export function importOpml(doc: OpmlDocument, registry: readonly SourceEntry[]): OpmlImport {
  const entries: SourceEntry[] = [];
  const outcomes: OpmlOutcome[] = [];
  const taken = new Set(registry.map((s) => s.id));
  const knownUrls = new Map<string, string>();
  for (const s of registry) {
    const k = keyOf(s.url);
    if (k && !knownUrls.has(k)) knownUrls.set(k, s.id);
  }
  const seen = new Map<string, OpmlOutline>();

  for (const o of doc.outlines) {
    const where = describe(o);
    const skip = (code: OpmlCode, message: string) =>
      outcomes.push({ outline: o.index, where, status: 'skipped', code, message });
    const type = (o.type ?? '').trim().toLowerCase();
    // A link outline geointel exported is an HTML listing source: its URL is `url`.
    const raw = o.xmlUrl?.trim() || (o.entry !== undefined ? o.url?.trim() : undefined);
    if (!raw) {
      if (o.hasChildren && !o.entry) continue; // a folder
      if (type && type !== 'rss' && type !== 'atom')
        skip(
          'NOT_A_FEED_OUTLINE',
          `not a feed outline (type "${type.slice(0, 20)}"${o.url ? `, url ${o.url.slice(0, 120)}` : ''}): only outlines with an xmlUrl are feeds`,
        );
      else skip('NO_XML_URL', 'no xmlUrl: a feed outline needs the feed address in xmlUrl');
      continue;
    }
    const checked = feedUrl(raw);
    if ('code' in checked) {
      skip(checked.code, checked.message);
      continue;
    }
    const url = checked.url;
    const key = urlKey(url);
    const known = knownUrls.get(key);
    if (known) {
      outcomes.push({
        outline: o.index,
        where,
        status: 'known',
        code: 'KNOWN',
        id: known,
        message: `already in the registry as "${known}"`,
      });
      continue;
    }
    const first = seen.get(key);
    if (first) {
      skip('DUPLICATE', `duplicate of outline ${first.index} (${describe(first)}): same feed ${url.href}`);
      continue;
    }
    seen.set(key, o);

    let made: { entry: SourceEntry; message: string } | { error: string };
    if (o.entry !== undefined) made = fromGeointelEntry(o.entry, url, taken);
    else made = fromOutline(o, url, registry, taken);
    if ('error' in made) {
      skip('BAD_ENTRY', made.error);
      continue;
    }
    taken.add(made.entry.id);
    entries.push(made.entry);
    outcomes.push({
      outline: o.index,
      where,
      status: 'new',
      code: 'NEW',
      id: made.entry.id,
      message: made.message,
    });
  }

  // A language twin must be in the registry: drop the link when the twin did not come along.
  const ids = new Set([...registry.map((s) => s.id), ...entries.map((e) => e.id)]);
  for (const e of entries)
    if (e.languageTwin && !ids.has(e.languageTwin)) {
      const outcome = outcomes.find((x) => x.id === e.id && x.status === 'new');
      if (outcome) outcome.message += `; languageTwin "${e.languageTwin}" dropped (not in the registry)`;
      delete e.languageTwin;
    }
  return { entries, outcomes, warnings: doc.warnings };
}

function fromGeointelEntry(
  json: string,
  url: URL,
  taken: Set<string>,
): { entry: SourceEntry; message: string } | { error: string } {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return { error: 'geointel:entry is not JSON' };
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    return { error: 'geointel:entry is not a registry entry (an object)' };
  const parsed = SourceSchema.safeParse({ ...(data as Record<string, unknown>), url: url.href });
  if (!parsed.success)
    return { error: `geointel:entry is not a valid registry entry: ${zodMessage(parsed.error)}` };
  const entry = parsed.data;
  let message = 'registry entry exported by geointel';
  // The schema takes any absolute URL; a homepage is a link shown to readers: http(s) only (no javascript:).
  if (entry.homepage !== undefined && !httpUrl(entry.homepage)) {
    message += `; homepage "${entry.homepage.slice(0, 60)}" dropped (only http and https URLs are imported)`;
    delete entry.homepage;
  }
  if (taken.has(entry.id)) {
    const id = uniqueId([entry.id], taken);
    message += `; id "${entry.id}" is taken, imported as "${id}"`;
    entry.id = id;
  }
  return { entry, message };
}

function fromOutline(
  o: OpmlOutline,
  url: URL,
  registry: readonly SourceEntry[],
  taken: Set<string>,
): { entry: SourceEntry; message: string } | { error: string } {
  const homepage = httpUrl(o.htmlUrl);
  const like = matchSource(registry, { links: [url.href] });
  const lang = /^([a-z]{2,3})(?:[-_][a-z0-9]+)*$/i.exec(o.language?.trim() ?? '')?.[1]?.toLowerCase();
  const host = url.hostname.replace(/^www\./, '');
  const name = clean(o.title ?? o.text)?.slice(0, 200) ?? host;
  const raw: Record<string, unknown> = like
    ? {
        id: uniqueId([`${like.id}-${pathWord(url)}`, like.id], taken),
        name: like.name,
        ...(like.nameZh ? { nameZh: like.nameZh } : {}),
        ...(like.shortName ? { shortName: like.shortName } : {}),
        ...(homepage || like.homepage ? { homepage: homepage ?? like.homepage } : {}),
        url: url.href,
        ...(lang || like.language ? { language: lang ?? like.language } : {}),
        timeZone: like.timeZone,
        publishes: like.publishes,
      }
    : {
        id: uniqueId([host, `${host}-${pathWord(url)}`], taken),
        name,
        ...(homepage ? { homepage } : {}),
        url: url.href,
        ...(lang ? { language: lang } : {}),
      };
  raw.enabled = false;
  raw.confidence = 'D';
  const parsed = SourceSchema.safeParse(raw);
  if (!parsed.success) return { error: `cannot make a registry entry: ${zodMessage(parsed.error)}` };
  return {
    entry: parsed.data,
    message: like
      ? `new feed of a known publisher, modelled on "${like.id}" (disabled until checked)`
      : `new source "${name.slice(0, 80)}" (disabled until checked)`,
  };
}

const XML_INVALID = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/**
 * JSON text whose characters XML cannot carry (U+FFFE, U+FFFF, C0 controls: JSON.stringify escapes only some)
 * are `\uXXXX` escapes, so the value reads back unchanged from an attribute. They can only be inside strings.
 */
function jsonForXml(value: unknown): string {
  return JSON.stringify(value).replace(
    XML_INVALID,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** An XML attribute value, quoted, that survives reading back unchanged (newlines and tabs as references). */
function xmlAttr(s: string): string {
  return s
    .replace(XML_INVALID, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/**
 * The registry as OPML 2.0, readable by any feed reader: one folder named `title`, one outline per entry —
 * `type="rss"` with `xmlUrl` for feeds, `type="link"` with `url` for what no reader reads (HTML listing
 * pages, GeoJSON event lists; readers skip link outlines) —
 * each carrying its whole registry entry in `geointel:entry` so that `importOpml` reads back the same
 * registry. `dateCreated` is an argument (no clock here).
 */
export function exportOpml(
  sources: readonly SourceEntry[],
  opts: { title?: string; dateCreated?: Date } = {},
): string {
  const title = opts.title ?? 'geointel sources';
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<opml version="2.0" xmlns:geointel="${GEOINTEL_OPML_NS}">`,
    '  <head>',
    `    <title>${xmlAttr(title)}</title>`,
    ...(opts.dateCreated ? [`    <dateCreated>${opts.dateCreated.toUTCString()}</dateCreated>`] : []),
    '  </head>',
    '  <body>',
    `    <outline text="${xmlAttr(title)}" title="${xmlAttr(title)}">`,
  ];
  for (const s of sources) {
    const { url, ...rest } = compactEntry(s);
    const a: Array<[string, string | undefined]> = [
      ['text', s.name],
      ['title', s.name],
      ...(s.kind === 'html' || s.kind === 'geojson'
        ? ([
            ['type', 'link'],
            ['url', String(url)],
          ] as Array<[string, string]>)
        : ([
            ['type', 'rss'],
            ['xmlUrl', String(url)],
          ] as Array<[string, string]>)),
      ['htmlUrl', s.homepage],
      ['language', s.language],
      ['geointel:entry', jsonForXml(rest)],
    ];
    const attrs = a
      .filter((x): x is [string, string] => x[1] !== undefined)
      .map(([k, v]) => `${k}="${xmlAttr(v)}"`)
      .join(' ');
    lines.push(`      <outline ${attrs}/>`);
  }
  lines.push('    </outline>', '  </body>', '</opml>', '');
  return lines.join('\n');
}
