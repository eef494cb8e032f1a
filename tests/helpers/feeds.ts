/**
 * Synthetic RSS for the queue reliability tests: many distinct feeds with deterministic GUIDs, a known share
 * of items carried by two feeds (same article, link differing by scheme or `utm_*` parameters), titles that
 * the classifier finds relevant and that are far apart as text (so no two articles are near-duplicates), and
 * a loopback server that answers them slowly, conditionally (ETag → 304) or badly (404, 500, garbage, hang).
 * The truth about which stories exist comes from here — from the GUIDs and article ids generated — never from
 * the code under test.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { mulberry32 } from '../../src/pipeline/random.js';
import { ROOT } from './cli.js';

/** Host of the article links (never fetched: links identify articles, feeds are served on 127.0.0.1). */
export const ARTICLE_HOST = 'news.geo-example.org';

export interface FeedItem {
  guid: string;
  /** The article this item reports; several feeds may carry one article. */
  article: string;
  title: string;
  link: string;
  description: string;
  pubDate: string;
}

export interface FeedPlan {
  /** Feed name → its items. */
  feeds: Map<string, FeedItem[]>;
  /** Every distinct article id (the stories the pipeline must end with, each exactly once). */
  articles: Set<string>;
  /** Items carried by more than one feed, over all items. */
  overlap: number;
}

// Strong terms of config/topics.yaml (basic geology, energy and minerals, hydrogeology), mixed per title.
const TERMS = [
  'kimberlite',
  'carbonatite',
  'eclogite',
  'blueschist',
  'komatiite',
  'ignimbrite',
  'serpentinite',
  'rhyolite',
  'gabbro',
  'migmatite',
  'gneiss',
  'schist',
  'quartzite',
  'phyllite',
  'mylonite',
  'dacite',
  'speleothem',
  'stalagmite',
  'loess',
  'geyser',
];
const SYLLABLES = [...'bdfghklmnprstvzjwc'].flatMap((c) => [...'aeiou'].map((v) => c + v));

/** Deterministic PRNG (mulberry32, src/pipeline/random.ts). */
export const prng = mulberry32;

/** Made-up place names, unique within one plan (and in their first five letters: dedupe stems cut there). */
function namer(rnd: () => number): () => string {
  const used = new Set<string>();
  return () => {
    for (;;) {
      let s = '';
      for (let i = 0; i < 3; i++) s += SYLLABLES[Math.floor(rnd() * SYLLABLES.length)];
      if (used.has(s.slice(0, 5))) continue;
      used.add(s.slice(0, 5));
      return s[0]!.toUpperCase() + s.slice(1);
    }
  };
}

function article(
  id: number,
  rnd: () => number,
  name: () => string,
  nowMs: number,
): Omit<FeedItem, 'guid' | 'link'> {
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)]!;
  const t1 = pick(TERMS);
  let t2 = pick(TERMS);
  while (t2 === t1) t2 = pick(TERMS);
  const [a, b, c, d] = [name(), name(), name(), name()];
  return {
    article: `art-${id}`,
    title: `${a} ${t1} and ${b} ${t2} beneath ${c} ${d}`,
    description: `Field notes on the ${t1} of ${a} and the ${t2} of ${d}.`,
    pubDate: new Date(nowMs - (id % 600) * 60_000).toUTCString(),
  };
}

/**
 * `feeds` feeds of `perFeed` items; the last `shared` items of feed f are articles also carried by feed f+1
 * (a ring), the second copy linked over `http` with `utm_*` parameters where the first is `https`.
 */
