/**
 * T-PF for the article stage (RELIABILITY.md §4.4 conventions, issue #13): mutated real pages (the agencies'
 * synthetic article pages and a dozen of Readability's real-site test pages) and generated hostile HTML (deep
 * nesting, huge attributes, thousands of paragraphs and links, unclosed tags, script in every place a summary
 * or title is read from) → `extractArticle` returns an extraction or throws a GeoError, never anything else;
 * the summary is plain text within `summaryMaxChars` with no `<script`, the title has none either; each input
 * within its ceiling (best of three, so a GC pause on a loaded machine is not a failure); the heap after the
 * runs within a bound of the heap before. fast-check, fixed seeds, bounded runs.
 *
 * Runs: 300 mutated pages and 150 hostile pages (not 2 000: one extraction costs 5–300 ms, and the file stays
 * under a minute on the 2-core box). Pages that take seconds (tens of thousands of links) are not generated
 * here: the article worker reads pages on a thread under a time budget for them
 * (tests/integration/article-event-loop.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isGeoError } from '../../src/errors.js';
import {
  type ArticleExtraction,
  charLength,
  type ExtractArticleOptions,
  extractArticle,
} from '../../src/pipeline/article/index.js';
import { ROOT } from '../helpers/cli.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const OPTS: ExtractArticleOptions = {
  url: 'https://example.org/news/2023/10/quake.html',
  summaryMinChars: 120,
  summaryMaxChars: 600,
};

const AGENCY_PAGES = ['bgs', 'cgs', 'eea', 'geus', 'mnr', 'usgs'].map((n) =>
  readFileSync(join(ROOT, 'tests/fixtures/articles', `${n}.synthetic.html`)),
);
/**
 * Readability's real-site pages under 70 KB whose text never quotes `&lt;script` (a page about HTML may say
 * "<script>" in its text, which is then rightly in its summary).
 */
const READABILITY_PAGES = [
  'daringfireball-1',
  'table-style-attributes',
  'hukumusume',
  'mozilla-2',
  'tumblr',
  'v8-blog',
  'simplyfound-1',
  'ebb-org',
  'medium-2',
  'ars-1',
  'la-nacion',
  'ietf-1',
].map((n) => readFileSync(join(ROOT, 'tests/fixtures/readability/test-pages', n, 'source.html')));
const SEEDS = [...AGENCY_PAGES, ...READABILITY_PAGES];

/** Markup a mutation inserts: scripts and handlers in every reachable place, broken structure, odd bytes. */
const TOKENS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//x.invalid/a.js></SCRIPT>',
  '<script',
  '</script>',
  '<title>',
  '</title>',
  '<title>Quake <script>alert(1)</script></title>',
  '<meta name="description" content="',
  '<meta property="og:description" content="<script>alert(1)</script>A long enough description of the quake.">',
  '<script type="application/ld+json">{"@type":"NewsArticle","headline":"<script>x</script>","articleBody":"',
  '<p>',
  '</p>',
  '<div>',
  '</div>',
  '<article>',
  '<a href="javascript:alert(1)">',
  '<img src=x onerror=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<noscript><p>noscript text</p></noscript>',
  '<template><script>alert(1)</script></template>',
  '<iframe srcdoc="<script>alert(1)</script>">',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '&',
  '&#0;',
  '&amp;',
  '\u0000',
  '\uFEFF',
  '\u2028',
  '"',
  "'",
  '<meta charset="gbk">',
  '\xff\xfe',
];

const mutation = fc.oneof(
  fc.tuple(fc.constant('flip' as const), fc.nat(), fc.integer({ min: 0, max: 255 })),
  fc.tuple(fc.constant('insert' as const), fc.nat(), fc.constantFrom(...TOKENS)),
  fc.tuple(fc.constant('cut' as const), fc.nat(), fc.nat({ max: 400 })),
  fc.tuple(fc.constant('dup' as const), fc.nat(), fc.nat({ max: 400 })),
);

function mutate(seed: Buffer, ops: [string, number, number | string][]): Buffer {
  let b = Buffer.from(seed);
  for (const [op, pos, arg] of ops) {
    const at = b.length ? pos % b.length : 0;
    if (op === 'flip' && b.length) b[at] = arg as number;
    else if (op === 'insert')
      b = Buffer.concat([b.subarray(0, at), Buffer.from(String(arg), 'utf8'), b.subarray(at)]);
    else if (op === 'cut') b = Buffer.concat([b.subarray(0, at), b.subarray(at + (arg as number))]);
    else if (op === 'dup') b = Buffer.concat([b.subarray(0, at + (arg as number)), b.subarray(at)]);
  }
  return b;
}

const SENTENCE = 'The survey said the magnitude 6.1 earthquake damaged roads and bridges in the region. ';

