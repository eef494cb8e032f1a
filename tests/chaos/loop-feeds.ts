/**
 * The demo's recorded feeds served in an endless loop, for the chaos suite's intake: every request for a family
 * (`/physorg/earth-news.xml`, …: the RSS and Atom captures of tests/fixtures/feeds, named as the demo's capture
 * server names them) answers a new round, so a feed reader always finds news. Round r of a family holds the items
 * of batches r, r−1 and r−2, as a real feed keeps its last items; batch b is the first `perBatch` items of
 * capture b mod (number of captures), rewritten so that it is new: `chaos=b` added to every link and URL GUID
 * (`-b<b>` to other GUIDs and Atom ids), ` · batch <b>` to every item title (a number: different stories to the
 * dedupe's value classes), and its dates set to when the batch was first served. Event feeds (GDACS, NRCan,
 * USGS) keep their event ids, so their batches join the stories of the first one, as repeated reports do.
 *
 * The server keeps the truth the suite checks against: the key of every item it served (host + path of the
 * link, and its batch), independent of anything the pipeline computes.
 *
 * Most capture items join the stories of their first batch (same titles within the dedupe's 4-day span, same
 * event ids), as re-posted news does. So that new stories keep reaching the streams, the editors and the
 * webhooks, one more family, `/synthetic/geo.xml`, is synthetic: relevant titles far apart from each other
 * (tests/helpers/feeds.ts, a new seed per batch), in the same three-batch window.
 *
 * Each answer waits `delayMs` (a random value in the range) before it is sent, so fetches are in flight when a
 * worker is killed. Bomb routes answer what the fetcher and parser must refuse without growing memory: a gzip
 * bomb, a billion-laughs document and a 50 000-deep nesting.
 */
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { planFeeds, rssOf } from '../helpers/feeds.js';

export interface LoopFamily {
  /** URL path, e.g. `/physorg/earth-news.xml`. */
  path: string;
  kind: 'rss' | 'atom';
  /** The capture files' text; none for the synthetic family. */
  captures: string[];
  /** Rounds answered so far (the next request gets this round number). */
  round: number;
}

export interface LoopServer {
  origin: string;
  url(path: string): string;
  families: readonly LoopFamily[];
  /** Paths of the bomb routes, by name. */
  bombs: Readonly<Record<'gzip' | 'laughs' | 'deep', string>>;
  /** Requests per path (any answer). */
  hits(path?: string): number;
  /** Keys (`host/path#batch`) of every item served in a complete 200 answer. */
  servedItems(): ReadonlySet<string>;
  /** Responses the client abandoned before the end (a killed worker). */
  abandoned(): number;
  close(): Promise<void>;
}

/** The key the suite compares: host without `www.`, path without trailing slash, and the `chaos` batch. */
export function itemKey(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return null;
  }
  const batch = u.searchParams.get('chaos');
  if (batch === null) return null;
  const host = u.hostname.toLowerCase().replace(/^www\./, '');
  return `${host}${u.pathname.replace(/\/+$/, '')}#${batch}`;
}

const CAPTURE_NAME = /^(.+)-(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(\d{2})Z)?\.(xml|atom)$/;

