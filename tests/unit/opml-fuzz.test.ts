/**
 * T-PF for OPML import (RELIABILITY.md §4.4 conventions, issue #13), through the functions behind
 * `geointel sources import` (`readOpml` → `importOpml`, against the shipped registry):
 *
 * - arbitrary text and bytes, generated OPML documents (folders, hostile URLs in every URL attribute,
 *   `geointel:entry` JSON with wrong types, `__proto__`, script) and mutated files (the fixtures of
 *   tests/fixtures/opml and geointel's own export) → the import resolves with entries and one outcome per
 *   feed-like outline, or throws a GeoError (`INPUT_INVALID` / `PARSE_ERROR`) saying what is wrong; never
 *   anything else; each outcome names its outline and the field at fault; a recovered XML error names its
 *   line; within 500 ms per input (best of three); heap bounded; nothing polluted;
 * - no `javascript:` (or any non-http(s)) URL is ever accepted, as a feed URL or a homepage;
 * - round trip: any subset of the registry, with arbitrary names, exported and imported into an empty
 *   registry, gives the same entries back (ids, URLs and every other field).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { type SourceEntry, SourceSchema } from '../../src/config/sources-schema.js';
import { isGeoError } from '../../src/errors.js';
import { exportOpml, importOpml, type OpmlImport, readOpml } from '../../src/pipeline/opml.js';
import { ROOT } from '../helpers/cli.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const registry = loadConfig({ dir: join(ROOT, 'config'), env: {} }).sources;
const registryIds = new Set(registry.map((s) => s.id));
const fixture = (name: string) => readFileSync(join(ROOT, 'tests/fixtures/opml', name));
const SEEDS = [
  fixture('reader-export.opml'),
  fixture('xxe.opml'),
  fixture('billion-laughs.opml'),
  Buffer.from(exportOpml(registry, { title: 'geointel sources', dateCreated: new Date(0) })),
];

/** What a thrown refusal must say (the file as a whole: size, depth, count, root, body, entities). */
const REFUSAL =
  /MiB|empty OPML|not OPML|root element|<body>|nested deeper|outlines refused|DOCTYPE|entit|unreadable OPML/;

/** The field each skip code must name in its message. */
const FIELD: Record<string, RegExp> = {
  NEW: /./,
  KNOWN: /registry as "/,
  NO_XML_URL: /xmlUrl/,
  NOT_A_FEED_OUTLINE: /type "/,
  UNSUPPORTED_SCHEME: /(xmlUrl|url) scheme "/,
  BAD_URL: /xmlUrl|url/,
  DUPLICATE: /duplicate of outline \d+/,
  BAD_ENTRY: /geointel:entry|registry entry/,
};

const isHttp = (u: string) => {
  try {
    const p = new URL(u).protocol;
    return p === 'http:' || p === 'https:';
  } catch {
    return false;
  }
};

/** Checks one import result: outcomes, entries, warnings. */
function checkImport(result: OpmlImport, outlines: number): void {
  const ids = new Set<string>();
  for (const o of result.outcomes) {
    expect(Number.isInteger(o.outline) && o.outline >= 1 && o.outline <= outlines, JSON.stringify(o)).toBe(
      true,
    );
    expect(o.where.length).toBeGreaterThan(0);
    expect(FIELD[o.code], o.code).toBeDefined();
    expect(o.message, o.code).toMatch(FIELD[o.code]!);
    expect(o.status).toBe(o.code === 'NEW' ? 'new' : o.code === 'KNOWN' ? 'known' : 'skipped');
  }
  for (const e of result.entries) {
    expect(SourceSchema.safeParse(e).success, e.id).toBe(true);
    expect(isHttp(e.url), e.url).toBe(true);
    if (e.homepage !== undefined) expect(isHttp(e.homepage), e.homepage).toBe(true);
    expect(`${e.url} ${e.homepage ?? ''}`).not.toMatch(/javascript:/i);
    expect(registryIds.has(e.id) || ids.has(e.id), e.id).toBe(false);
    ids.add(e.id);
  }
  expect(result.outcomes.filter((o) => o.status === 'new').map((o) => o.id)).toEqual(
    result.entries.map((e) => e.id),
  );
  for (const w of result.warnings) {
    expect(typeof w.code).toBe('string');
    if (w.code === 'XML_MALFORMED') expect(w.message).toMatch(/at line \d+, column \d+/);
  }
}

