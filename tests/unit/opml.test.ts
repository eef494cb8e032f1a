/** OPML import and export (issue 9): a reader's export, the round trip, hostile files, and the CLI. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { runSources } from '../../src/cli/commands/sources.js';
import { loadConfig } from '../../src/config/load.js';
import { isGeoError } from '../../src/errors.js';
import {
  compactEntry,
  exportOpml,
  importOpml,
  MAX_OPML_BYTES,
  MAX_OPML_DEPTH,
  readOpml,
} from '../../src/pipeline/opml.js';
import { ROOT } from '../helpers/cli.js';

const registry = loadConfig({ dir: join(ROOT, 'config'), env: {} }).sources;
const fixture = (name: string) => readFileSync(join(ROOT, 'tests/fixtures/opml', name));

/** The GeoError code a call throws, and how long it took. */
function refusal(fn: () => unknown): { code: string; message: string; ms: number } {
  const t0 = performance.now();
  try {
    fn();
  } catch (err) {
    if (!isGeoError(err)) throw err;
    return { code: err.code, message: err.message, ms: performance.now() - t0 };
  }
  throw new Error('not refused');
}

describe('importOpml: a feed reader export', () => {
  const doc = readOpml(fixture('reader-export.opml'));
  const result = importOpml(doc, registry);
  const byTitle = (t: string) => result.outcomes.find((o) => o.where.endsWith(`"${t}"`))!;

  it('reads nested folders in document order', () => {
    expect(doc.title).toBe('Subscriptions in Inoreader');
    expect(doc.outlines.find((o) => o.text === 'EGU Blogs')?.folders).toEqual(['Geoscience', 'Journals']);
    // Folders are walked, not reported; every other outline has an outcome.
    expect(result.outcomes.map((o) => o.where)).not.toContain('"Geoscience"');
    expect(result.outcomes).toHaveLength(10);
  });

  it('maps a URL the registry polls onto its entry, and a known host onto its publisher', () => {
    expect(byTitle('USGS News')).toMatchObject({ status: 'known', code: 'KNOWN', id: 'usgs-news' });
    const volcano = byTitle('USGS Volcano Updates');
    expect(volcano).toMatchObject({ status: 'new', code: 'NEW' });
    expect(volcano.message).toMatch(/modelled on "usgs-/);
    const entry = result.entries.find((e) => e.id === volcano.id)!;
    expect(entry).toMatchObject({
      name: 'U.S. Geological Survey',
      nameZh: '美国地质调查局',
      timeZone: 'America/New_York',
      url: 'https://www.usgs.gov/programs/volcano-hazards/news/feed',
      enabled: false,
      confidence: 'D',
    });
  });

  it('makes an entry of an unknown feed from the outline, and reads feed:// as http', () => {
    const egu = result.entries.find((e) => e.url === 'https://blogs.egu.eu/feed/')!;
    expect(egu).toMatchObject({
      id: 'blogs-egu-eu',
      name: 'EGU Blogs',
      homepage: 'https://blogs.egu.eu/',
      language: 'en',
      kind: 'auto',
      enabled: false,
      confidence: 'D',
    });
    expect(result.entries.find((e) => e.name === 'Carbon Brief')?.url).toBe(
      'http://www.carbonbrief.org/feed/',
    );
  });

  it('reports every unusable outline with a code and a reason', () => {
    const skipped = Object.fromEntries(
      result.outcomes.filter((o) => o.status === 'skipped').map((o) => [o.where, [o.code, o.message]]),
    );
    expect(skipped).toEqual({
      'Geoscience › Journals › "Evil"': [
        'UNSUPPORTED_SCHEME',
        expect.stringMatching(/"javascript:" refused: only http and https/),
      ],
      'Energy › "EGU Blogs (again)"': [
        'DUPLICATE',
        expect.stringMatching(/duplicate of outline \d+ \(Geoscience › Journals › "EGU Blogs"\)/),
      ],
      'Energy › "A bookmark"': ['NOT_A_FEED_OUTLINE', expect.stringMatching(/type "link"/)],
      'Energy › "Lost feed"': ['NO_XML_URL', expect.stringMatching(/no xmlUrl/)],
      'Energy › "Local file"': ['UNSUPPORTED_SCHEME', expect.stringMatching(/"file:"/)],
      '"A note to self"': ['NO_XML_URL', expect.any(String)],
    });
    expect(result.entries).toHaveLength(3);
  });
});

describe('export → import', () => {
  it('gives the same registry back (into an empty registry)', () => {
    const opml = exportOpml(registry, { dateCreated: new Date('2026-12-01T00:00:00Z') });
    const back = importOpml(readOpml(Buffer.from(opml)), []);
    expect(back.outcomes.filter((o) => o.status !== 'new')).toEqual([]);
    expect(back.entries).toEqual(registry);
  });

  it('finds every exported entry already in the registry it came from', () => {
    const back = importOpml(readOpml(Buffer.from(exportOpml(registry))), registry);
    expect(back.entries).toEqual([]);
    expect(back.outcomes.every((o) => o.code === 'KNOWN')).toBe(true);
    expect(back.outcomes.map((o) => o.id)).toEqual(registry.map((s) => s.id));
  });

  it('writes feeds as rss outlines and listing pages as links that readers skip', () => {
    const opml = exportOpml(registry);
    const feed = registry.find((s) => s.kind === 'rss')!;
    const page = registry.find((s) => s.kind === 'html')!;
    expect(opml).toContain(`type="rss" xmlUrl="${feed.url.replace(/&/g, '&amp;')}"`);
    expect(opml).toContain(`type="link" url="${page.url.replace(/&/g, '&amp;')}"`);
    // Names with markup characters survive as attribute values.
    const odd = { ...registry[0]!, id: 'odd', name: 'A "quoted" <name> & co\nline' };
    const back = importOpml(readOpml(Buffer.from(exportOpml([odd]))), []);
    expect(back.entries[0]!.name).toBe(odd.name);
  });
});

describe('hostile OPML is refused fast, by the hardened XML reader', () => {
  it('refuses entity declarations (billion laughs, XXE) before any expansion', () => {
    for (const name of ['billion-laughs.opml', 'xxe.opml']) {
      const r = refusal(() => readOpml(fixture(name)));
      expect(r.code, name).toBe('PARSE_ERROR');
      expect(r.message).toMatch(/entit/i);
      expect(r.ms).toBeLessThan(500);
    }
  });

  it('refuses a 10 MB file without parsing it', () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 0x20);
    big.write('<?xml version="1.0"?><opml version="2.0"><body>', 0);
    const r = refusal(() => readOpml(big));
    expect(r).toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/10\.0 MiB refused/) });
    expect(r.ms).toBeLessThan(50);
    expect(MAX_OPML_BYTES).toBeLessThan(big.length);
  });

  it('refuses 50 000-deep nesting', () => {
    const n = 50_000;
    const text = `<opml version="2.0"><body>${'<outline text="x">'.repeat(n)}${'</outline>'.repeat(n)}</body></opml>`;
    const r = refusal(() => readOpml(Buffer.from(text)));
    expect(r).toMatchObject({
      code: 'INPUT_INVALID',
      message: `OPML nested deeper than ${MAX_OPML_DEPTH} levels refused`,
    });
    expect(r.ms).toBeLessThan(2000);
  });

  it('refuses what is not OPML, naming the root', () => {
    const r = refusal(() =>
      readOpml(Buffer.from('<?xml version="1.0"?><rss version="2.0"><channel/></rss>')),
    );
    expect(r).toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringMatching(/root element is <rss>/),
    });
    expect(refusal(() => readOpml(Buffer.from('{"a":1}')))).toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringMatching(/^not OPML/),
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// The CLI (in process; `sources-cli.test.ts` runs the built binary).