function loadFamilies(root: string): LoopFamily[] {
  const byPath = new Map<string, LoopFamily & { names: string[] }>();
  for (const dir of readdirSync(root, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const name of readdirSync(join(root, dir.name)).sort()) {
      const m = CAPTURE_NAME.exec(name);
      if (!m) continue;
      const path = `/${dir.name}/${m[1]}.${m[7]}`;
      const fam = byPath.get(path) ?? {
        path,
        kind: m[7] === 'atom' ? ('atom' as const) : ('rss' as const),
        captures: [],
        round: 0,
        names: [],
      };
      byPath.set(path, fam);
      fam.names.push(name);
      fam.captures.push(readFileSync(join(root, dir.name, name), 'utf8'));
    }
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

const ITEM = { rss: /<item[\s>][\s\S]*?<\/item>/g, atom: /<entry[\s>][\s\S]*?<\/entry>/g };

/** XML text of a URL with `chaos=<b>` added (the text is XML: `&amp;` between parameters). */
function withBatch(urlText: string, b: number): string {
  const t = urlText.trim();
  return `${t}${t.includes('?') ? '&amp;' : '?'}chaos=${b}`;
}

const xmlDecode = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"');

interface Batch {
  items: string[];
  keys: string[];
}

export const SYNTHETIC = '/synthetic/geo.xml';

/** Batch `b` of the synthetic family: `perBatch` relevant articles of their own (seed b), links tagged with b. */
function syntheticBatch(b: number, perBatch: number): Batch {
  const plan = planFeeds({ feeds: 1, perFeed: perBatch, shared: 0, seed: 10_000 + b });
  const items = [...plan.feeds.values()][0]!.map((it) => ({
    ...it,
    guid: `${it.guid}-b${b}`,
    link: `${it.link}?chaos=${b}`,
    title: `${it.title} (${b})`,
  }));
  const doc = rssOf('synthetic', items);
  return {
    items: [...doc.matchAll(ITEM.rss)].map((m) => m[0]),
    keys: items.map((it) => itemKey(it.link)!),
  };
}

/** Batch `b` of a family: its first `perBatch` items rewritten as new, dated from `at` back a minute each. */
function makeBatch(fam: LoopFamily, b: number, perBatch: number, at: number): Batch {
  if (fam.path === SYNTHETIC) return syntheticBatch(b, perBatch);
  const src = fam.captures[b % fam.captures.length]!;
  const items = [...src.matchAll(ITEM[fam.kind])].slice(0, perBatch).map((m) => m[0]);
  const keys: string[] = [];
  const out = items.map((item, i) => {
    const when = new Date(at - i * 60_000);
    let x = item.replace(/<\/title>/, ` · batch ${b}</title>`);
    if (fam.kind === 'rss') {
      x = x
        .replace(/<link>([\s\S]*?)<\/link>/, (_, u: string) => `<link>${withBatch(u, b)}</link>`)
        .replace(/(<guid[^>]*>)([\s\S]*?)(<\/guid>)/, (_, open: string, g: string, close: string) =>
          /^\s*https?:/.test(g) ? `${open}${withBatch(g, b)}${close}` : `${open}${g.trim()}-b${b}${close}`,
        )
        .replace(/<pubDate>[\s\S]*?<\/pubDate>/, `<pubDate>${when.toUTCString()}</pubDate>`)
        .replace(/<dc:date>[\s\S]*?<\/dc:date>/, `<dc:date>${when.toISOString()}</dc:date>`);
      const link = /<link>([\s\S]*?)<\/link>/.exec(x)?.[1];
      const key = link ? itemKey(xmlDecode(link)) : null;
      if (key) keys.push(key);
    } else {
      x = x
        .replace(/<id>([\s\S]*?)<\/id>/, (_, id: string) => `<id>${id.trim()}-b${b}</id>`)
        .replace(
          /(<link\b[^>]*\bhref=")([^"]*)(")/g,
          (_, a: string, u: string, c: string) => `${a}${withBatch(u, b)}${c}`,
        )
        .replace(/<updated>[\s\S]*?<\/updated>/, `<updated>${when.toISOString()}</updated>`)
        .replace(/<published>[\s\S]*?<\/published>/, `<published>${when.toISOString()}</published>`);
      const link = /<link\b[^>]*\bhref="([^"]*)"/.exec(x)?.[1];
      const key = link ? itemKey(xmlDecode(link)) : null;
      if (key) keys.push(key);
    }
    return x;
  });
  return { items: out, keys };
}

/** A capture with its items replaced by `items` (channel or feed head and tail kept). */
function document(fam: LoopFamily, capture: string, items: string[]): string {
  const all = [...capture.matchAll(ITEM[fam.kind])];
  if (all.length === 0) return capture;
  const start = all[0]!.index!;
  const last = all[all.length - 1]!;
  const end = last.index! + last[0].length;
  return `${capture.slice(0, start)}${items.join('\n')}${capture.slice(end)}`;
}