/** One input through read + import: a checked result, or a GeoError refusal that says what is wrong. */
function importOnce(bytes: Uint8Array): OpmlImport | null {
  let result: OpmlImport;
  let outlines: number;
  try {
    const doc = readOpml(bytes);
    outlines = doc.outlines.length;
    result = importOpml(doc, registry);
  } catch (err) {
    if (!isGeoError(err)) throw err;
    expect(['INPUT_INVALID', 'PARSE_ERROR']).toContain(err.code);
    expect(err.message).toMatch(REFUSAL);
    return null;
  }
  checkImport(result, outlines);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  return result;
}

/** One input: the right outcome within 500 ms — the best of three tries. */
function checkOne(bytes: Uint8Array): OpmlImport | null {
  let best = Number.POSITIVE_INFINITY;
  let out: OpmlImport | null = null;
  for (let attempt = 0; attempt < 3 && best >= 500; attempt++) {
    const start = performance.now();
    out = importOnce(bytes);
    best = Math.min(best, performance.now() - start);
  }
  expect(best).toBeLessThan(500);
  return out;
}

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1_048_576;
}
const HEAP_BOUND_MB = 48;

/**
 * Runs a property twice with the same seed: `warm` runs first (module caches fill: charset tables, the
 * registry's matchers), then all of them; the heap after the second run stays within a bound of the heap
 * after the first — a per-input leak would grow with the runs.
 */
function withHeapBound(name: string, run: (numRuns: number) => void, numRuns: number, warm = 100): void {
  run(warm);
  const before = heapMb();
  const t0 = performance.now();
  run(numRuns);
  const grown = heapMb() - before;
  console.info(
    `opml fuzz, ${name}: ${numRuns} runs in ${Math.round(performance.now() - t0)} ms, heap ${grown.toFixed(1)} MB`,
  );
  expect(grown).toBeLessThan(HEAP_BOUND_MB);
}

const xmlAttr = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\n/g, '&#10;');

/** URLs an outline may carry: hostile schemes in every spelling, credentials, relative, broken, good. */
const URLS = [
  'javascript:alert(document.cookie)',
  'JavaScript:alert(1)',
  ' javascript:alert(1)',
  'java\tscript:alert(1)',
  'java&#10;script:alert(1)',
  'feed:javascript:alert(1)',
  'feed://javascript:alert(1)',
  'jAvAsCrIpT&#58;alert(1)',
  'vbscript:msgbox(1)',
  'data:text/html,<script>alert(1)</script>',
  'file:///etc/passwd',
  'http://user:pw@example.org/feed',
  '//example.org/feed',
  '/feed.xml',
  'http://',
  'https://[::1',
  'feed://www.carbonbrief.org/feed/',
  'feed:https://example.org/rss',
  'https://www.usgs.gov/news/all/feed',
  'https://example.org/feed.xml',
  'https://例子.测试/rss',
  'http://127.0.0.1:6379/',
];

/** A `geointel:entry` value: an exported entry, altered. */
const entryJson = fc
  .tuple(
    fc.constantFrom(...registry),
    fc.oneof(
      fc.constant({}),
      fc.record({ homepage: fc.constantFrom(...URLS) }),
      fc.record({ id: fc.string({ maxLength: 20 }) }),
      fc.record({ name: fc.oneof(fc.string(), fc.integer(), fc.constant(null)) }),
      fc.constant({ kind: 'javascript' }),
      fc.constant({ extra: true }),
      fc.constant({ enabled: 'yes' }),
      fc.constant({ languageTwin: 'not-in-registry' }),
    ),
    fc.constantFrom('plain', 'proto', 'array', 'broken', 'number'),
  )
  .map(([source, change, shape]) => {
    const { url: _url, ...rest } = source;
    const body = { ...rest, ...change };
    if (shape === 'proto') return `{"__proto__":{"polluted":1},${JSON.stringify(body).slice(1)}`;
    if (shape === 'array') return JSON.stringify([body]);
    if (shape === 'broken') return JSON.stringify(body).slice(0, -3);
    if (shape === 'number') return '42';
    return JSON.stringify(body);
  });

interface GenOutline {
  text?: string;
  type?: string;
  xmlUrl?: string;
  htmlUrl?: string;
  url?: string;
  language?: string;
  entry?: string;
  children: GenOutline[];
}

/** An outline with up to 3 children per level, `depth` levels of folders at most. */
const outlineAt = (depth: number): fc.Arbitrary<GenOutline> =>
  fc.record(
    {
      text: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('<script>alert(1)</script>')),
      type: fc.constantFrom('rss', 'atom', 'link', 'include', 'RSS', '', 'javascript'),
      xmlUrl: fc.constantFrom(...URLS),
      htmlUrl: fc.constantFrom(...URLS),
      url: fc.constantFrom(...URLS),
      language: fc.constantFrom('en', 'zh-CN', 'en_GB', 'xx-yy-zz', '<b>', ''),
      entry: entryJson,
      children: depth === 0 ? fc.constant([]) : fc.array(outlineAt(depth - 1), { maxLength: 3 }),
    },
    { requiredKeys: ['children'] },
  );
