/**
 * The recorded real feeds of tests/fixtures/feeds served over HTTP, for `geointel demo` and the tests: one URL
 * per feed family (`physorg/earth-news-2025-12-13.xml` and `…-12-14.xml` are two captures of
 * `/physorg/earth-news.xml`), answering conditional requests the way publishers do, so that polling, ETag
 * handling and "next poll brings 2 new items" can be watched without the network.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { type SourceEntry, SourceSchema } from '../config/sources-schema.js';

export interface CaptureFeed {
  /** URL path of the family, e.g. `/physorg/earth-news.xml`. */
  readonly path: string;
  /** The registry id (config/sources.yaml) this feed is the poll target of; undefined when none is. */
  readonly sourceId: string | undefined;
  /** Capture files relative to `root`, oldest first. */
  readonly captures: readonly string[];
  /** Index into `captures` of the one being served. */
  readonly current: number;
}

export interface CaptureServer {
  /** `http://<host>:<port>` */
  origin: string;
  feeds: readonly CaptureFeed[];
  url(path: string): string;
  /** Serves the next capture of one family (or of every family); false when none moved (all at their last). */
  advance(path?: string): boolean;
  /** Requests to one path (any answer), or to all paths. */
  hits(path?: string): number;
  /** 304 answers for one path, or for all. */
  notModified(path?: string): number;
  close(): Promise<void>;
}

export interface CaptureServerOptions {
  /** @defaultValue tests/fixtures/feeds */
  root?: string;
  /** @defaultValue 127.0.0.1 */
  host?: string;
  /** @defaultValue 0 (any free port) */
  port?: number;
  /** Advance one family per tick, round robin, until every family serves its last capture (the demo). */
  rotateEveryMs?: number;
}

/**
 * Family path → registry id: only where the registry polls that very feed. Checked against config/sources.yaml
 * by the unit test. `sciencedaily` polls earth_climate.xml and the captures are of all.xml (same publisher,
 * same format; the nearest stored copy). No registry entry polls gdacs rss_24h.xml, USGS 4.5_week.geojson or
 * all_hour.atom (the `usgs-earthquakes` entry is the significant_month GeoJSON), so those have no id.
 */
const SOURCE_IDS: Readonly<Record<string, string>> = {
  '/physorg/earth-news.xml': 'physorg',
  '/sciencedaily/all.xml': 'sciencedaily',
  '/sciencedaily/homepage.html': 'sciencedaily-home',
  '/gdacs/rss.xml': 'gdacs',
  '/nrcan/earthquakes-canada-en.xml': 'nrcan-earthquakes-en',
  '/nrcan/earthquakes-canada-fr.xml': 'nrcan-earthquakes-fr',
  '/usgs-earthquakes/significant_month.geojson': 'usgs-earthquakes',
  '/geoscience-journals/digest-seen.json': 'geoscience-journals',
};

/**
 * Captures of feeds no registry entry polls, served in the demo as extra sources modelled on the entry of the
 * same publisher (its names, time zone, event rules), under their own ids.
 */
const DEMO_ONLY: Readonly<Record<string, { id: string; like: string }>> = {
  '/gdacs/rss_24h.xml': { id: 'gdacs-24h', like: 'gdacs' },
  '/usgs-earthquakes/4.5_week.geojson': { id: 'usgs-earthquakes-week', like: 'usgs-earthquakes' },
  '/usgs-earthquakes/all_hour.atom': { id: 'usgs-earthquakes-hour', like: 'usgs-earthquakes' },
};

/** Every .xml capture is RSS; the journal .json captures are plain JSON arrays. All captures are UTF-8. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  xml: 'application/rss+xml',
  atom: 'application/atom+xml',
  json: 'application/json',
  geojson: 'application/geo+json',
  html: 'text/html',
};

/** `<family>-<YYYY-MM-DD>[T<HHMM>Z].<ext>`: the capture time is in the name (SOURCES.md). */
const CAPTURE_NAME = /^(.+)-(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(\d{2})Z)?\.([a-z]+)$/;

interface Capture {
  file: string;
  body: Buffer;
  etag: string;
  /** Whole seconds, as HTTP dates carry. */
  modified: Date;
}

interface Family {
  path: string;
  sourceId: string | undefined;
  captures: string[];
  current: number;
  contentType: string;
  loaded: Capture[];
}

