/** `geointel parse` through the real CLI entry (main) with in-memory streams. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

async function run(args: string[], stdin = '') {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c) => out.push(String(c)));
  stderr.on('data', (c) => err.push(String(c)));
  const code = await main(['parse', ...args], { stdin: Readable.from([stdin]), stdout, stderr, env: {} });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const FEED = 'tests/fixtures/feeds/physorg/earth-news-2025-12-13.xml';
const NOT_FEED = 'tests/fixtures/feeds/SOURCES.md';

describe('geointel parse', () => {
  it('prints one parse document', async () => {
    const r = await run([FEED]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.format).toBe('rss');
    expect(doc.items).toHaveLength(30);
  });

  it('prints each warning as one JSON line on stderr', async () => {
    const r = await run(['tests/fixtures/parse/atom-one-bad-date.xml']);
    expect(r.code).toBe(0);
    const lines = r.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.code)).toEqual(['DATE_UNPARSEABLE', 'DATE_UNPARSEABLE']);
  });

  it('passes --url and --content-type through: each changes the result it should', async () => {
    // A relative link (resolved against --url) and a KOI8-R title with no charset in the prolog (decoded by the
    // charset of --content-type): without the flags the link stays unresolved and the title is read otherwise.
    const dir = mkdtempSync(join(tmpdir(), 'geointel-parse-cli-'));
    const file = join(dir, 'koi8.xml');
    const koi8 = Buffer.from([0xed, 0xcf, 0xd3, 0xcb, 0xd7, 0xc1]); // «Москва» in KOI8-R
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from('<rss version="2.0"><channel><title>F</title><item><title>'),
        koi8,
        Buffer.from('</title><link>/news/1</link></item></channel></rss>'),
      ]),
    );
    try {
      const withFlags = await run([
        file,
        '--url',
        'https://e.org/feed',
        '--content-type',
        'text/xml; charset=koi8-r',
      ]);
      expect(withFlags.code).toBe(0);
      const item = JSON.parse(withFlags.stdout).items[0];
      expect(item.title).toBe('Москва');
      expect(item.link).toBe('https://e.org/news/1');
      const bare = await run([file]);
      const plain = JSON.parse(bare.stdout).items[0];
      expect(plain.title).not.toBe('Москва');
      expect(plain.link ?? null).not.toBe('https://e.org/news/1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 with {"code","message"} on stderr when the file is not a feed', async () => {
    const r = await run([NOT_FEED]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'NOT_A_FEED', message: expect.any(String) });
  });

  it('exits 1 for an unreadable file and 2 for usage errors', async () => {
    expect((await run(['tests/fixtures/parse/no-such-file.xml'])).code).toBe(1);
    expect((await run([])).code).toBe(2);
    expect((await run([FEED, '--kind', 'mp3'])).code).toBe(2);
    expect((await run([FEED, '--bogus'])).code).toBe(2);
  });

  it('--batch prints one line per path and exits 1 when a path failed', async () => {
    const r = await run(['--batch'], `${FEED}\n\n${NOT_FEED}\ntests/fixtures/parse/missing.xml\n`);
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ file: FEED, ok: true });
    expect(lines[0].feed.items).toHaveLength(30);
    expect(lines[1]).toEqual({
      file: NOT_FEED,
      ok: false,
      error: { code: 'NOT_A_FEED', message: expect.any(String) },
    });
    expect(lines[2]).toMatchObject({
      file: 'tests/fixtures/parse/missing.xml',
      ok: false,
      error: { code: 'INPUT_INVALID' },
    });
  });
});