const outlineArb = outlineAt(3);

function renderOutline(o: GenOutline, indent: string): string {
  const attrs = (['text', 'type', 'xmlUrl', 'htmlUrl', 'url', 'language'] as const)
    .filter((k) => o[k] !== undefined)
    .map((k) => ` ${k}="${k.endsWith('rl') && /&#|&amp;/.test(o[k]!) ? o[k] : xmlAttr(o[k]!)}"`)
    .join('');
  const entry = o.entry !== undefined ? ` geointel:entry="${xmlAttr(o.entry)}"` : '';
  if (o.children.length === 0) return `${indent}<outline${attrs}${entry}/>`;
  return `${indent}<outline${attrs}${entry}>\n${o.children.map((c) => renderOutline(c, `${indent}  `)).join('\n')}\n${indent}</outline>`;
}

const documentArb = fc
  .tuple(fc.array(outlineArb, { maxLength: 8 }), fc.constantFrom('1.0', '2.0'), fc.boolean())
  .map(
    ([outlines, version, ns]) =>
      `<?xml version="1.0" encoding="UTF-8"?>\n<opml version="${version}"${ns ? ' xmlns:geointel="urn:x-geointel:opml:1"' : ''}>\n<head><title>t</title></head>\n<body>\n${outlines.map((o) => renderOutline(o, '  ')).join('\n')}\n</body>\n</opml>\n`,
  );

const TOKENS = [
  '<',
  '>',
  '&',
  '"',
  '<outline xmlUrl="javascript:alert(1)"/>',
  '<outline type="rss" xmlUrl="https://example.org/x.xml">',
  '</outline>',
  '<body>',
  '</body>',
  '<!DOCTYPE opml [<!ENTITY a "b">]>',
  '&a;',
  '&#0;',
  '\u0000',
  '\uFEFF',
  ' geointel:entry="{&quot;__proto__&quot;:{&quot;polluted&quot;:1}}"',
  ' htmlUrl="javascript:alert(1)"',
  '<![CDATA[',
  '<!--',
  '\xff\xfe',
];

const mutation = fc.oneof(
  fc.tuple(fc.constant('flip' as const), fc.nat(), fc.integer({ min: 0, max: 255 })),
  fc.tuple(fc.constant('insert' as const), fc.nat(), fc.constantFrom(...TOKENS)),
  fc.tuple(fc.constant('cut' as const), fc.nat(), fc.nat({ max: 200 })),
  fc.tuple(fc.constant('dup' as const), fc.nat(), fc.nat({ max: 200 })),
);

function mutate(seed: Buffer, ops: [string, number, number | string][]): Buffer {
  let b = Buffer.from(seed);
  for (const [op, pos, arg] of ops) {
    const at = b.length ? pos % b.length : 0;
    if (op === 'flip' && b.length) b[at] = arg as number;
    else if (op === 'insert')
      b = Buffer.concat([b.subarray(0, at), Buffer.from(String(arg), 'latin1'), b.subarray(at)]);
    else if (op === 'cut') b = Buffer.concat([b.subarray(0, at), b.subarray(at + (arg as number))]);
    else if (op === 'dup') b = Buffer.concat([b.subarray(0, at + (arg as number)), b.subarray(at)]);
  }
  return b;
}