function loadFamilies(root: string): Family[] {
  const families = new Map<string, Family & { times: string[] }>();
  for (const dir of readdirSync(root, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const name of readdirSync(join(root, dir.name))) {
      const m = CAPTURE_NAME.exec(name);
      const type = m && CONTENT_TYPES[m[7]!];
      if (!m || !type) continue;
      const path = `/${dir.name}/${m[1]}.${m[7]}`;
      const fam = families.get(path) ?? {
        path,
        sourceId: SOURCE_IDS[path],
        captures: [],
        current: 0,
        contentType: `${type}; charset=utf-8`,
        loaded: [],
        times: [],
      };
      families.set(path, fam);
      const [y, mo, d, h = '0', mi = '0'] = m.slice(2, 7);
      const body = readFileSync(join(root, dir.name, name));
      fam.loaded.push({
        file: `${dir.name}/${name}`,
        body,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        modified: new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi))),
      });
    }
  }
  const out = [...families.values()].sort((a, b) => (a.path < b.path ? -1 : 1)); // code-unit order: the same on every machine;
  for (const f of out) {
    f.loaded.sort((a, b) => a.modified.getTime() - b.modified.getTime());
    f.captures = f.loaded.map((c) => c.file);
  }
  return out;
}

/** If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2); If-None-Match compares weakly. */
function isFresh(req: http.IncomingMessage, cap: Capture): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined)
    return inm
      .split(',')
      .map((t) => t.trim().replace(/^W\//, ''))
      .some((t) => t === '*' || t === cap.etag);
  const ims = Date.parse(req.headers['if-modified-since'] ?? '');
  return Number.isFinite(ims) && cap.modified.getTime() <= ims;
}

export async function startCaptureServer(opts: CaptureServerOptions = {}): Promise<CaptureServer> {
  const host = opts.host ?? '127.0.0.1';
  const families = loadFamilies(opts.root ?? 'tests/fixtures/feeds');
  const byPath = new Map(families.map((f) => [f.path, f]));
  const hits = new Map<string, number>();
  const notModified = new Map<string, number>();
  const sockets = new Set<Socket>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const count = (m: Map<string, number>, k?: string) =>
    k === undefined ? [...m.values()].reduce((a, b) => a + b, 0) : (m.get(k) ?? 0);

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://capture').pathname;
    bump(hits, path);
    const fam = byPath.get(path);
    if (!fam) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'); // robots.txt too
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    const cap = fam.loaded[fam.current]!;
    const headers = {
      etag: cap.etag,
      'last-modified': cap.modified.toUTCString(),
      'cache-control': 'no-cache',
    };
    if (isFresh(req, cap)) {
      bump(notModified, path);
      return void res.writeHead(304, headers).end();
    }
    res.writeHead(200, { ...headers, 'content-type': fam.contentType, 'content-length': cap.body.length });
    res.end(req.method === 'HEAD' ? undefined : cap.body);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const step = (f: Family): boolean => {
    if (f.current >= f.captures.length - 1) return false;
    f.current++;
    return true;
  };
  let timer: NodeJS.Timeout | undefined;
  if (opts.rotateEveryMs) {
    let next = 0;
    timer = setInterval(() => {
      // Round robin over the families that still have a newer capture; stop once none has.
      for (let i = 0; i < families.length; i++) {
        const f = families[(next + i) % families.length]!;
        if (step(f)) {
          next = (next + i + 1) % families.length;
          return;
        }
      }
      clearInterval(timer);
    }, opts.rotateEveryMs);
    timer.unref(); // the demo's own lifetime decides when to exit, not this timer
  }

  return {
    origin,
    feeds: families,
    url: (path) => `${origin}${path}`,
    advance(path) {
      if (path === undefined) return families.map(step).some(Boolean);
      const f = byPath.get(path);
      if (!f) throw new Error(`no capture family ${path}`);
      return step(f);
    },
    hits: (path) => count(hits, path),
    notModified: (path) => count(notModified, path),
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * The registry entries of the served families, pointed at the server: enabled, polled every `pollEvery`.
 * Everything else (html rule, kind, time zone, relay) stays as the registry says. Families no entry polls are
 * served as extra sources modelled on their publisher's entry (`DEMO_ONLY`).
 */
export function demoSources(
  server: CaptureServer,
  registry: readonly SourceEntry[],
  pollEvery = '30s',
): SourceEntry[] {
  const out: SourceEntry[] = [];
  for (const feed of server.feeds) {
    const extra = DEMO_ONLY[feed.path];
    const entry = registry.find((s) => s.id === (feed.sourceId ?? extra?.like));
    if (!entry) continue;
    const own = feed.sourceId ? {} : { id: extra!.id, kind: 'auto' as const };
    out.push(SourceSchema.parse({ ...entry, ...own, url: server.url(feed.path), enabled: true, pollEvery }));
  }
  return out;
}