/** A gzip stream of `mib` MiB of spaces inside an RSS shell, made once (compressed ≈ 1/1000 of it). */
async function gzipBomb(mib: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gz.on('data', (d: Buffer) => parts.push(d));
  const done = new Promise<void>((r) => gz.on('end', () => r()));
  gz.write('<?xml version="1.0"?><rss version="2.0"><channel><title>bomb</title><description>');
  const chunk = Buffer.alloc(1 << 20, 0x20);
  for (let i = 0; i < mib; i++) {
    if (!gz.write(chunk)) await new Promise((r) => gz.once('drain', r));
  }
  gz.end('</description></channel></rss>');
  await done;
  return Buffer.concat(parts);
}

const LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<rss version="2.0"><channel><title>lolz</title><item><title>&lol9;</title><link>https://bomb.example/a</link></item></channel></rss>`;

export async function startLoopFeeds(opts: {
  root: string;
  /** New items per round. @defaultValue 10 */
  perBatch?: number;
  /** New items per round of the synthetic family. @defaultValue 15 */
  syntheticPerBatch?: number;
  /** Each answer is sent after a random delay in [min, max] ms. @defaultValue [0, 0] */
  delayMs?: [number, number];
  /** Size of the gzip bomb once decompressed. @defaultValue 256 */
  bombMiB?: number;
}): Promise<LoopServer> {
  const perBatch = opts.perBatch ?? 10;
  const families = loadFamilies(opts.root);
  families.push({ path: SYNTHETIC, kind: 'rss', captures: [], round: 0 });
  const [minDelay, maxDelay] = opts.delayMs ?? [0, 0];
  const byPath = new Map(families.map((f) => [f.path, f]));
  const batches = new Map<string, Batch>();
  const batchAt = new Map<string, number>();
  const served = new Set<string>();
  const hits = new Map<string, number>();
  let abandoned = 0;
  const sockets = new Set<Socket>();
  const bombs = { gzip: '/bombs/gzip.xml', laughs: '/bombs/laughs.xml', deep: '/bombs/deep.xml' } as const;
  const gz = await gzipBomb(opts.bombMiB ?? 256);
  const deep = `<?xml version="1.0"?><rss version="2.0"><channel><title>deep</title><item><title>x</title><description>${'<a>'.repeat(50_000)}${'</a>'.repeat(50_000)}</description></item></channel></rss>`;

  const batchOf = (fam: LoopFamily, b: number): Batch => {
    const k = `${fam.path}#${b}`;
    let batch = batches.get(k);
    if (!batch) {
      const at = batchAt.get(k) ?? Date.now();
      batchAt.set(k, at);
      batch = makeBatch(fam, b, fam.path === SYNTHETIC ? (opts.syntheticPerBatch ?? 15) : perBatch, at);
      batches.set(k, batch);
      batches.delete(`${fam.path}#${b - 3}`);
    }
    return batch;
  };

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://loop').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === bombs.gzip)
      return void res
        .writeHead(200, { 'content-type': 'application/rss+xml', 'content-encoding': 'gzip' })
        .end(gz);
    if (path === bombs.laughs)
      return void res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(LAUGHS);
    if (path === bombs.deep)
      return void res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(deep);
    const fam = byPath.get(path);
    if (!fam) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    const r = fam.round++;
    const shown = [r, r - 1, r - 2].filter((b) => b >= 0).map((b) => batchOf(fam, b));
    const items = shown.flatMap((b) => b.items);
    const body =
      fam.path === SYNTHETIC
        ? rssOf('synthetic', []).replace('</channel>', `${items.join('\n')}\n</channel>`)
        : document(fam, fam.captures[r % fam.captures.length]!, items);
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(200, {
        'content-type':
          fam.kind === 'atom' ? 'application/atom+xml; charset=utf-8' : 'application/rss+xml; charset=utf-8',
        etag: `"r${r}"`,
        'cache-control': 'no-cache',
      });
      res.end(body, () => {
        for (const b of shown) for (const k of b.keys) served.add(k);
      });
    };
    res.on('close', () => {
      if (!res.writableFinished) abandoned++;
    });
    const wait = minDelay + Math.random() * (maxDelay - minDelay);
    if (wait > 0) setTimeout(send, wait);
    else send();
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
    families,
    bombs,
    hits: (p) => (p === undefined ? [...hits.values()].reduce((a, b) => a + b, 0) : (hits.get(p) ?? 0)),
    servedItems: () => served,
    abandoned: () => abandoned,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