describe('OPML import fuzz (fixed seeds)', () => {
  it('arbitrary text and bytes', () => {
    withHeapBound(
      'arbitrary',
      (numRuns) =>
        fc.assert(
          fc.property(
            fc.oneof(
              fc.string({ unit: 'binary', maxLength: 300 }).map((s) => Buffer.from(s, 'utf8')),
              fc.uint8Array({ maxLength: 300 }),
              fc.string({ maxLength: 200 }).map((s) => Buffer.from(`<opml><body>${s}</body></opml>`)),
            ),
            (bytes) => void checkOne(bytes),
          ),
          { seed: 13_1, numRuns },
        ),
      1500,
    );
  });

  it('generated OPML documents: hostile URLs, geointel:entry values, folders', () => {
    let imported = 0;
    let refusedHostile = 0;
    withHeapBound(
      'generated',
      (numRuns) =>
        fc.assert(
          fc.property(documentArb, (text) => {
            const result = checkOne(Buffer.from(text, 'utf8'));
            if (!result) return;
            imported += result.entries.length;
            refusedHostile += result.outcomes.filter((o) => o.code === 'UNSUPPORTED_SCHEME').length;
          }),
          { seed: 13_2, numRuns },
        ),
      800,
    );
    // The generator reaches both sides: entries imported, hostile schemes refused.
    expect(imported).toBeGreaterThan(50);
    expect(refusedHostile).toBeGreaterThan(50);
    console.info(
      `opml fuzz, generated: ${imported} entries imported, ${refusedHostile} hostile schemes refused`,
    );
  });

  it('mutated fixtures and exports', () => {
    withHeapBound(
      'mutated',
      (numRuns) =>
        fc.assert(
          fc.property(
            fc.integer({ min: 0, max: SEEDS.length - 1 }),
            fc.array(mutation, { minLength: 1, maxLength: 6 }),
            (i, ops) => void checkOne(mutate(SEEDS[i]!, ops)),
          ),
          { seed: 13_3, numRuns },
        ),
      1000,
    );
  });

  it('a geointel:entry homepage of a non-http(s) scheme is dropped, never imported', () => {
    // The URLs the registry schema takes (any absolute URL) that are not http(s): javascript:, data:, file:, …
    const parses = (u: string) => URL.canParse(u);
    const bad = URLS.filter((u) => parses(u) && !isHttp(u));
    expect(bad.length).toBeGreaterThanOrEqual(6);
    for (const homepage of bad) {
      const { url: _url, ...rest } = registry[0]!;
      const entry = xmlAttr(JSON.stringify({ ...rest, id: 'x', homepage }));
      const opml = `<opml version="2.0" xmlns:geointel="urn:x-geointel:opml:1"><body><outline type="rss" xmlUrl="https://new.example.org/feed" geointel:entry="${entry}"/></body></opml>`;
      const result = importOnce(Buffer.from(opml))!;
      expect(
        result.entries.map((e) => e.id),
        homepage,
      ).toEqual(['x']);
      expect(result.entries[0]!.homepage, homepage).toBeUndefined();
      expect(result.outcomes[0]!.message, homepage).toMatch(/homepage "[^"]*" dropped/);
    }
  });

  it('round trip keeps names made of characters XML cannot carry raw', () => {
    const names = [
      '\uFFFE\uFFFF',
      'nul\u0000bell\u0007',
      'lone \ud800 surrogate',
      '"<&>\'',
      'line\u2028sep\r\n',
      '\t',
    ];
    const sources = names.map((name, i) => SourceSchema.parse({ ...registry[i]!, name, nameZh: name }));
    const back = importOpml(readOpml(Buffer.from(exportOpml(sources), 'utf8')), []).entries;
    expect(back.map((e) => [e.name, e.nameZh])).toEqual(names.map((n) => [n, n]));
  });

  it('round trip: any part of the registry with any names, exported then imported, comes back whole', () => {
    const nameArb = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });
    let compared = 0;
    fc.assert(
      fc.property(
        fc.shuffledSubarray([...registry], { minLength: 1 }),
        fc.array(fc.tuple(nameArb, fc.option(nameArb, { nil: undefined })), {
          minLength: registry.length,
          maxLength: registry.length,
        }),
        fc.string({ unit: 'binary', maxLength: 40 }),
        (part, names, title) => {
          const sources: SourceEntry[] = part.map((s, i) => {
            const [name, nameZh] = names[i]!;
            return SourceSchema.parse({ ...s, name, ...(nameZh === undefined ? {} : { nameZh }) });
          });
          const opml = exportOpml(sources, { title, dateCreated: new Date(0) });
          const result = importOnce(Buffer.from(opml, 'utf8'))!;
          // Into an empty registry: every entry is new (a language twin left behind is dropped).
          const back = importOpml(readOpml(Buffer.from(opml, 'utf8')), []);
          const ids = new Set(sources.map((s) => s.id));
          const expected = sources.map((s) => {
            if (s.languageTwin && !ids.has(s.languageTwin)) {
              const { languageTwin: _t, ...rest } = s;
              return rest;
            }
            return s;
          });
          expect(back.entries.map((e) => e.id)).toEqual(sources.map((s) => s.id));
          expect(back.entries.map((e) => e.url)).toEqual(sources.map((s) => s.url));
          expect(back.entries).toEqual(expected);
          // Into the registry they came from: every one is KNOWN under its own id.
          expect(result.entries).toEqual([]);
          expect(result.outcomes.map((o) => [o.code, o.id])).toEqual(sources.map((s) => ['KNOWN', s.id]));
          compared += sources.length;
        },
      ),
      { seed: 13_4, numRuns: 200 },
    );
    console.info(`opml round trip: 200 registries, ${compared} entries compared field by field`);
  });
});