export function planFeeds(opts: { feeds: number; perFeed: number; shared: number; seed?: number }): FeedPlan {
  const rnd = prng(opts.seed ?? 42);
  const place = namer(rnd);
  const nowMs = Date.now();
  const feeds = new Map<string, FeedItem[]>();
  const articles = new Set<string>();
  const names = Array.from({ length: opts.feeds }, (_, f) => `feed-${f}`);
  let next = 0;
  // Shared article k: first in feed k (https), again in feed k+1 (http + utm).
  const sharedOf = names.map(() =>
    Array.from({ length: opts.shared }, () => article(next++, rnd, place, nowMs)),
  );
  let items = 0;
  let overlapping = 0;
  names.forEach((name, f) => {
    const list: FeedItem[] = [];
    for (let i = 0; i < opts.perFeed - 2 * opts.shared; i++) {
      const a = article(next++, rnd, place, nowMs);
      list.push({ ...a, guid: `${name}-own-${i}`, link: `https://${ARTICLE_HOST}/a/${a.article}` });
    }
    sharedOf[f]!.forEach((a, i) => {
      list.push({ ...a, guid: `${name}-first-${i}`, link: `https://${ARTICLE_HOST}/a/${a.article}` });
    });
    const prev = sharedOf[(f + opts.feeds - 1) % opts.feeds]!;
    prev.forEach((a, i) => {
      list.push({
        ...a,
        guid: `${name}-again-${i}`,
        link: `http://${ARTICLE_HOST}/a/${a.article}?utm_source=${name}&utm_medium=rss`,
      });
    });
    for (const it of list) articles.add(it.article);
    items += list.length;
    overlapping += 2 * opts.shared;
    feeds.set(name, list);
  });
  return { feeds, articles, overlap: overlapping / items };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function rssOf(name: string, items: readonly FeedItem[]): string {
  const body = items
    .map(
      (i) => `<item><title>${esc(i.title)}</title><link>${esc(i.link)}</link>
<guid isPermaLink="false">${esc(i.guid)}</guid><pubDate>${i.pubDate}</pubDate>
<description>${esc(i.description)}</description></item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>${name}</title><link>https://${ARTICLE_HOST}/</link>
<description>Synthetic geoscience feed ${name}</description><language>en</language>
${body}
</channel></rss>`;
}

/** The article id of a record URL (`…/a/<article>[?…]`). */
export const articleOf = (url: string | undefined | null): string | undefined =>
  url ? /\/a\/([^/?#]+)/.exec(url)?.[1] : undefined;

/** How the server answers one path. */
export type Route =
  | { kind: 'feed'; body: string; delayMs?: number; contentType?: string }
  | { kind: 'status'; status: number }
  | { kind: 'garbage' }
  | { kind: 'hang' }
  /** Calls `onRequest` (e.g. to kill the worker that asked) and never answers. */
  | { kind: 'hook'; onRequest: () => void };

export interface FeedServer {
  origin: string;
  url(path: string): string;
  /** Sets or replaces the answer of a path. */
  route(path: string, r: Route): void;
  hits(path?: string): number;
  /** 200 answers with a body, per path or over all. */
  served(path?: string): number;
  notModified(path?: string): number;
  /** Requests being answered right now (delayed or hanging). */
  inFlight(): number;
  close(): Promise<void>;
}

/** Loopback server for synthetic feeds: strong ETag per body, 304 on If-None-Match, delays, failures. */
export async function startFeedServer(): Promise<FeedServer> {
  const routes = new Map<string, Route>();
  const counters = { hits: new Map<string, number>(), ok: new Map<string, number>(), nm: new Map() };
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const sum = (m: Map<string, number>, k?: string) =>
    k === undefined ? [...m.values()].reduce((a, b) => a + b, 0) : (m.get(k) ?? 0);
  const sockets = new Set<Socket>();
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    bump(counters.hits, path);
    const r = routes.get(path);
    if (!r) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    if (r.kind === 'status')
      return void res.writeHead(r.status, { 'content-type': 'text/plain' }).end(`status ${r.status}`);
    if (r.kind === 'garbage')
      return void res
        .writeHead(200, { 'content-type': 'application/rss+xml' })
        .end('this is not a feed at all {{{ <<< \u0000 just noise');
    inFlight++;
    res.once('close', () => inFlight--);
    if (r.kind === 'hang') return; // never answers; the fetcher's total timeout ends it
    if (r.kind === 'hook') return void r.onRequest();
    const etag = `"${Buffer.from(r.body).length.toString(36)}-${hash(r.body)}"`;
    const answer = () => {
      if (req.headers['if-none-match'] === etag) {
        bump(counters.nm, path);
        return void res.writeHead(304, { etag }).end();
      }
      bump(counters.ok, path);
      res
        .writeHead(200, { 'content-type': r.contentType ?? 'application/rss+xml; charset=utf-8', etag })
        .end(r.body);
    };
    if (r.delayMs) setTimeout(answer, r.delayMs);
    else answer();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (p) => `${origin}${p}`,
    route: (p, r) => void routes.set(p, r),
    hits: (p) => sum(counters.hits, p),
    served: (p) => sum(counters.ok, p),
    notModified: (p) => sum(counters.nm, p),
    inFlight: () => inFlight,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function hash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

export interface TestSource {
  id: string;
  url: string;
  enabled?: boolean;
  pollEvery?: string;
  /** Fetch article pages for items without a usable summary. @defaultValue false (the queue tests' items link to no page) */
  articles?: boolean;
}

/** Registry entries for test sources (English RSS; no topic hints, so relevance comes from the text alone). */
export function sourceEntries(list: readonly TestSource[]) {
  return list.map((s) => ({
    id: s.id,
    name: `Test source ${s.id}`,
    url: s.url,
    kind: 'rss' as const,
    language: 'en',
    timeZone: 'UTC',
    pollEvery: s.pollEvery ?? '1h',
    enabled: s.enabled ?? true,
    publishes: 'agency' as const,
    hosts: [],
    topicHints: [],
    article: { enabled: s.articles ?? false },
  }));
}

/**
 * A config folder for child processes (`GEOINTEL_CONFIG_DIR`): the repository's geointel.yaml, topics.yaml
 * and tags.yaml, and a sources.yaml holding only `sources`.
 */
export function writeConfigDir(sources: readonly TestSource[]): string {
  const dir = tempDir('geointel-config-');
  for (const f of ['geointel.yaml', 'topics.yaml', 'tags.yaml'])
    cpSync(join(ROOT, 'config', f), join(dir, f));
  writeFileSync(join(dir, 'sources.yaml'), stringify({ sources: sourceEntries(sources) }));
  return dir;
}

/** A temp folder removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(os.tmpdir(), prefix));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