/** Hostile pages, each bounded so that the stage reads it in well under 0.5 s on the 2-core box. */
const hostile = fc.oneof(
  fc
    .tuple(fc.integer({ min: 100, max: 20_000 }), fc.constantFrom('div', 'span', 'p', 'b', 'table', 'a'))
    .map(
      ([n, tag]) => `<html><body>${`<${tag}>`.repeat(n)}${SENTENCE}${`</${tag}>`.repeat(n)}</body></html>`,
    ),
  fc
    .tuple(
      fc.integer({ min: 1_000, max: 2_000_000 }),
      fc.constantFrom('title', 'class', 'style', 'href', 'content'),
    )
    .map(
      ([n, attr]) =>
        `<html><head><meta name="description" ${attr}="${'a'.repeat(n)}"></head><body><p ${attr}="${'b'.repeat(n)}">${SENTENCE.repeat(3)}</p></body></html>`,
    ),
  fc
    .integer({ min: 1, max: 10_000 })
    .map((n) => `<html><body><article>${`<p>${SENTENCE}</p>`.repeat(n)}</article></body></html>`),
  fc
    .integer({ min: 1, max: 2_000 })
    .map(
      (n) => `<html><body><div>${'<a href="/related">Related link words</a> '.repeat(n)}</div></body></html>`,
    ),
  fc
    .tuple(fc.integer({ min: 1, max: 200_000 }), fc.constantFrom('<a', '<', '<!--', '<![CDATA[', '&#', '</'))
    .map(([n, s]) => `<html><body><p>${SENTENCE}${s.repeat(n)}</p></body></html>`),
  fc.integer({ min: 1, max: 2_000_000 }).map((n) => `<html><body><p>${'x'.repeat(n)}</p></body></html>`),
  fc
    .integer({ min: 1, max: 13_000 })
    .map(
      (n) =>
        `<html><head><meta name="description" content="${SENTENCE.repeat(n)}"></head><body></body></html>`,
    ),
  // Script where a summary or title is read from: <title>, meta and og, JSON-LD, the body text.
  fc
    .tuple(
      fc.constantFrom(
        '<script>alert(1)</script>',
        '<ScRiPt>alert(1)</sCrIpT>',
        '<script src="//x.invalid/a.js"></script>',
        '<svg onload=alert(1)><script>alert(1)</script></svg>',
        '<img src=x onerror=alert(1)>',
      ),
      fc.string({ unit: 'binary', maxLength: 40 }),
    )
    .map(
      ([s, noise]) =>
        `<html lang="en"><head><title>Quake ${s} hits ${noise}</title>` +
        `<meta name="description" content="${SENTENCE}${s.replace(/"/g, '&quot;')}${SENTENCE}">` +
        `<meta property="og:title" content="${s.replace(/"/g, '&quot;')} Quake">` +
        `<script type="application/ld+json">${JSON.stringify({ '@type': 'NewsArticle', headline: `${s} Quake`, description: `${SENTENCE}${s}`, articleBody: `${SENTENCE.repeat(3)}${s}` }).replace(/</g, '\\u003c')}</script>` +
        `</head><body><article><h1>${s}</h1><p>${SENTENCE}${s}${SENTENCE}${noise}</p><p>${SENTENCE.repeat(2)}</p></article></body></html>`,
    ),
  fc.string({ unit: 'binary', maxLength: 2_000 }),
);

const METHODS = ['meta', 'og', 'jsonld', 'body'];

/** One extraction: a well-formed result or a GeoError, nothing else. */
function extractOnce(page: string | Uint8Array, contentType?: string): ArticleExtraction | null {
  let out: ArticleExtraction;
  try {
    out = extractArticle(page, { ...OPTS, contentType });
  } catch (err) {
    if (!isGeoError(err)) throw err;
    return null;
  }
  expect(typeof out.summary).toBe('string');
  expect(METHODS).toContain(out.method);
  expect(charLength(out.summary)).toBeLessThanOrEqual(OPTS.summaryMaxChars);
  expect(out.summary).not.toMatch(/<script/i);
  if (out.title !== undefined) {
    expect(typeof out.title).toBe('string');
    expect(out.title).not.toMatch(/<script/i);
  }
  if (out.publishedAt !== undefined) expect(Number.isNaN(Date.parse(out.publishedAt))).toBe(false);
  if (out.language !== undefined) expect(out.language).toMatch(/^[a-z]{2,3}$/);
  return out;
}

/** One input: the right outcome within `ceilingMs` — the best of three tries. */
function checkOne(page: string | Uint8Array, ceilingMs: number, contentType?: string): number {
  let best = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 3 && best >= ceilingMs; attempt++) {
    const start = performance.now();
    extractOnce(page, contentType);
    best = Math.min(best, performance.now() - start);
  }
  expect(best).toBeLessThan(ceilingMs);
  return best;
}

/** Heap in use after a full collection, in MB. */
function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1_048_576;
}