async function cli(args: string[], env: Record<string, string>, input = '') {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  stdin.end(input);
  const code = await runSources(
    args,
    { stdin, stdout, stderr, env },
    { now: () => Date.parse('2026-12-03T12:00:00Z') },
  );
  return { code, out, err };
}

function configDir(sourcesYaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'geointel-opml-'));
  cpSync(join(ROOT, 'config'), dir, { recursive: true });
  if (sourcesYaml !== undefined) writeFileSync(join(dir, 'sources.yaml'), sourcesYaml);
  return dir;
}

describe('geointel sources import / export', () => {
  it('import prints the new entries as a sources.yaml document, reports the rest on stderr, exit 1', async () => {
    const dir = configDir();
    const before = readFileSync(join(dir, 'sources.yaml'), 'utf8');
    const r = await cli(['import', join(ROOT, 'tests/fixtures/opml/reader-export.opml')], {
      GEOINTEL_CONFIG_DIR: dir,
    });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /^# 3 new registry entries from reader-export\.opml \(1 already in the registry, 6 skipped/,
    );
    const doc = parseYaml(r.out) as { sources: Array<{ id: string; enabled: boolean }> };
    expect(doc.sources.map((s) => s.enabled)).toEqual([false, false, false]);
    const lines = r.err
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.level, l.code])).toEqual([
      ['info', 'KNOWN'],
      ['warn', 'UNSUPPORTED_SCHEME'],
      ['warn', 'DUPLICATE'],
      ['warn', 'NOT_A_FEED_OUTLINE'],
      ['warn', 'NO_XML_URL'],
      ['warn', 'UNSUPPORTED_SCHEME'],
      ['warn', 'NO_XML_URL'],
    ]);
    expect(lines[1]).toMatchObject({ outline: expect.any(Number), where: 'Geoscience › Journals › "Evil"' });
    // Nothing written without --write.
    expect(readFileSync(join(dir, 'sources.yaml'), 'utf8')).toBe(before);
  });

  it('import --write appends the entries to config/sources.yaml, keeping its comments', async () => {
    const dir = configDir();
    const before = readFileSync(join(dir, 'sources.yaml'), 'utf8');
    const r = await cli(['import', '--write', join(ROOT, 'tests/fixtures/opml/reader-export.opml')], {
      GEOINTEL_CONFIG_DIR: dir,
    });
    expect(r.code).toBe(1);
    const written = JSON.parse(r.err.trim().split('\n').pop()!);
    expect(written).toMatchObject({ level: 'info', code: 'WRITTEN', file: join(dir, 'sources.yaml') });
    expect(written.ids).toContain('blogs-egu-eu');
    const after = readFileSync(join(dir, 'sources.yaml'), 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(after.slice(before.length)).toMatch(/^ {2}# imported from reader-export\.opml on 2026-12-03/);
    const sources = loadConfig({ dir, env: {} }).sources;
    expect(sources.slice(0, registry.length)).toEqual(registry);
    expect(sources.slice(registry.length).map((s) => s.enabled)).toEqual([false, false, false]);
  });

  it('export | import --write into a one-entry registry gives the shipped registry', async () => {
    const exported = await cli(['export'], { GEOINTEL_CONFIG_DIR: join(ROOT, 'config') });
    expect(exported.code).toBe(0);
    expect(exported.out).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<opml version="2\.0"/);
    const dir = configDir(`# a registry of one\n${stringify({ sources: [compactEntry(registry[0]!)] })}`);
    const r = await cli(['import', '--write', '-'], { GEOINTEL_CONFIG_DIR: dir }, exported.out);
    expect(r.err.trim().split('\n')[0]).toMatch(/"code":"KNOWN"/);
    expect(r.code).toBe(0);
    expect(loadConfig({ dir, env: {} }).sources).toEqual(registry);
  });

  it('refuses a hostile file with a coded error, writing nothing', async () => {
    const dir = configDir();
    await expect(
      cli(['import', '--write', join(ROOT, 'tests/fixtures/opml/billion-laughs.opml')], {
        GEOINTEL_CONFIG_DIR: dir,
      }),
    ).rejects.toMatchObject({ code: 'PARSE_ERROR' });
    await expect(cli(['import'], { GEOINTEL_CONFIG_DIR: dir })).rejects.toMatchObject({ code: 'USAGE' });
  });
});
