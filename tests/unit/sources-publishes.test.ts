/**
 * `publishes` (issue #12): one registry field for what a source publishes replaces the `relay` and `events`
 * flags. An old key is a configuration error naming file, line and field (exit 2); every reader of the old
 * flags reads the new field: the story index's relay ids, the cadence defaults, the health flags, OPML import.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { PUBLISHES, relaySourceIds, SourceSchema } from '../../src/config/sources-schema.js';
import { importOpml, readOpml } from '../../src/pipeline/opml.js';
import { deriveSource } from '../../src/pipeline/source-match.js';
import { storyOptionsOf } from '../../src/runtime/story-options.js';
import { ROOT } from '../helpers/cli.js';

const shipped = loadConfig({ dir: join(ROOT, 'config'), env: {} }).sources;

/** A config folder whose sources.yaml is the shipped one edited by `edit`. */
function withRegistry(edit: (yaml: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'geointel-publishes-'));
  cpSync(join(ROOT, 'config'), dir, { recursive: true });
  const file = join(dir, 'sources.yaml');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  return dir;
}

function issuesOf(dir: string): ConfigError['issues'] {
  try {
    loadConfig({ dir, env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('no ConfigError');
}

/** The 1-based line of the first line of `text` that equals `line` after `from`. */
const lineOf = (text: string, line: string, from: string) => {
  const lines = text.split('\n');
  const start = lines.indexOf(from);
  return lines.indexOf(line, start) + 1;
};

describe('the old relay and events keys', () => {
  it.each([
    [
      'relay: true',
      '  - id: physorg',
      '    publishes: relay',
      '    relay: true',
      /write "publishes: relay" for relay: true/,
    ],
    [
      'events: true',
      '  - id: gdacs',
      '    publishes: events',
      '    events: true',
      /write "publishes: events" for events: true/,
    ],
    ['relay: false', '  - id: bgs', '    publishes: agency', '    relay: false', /delete "relay: false"/],
  ])('%s is a migration error naming file, line and field', (_name, entry, from, to, message) => {
    let text = '';
    const dir = withRegistry((yaml) => {
      const at = yaml.indexOf(entry);
      const i = yaml.indexOf(from, at);
      text = `${yaml.slice(0, i)}${to}${yaml.slice(i + from.length)}`;
      return text;
    });
    const issues = issuesOf(dir);
    const index = shipped.findIndex((s) => `  - id: ${s.id}` === entry);
    const key = to.trim().split(':')[0];
    expect(issues).toEqual([
      expect.objectContaining({
        file: join(dir, 'sources.yaml'),
        path: `sources[${index}].${key}`,
        line: lineOf(text, to, entry),
        message: expect.stringMatching(message),
      }),
    ]);
  });

  it('the CLI exits 2 with file:line: field: message', async () => {
    let text = '';
    const dir = withRegistry((yaml) => {
      text = yaml.replace('    publishes: relay\n', '    relay: true\n');
      return text;
    });
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (d) => {
      err += d;
    });
    const code = await main(['sources', 'list'], {
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      stderr,
      env: { GEOINTEL_CONFIG_DIR: dir },
    });
    expect(code).toBe(2);
    const line = text.split('\n').indexOf('    relay: true') + 1;
    const index = shipped.findIndex((s) => s.publishes === 'relay');
    expect(err).toContain(
      `${join(dir, 'sources.yaml')}:${line}: sources[${index}].relay: "relay" was replaced by "publishes"`,
    );
  });

  it('an unknown value is refused with the allowed ones', () => {
    const r = SourceSchema.safeParse({ id: 'x', name: 'X', url: 'https://example.org/', publishes: 'blog' });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('journal');
  });
});

describe('readers of publishes', () => {
  it('every shipped entry says what it publishes; relays and event feeds are the expected ones', () => {
    expect(shipped.every((s) => PUBLISHES.includes(s.publishes))).toBe(true);
    expect(relaySourceIds(shipped).sort()).toEqual([
      'eos',
      'eurekalert',
      'physorg',
      'sciencedaily',
      'sciencedaily-home',
    ]);
    expect(
      shipped
        .filter((s) => s.publishes === 'events')
        .map((s) => s.id)
        .sort(),
    ).toEqual([
      'gdacs',
      'nrcan-earthquakes-en',
      'nrcan-earthquakes-fr',
      'usgs-earthquakes',
      'usgs-volcanoes',
    ]);
    expect(
      shipped
        .filter((s) => s.publishes === 'journal')
        .map((s) => s.id)
        .sort(),
    ).toEqual(['geoscience-journals', 'nature-communications', 'nature-geoscience', 'pnas-earth']);
    // A programme names its remit.
    for (const s of shipped.filter((x) => x.publishes === 'programme'))
      expect(s.topicHints.length).toBeGreaterThan(0);
  });

  it('the story index defers relay items to the originator by the registry relay ids', () => {
    expect([...storyOptionsOf(shipped).relaySources!].sort()).toEqual(relaySourceIds(shipped).sort());
  });

  it('a source no entry claims is an agency; an entry without the field too', () => {
    expect(deriveSource('https://example.org/feed.xml', 'Example').publishes).toBe('agency');
    expect(SourceSchema.parse({ id: 'x', name: 'X', url: 'https://example.org/' }).publishes).toBe('agency');
  });

  it('an OPML outline modelled on a relay entry is a relay', () => {
    const opml = Buffer.from(
      '<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>' +
        '<outline type="rss" text="Phys.org space" xmlUrl="https://phys.org/rss-feed/space-news/" htmlUrl="https://phys.org"/>' +
        '<outline type="rss" text="Some blog" xmlUrl="https://blog.example.org/feed"/>' +
        '</body></opml>',
    );
    const { entries } = importOpml(readOpml(opml), shipped);
    expect(entries.find((e) => e.url === 'https://phys.org/rss-feed/space-news/')?.publishes).toBe('relay');
    expect(entries.find((e) => e.url === 'https://blog.example.org/feed')?.publishes).toBe('agency');
  });
});