/** Heap growth allowed over a property's runs (the stage keeps nothing between pages: leaks grow per run). */
const HEAP_BOUND_MB = 64;
/**
 * Per-input ceiling of a hostile page: over 4× the slowest one seen on the 2-core box under load (0.64–1.4 s,
 * generated deep nesting and 2 MB attributes); a regression to the seconds-long cases is far above it.
 */
const HOSTILE_CEILING_MS = 6_000;

describe('extractArticle fuzz (fixed seeds)', () => {
  /** Per seed: 5× its own best-of-three time (at least 500 ms), the ceiling of its mutants. */
  const ceilings: number[] = [];
  beforeAll(() => {
    for (const seed of SEEDS) {
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        extractOnce(seed);
        best = Math.min(best, performance.now() - t0);
      }
      ceilings.push(Math.max(500, 5 * best));
    }
  });

  it('the unmutated seeds give summaries', () => {
    const summaries = SEEDS.map((s) => extractOnce(s)?.summary ?? '');
    // Every agency page and most real-site pages yield text (a page may legitimately yield none).
    expect(summaries.slice(0, AGENCY_PAGES.length).every((s) => charLength(s) >= OPTS.summaryMinChars)).toBe(
      true,
    );
    expect(summaries.filter((s) => s.length > 0).length).toBeGreaterThanOrEqual(SEEDS.length - 2);
  });

  it('mutated real pages', () => {
    const before = heapMb();
    let slowest = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: SEEDS.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(
          undefined,
          'text/html; charset=utf-8',
          'text/html; charset=gbk',
          'text/html; charset=utf-16',
        ),
        (i, ops, contentType) => {
          slowest = Math.max(slowest, checkOne(mutate(SEEDS[i]!, ops), ceilings[i]!, contentType));
        },
      ),
      { seed: 20261213, numRuns: 300 },
    );
    const grown = heapMb() - before;
    expect(grown).toBeLessThan(HEAP_BOUND_MB);
    console.info(
      `article fuzz, mutated pages: 300 runs, slowest ${Math.round(slowest)} ms, heap ${grown.toFixed(1)} MB`,
    );
  });

  it('hostile HTML', () => {
    const before = heapMb();
    let slowest = 0;
    fc.assert(
      fc.property(hostile, (page) => {
        slowest = Math.max(slowest, checkOne(page, HOSTILE_CEILING_MS));
      }),
      { seed: 1213, numRuns: 150 },
    );
    const grown = heapMb() - before;
    expect(grown).toBeLessThan(HEAP_BOUND_MB);
    console.info(
      `article fuzz, hostile pages: 150 runs, slowest ${Math.round(slowest)} ms, heap ${grown.toFixed(1)} MB`,
    );
  });

  it('a page nested 512 levels deep (the parse cap) keeps its text and costs little more than 64 levels', () => {
    // Readability's time grows with the square of the depth: before body.ts capped the depth it sees at 128,
    // 512 nested <div>s took 1.7 s, 27× the same page nested 64 deep (64 ms); capped, about 2–4×.
    const S = `${SENTENCE}${SENTENCE}`;
    const nested = (tag: string, depth: number) =>
      `<html><body>${`<${tag}>`.repeat(depth)}<p>${S}</p><p>${S}</p>${`</${tag}>`.repeat(depth)}</body></html>`;
    for (const tag of ['div', 'section', 'span']) {
      const shallow = checkOne(nested(tag, 64), 1_500);
      const deep = checkOne(nested(tag, 512), 1_500);
      expect(extractOnce(nested(tag, 512))!.summary, tag).toContain(
        'The survey said the magnitude 6.1 earthquake',
      );
      // Both measured alike (best of three, same load, 20 ms floor for noise): the ratio holds anywhere.
      expect(deep / Math.max(shallow, 20), tag).toBeLessThan(10);
      console.info(`article, <${tag}> nested 64 / 512 deep: ${Math.round(shallow)} / ${Math.round(deep)} ms`);
    }
  });

  it('script in the title, descriptions, JSON-LD and body never reaches the summary or title', () => {
    const s = '<script>alert(1)</script>';
    const page =
      `<html lang="en"><head><title>Quake ${s} hits the coast</title>` +
      `<meta property="og:title" content="Quake &lt;script&gt;alert(1)&lt;/script&gt; hits"></head>` +
      `<body><article><p>${SENTENCE}${s}${SENTENCE}</p><p>${SENTENCE.repeat(2)}</p></article></body></html>`;
    const out = extractOnce(page)!;
    expect(out.title).toBe('Quake hits');
    expect(out.summary).toContain('The survey said the magnitude 6.1 earthquake');
    const titled = extractOnce(
      `<html><head><title>Quake ${s} hits the coast</title></head><body></body></html>`,
    )!;
    expect(titled.title).toBe('Quake hits the coast');
  });
});
