import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import type { CommandIO } from '../../src/cli/command.js';
import { command } from '../../src/cli/commands/digest.js';
import { dayRecords } from './digest-fixture-records.js';

const dir = mkdtempSync(join(tmpdir(), 'geointel-digest-'));
const file = join(dir, 'records.jsonl');
writeFileSync(
  file,
  `${dayRecords()
    .map((r) => JSON.stringify(r))
    .join('\n')}\n`,
);
const broken = join(dir, 'broken.jsonl');
writeFileSync(broken, `${JSON.stringify(dayRecords()[0])}\n{oops\n{"schema":"geointel.record/1"}\n`);

async function run(args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const io: CommandIO = { stdin: Readable.from([]), stdout, stderr, env: { GEOINTEL_CONFIG_DIR: 'config' } };
  const code = await command.run(args, io);
  return { code, out, err };
}

describe('geointel digest', () => {
  it('renders Markdown in Chinese by default', async () => {
    const { code, out } = await run(['--from', file, '--date', '2023-10-06']);
    expect(code).toBe(0);
    expect(out).toContain('# 地学快讯');
    expect(out).toContain('## 一、基础地质');
    expect(out).toContain('（美国地质调查局，2023.10.5）');
  });

  it('renders English HTML and JSON', async () => {
    const html = await run(['--from', file, '--date', '2023-10-06', '--format', 'html', '--lang', 'en']);
    expect(html.code).toBe(0);
    expect(cheerio.load(html.out)('h1').text()).toBe('Geoscience Express');
    const json = await run(['--from', file, '--date', '2023-10-06', '--format', 'json', '--lang', 'en']);
    // The registry says nrcan-earthquakes-en publishes events: its entry is in the event box, not numbered.
    const edition = JSON.parse(json.out);
    expect(edition.count).toBe(4);
    const basic = edition.sections.find((s: { id: string }) => s.id === 'basic-geology');
    expect(basic.eventsTitle).toBe('Event summary');
    expect(basic.events).toMatchObject([
      {
        type: 'earthquake',
        count: 1,
        maxMagnitude: 4.8,
        storyIds: ['nrcan-1'],
        days: { from: '2023-10-05' },
      },
    ]);
    expect(basic.events[0].line).toBe('Port Hardy, BC (offshore) · 5 October 2023 · 1 earthquake, M 4.8');
  });

  it('reports bad lines with file and line, renders the rest, exits 1', async () => {
    const { code, out, err } = await run(['--from', broken, '--date', '2023-10-06', '--lang', 'en']);
    expect(code).toBe(1);
    expect(out).toContain('USGS estimates lithium');
    expect(err).toContain('broken.jsonl:2');
    expect(err).toContain('broken.jsonl:3');
  });

  it.each([
    [['--date', '2023-10-06']],
    [['--from', file, '--format', 'pdf']],
    [['--from', file, '--lang', 'fr']],
    [['--from', file, '--date', '2023-13-01']],
    [['--from', file, '--date', '2025-02-30']],
  ])('usage error %j exits 2', async (args) => {
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err).toMatch(/geointel digest: /);
  });

  it('reports an unreadable file as a runtime failure with a code (exit 1), like ingest', async () => {
    const { code, err } = await run(['--from', join(dir, 'missing.jsonl')]);
    expect(code).toBe(1);
    expect(JSON.parse(err.trim())).toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining('ENOENT'),
    });
  });

  it('shows a 关键词 line of Chinese glossary terms and tags under English items in the zh bulletin', async () => {
    const { code, out } = await run(['--from', file, '--date', '2023-10-06']);
    expect(code).toBe(0);
    // bgs-1: "Groundwater levels … Chalk aquifers …" (the fixture records carry no tags).
    expect(out).toContain('关键词：地下水、含水层');
    expect(out).not.toContain('关键词：锂'); // usgs-1 has the editor's titleZh
    const en = await run(['--from', file, '--date', '2023-10-06', '--lang', 'en']);
    expect(en.out).not.toContain('关键词');
  });

  it.each([
    ['an empty file', '', '(it is empty)'],
    ['a file of blank lines', '\n  \n\n', '(it is empty)'],
    ['a file whose every line is bad', '{oops\n{"schema":"geointel.record/1"}\n', '(2 bad lines)'],
  ])(
    'has nothing to publish from %s: says so naming the file, prints no bulletin, exits 1',
    async (_what, text, why) => {
      const nothing = join(dir, `nothing-${why.length}-${text.length}.jsonl`);
      writeFileSync(nothing, text);
      for (const args of [
        ['--from', nothing],
        ['--from', nothing, '--format', 'html', '--lang', 'en'],
      ]) {
        const { code, out, err } = await run(args);
        expect(code).toBe(1);
        expect(out).toBe('');
        expect(err).not.toContain('1970');
        const last = JSON.parse(err.trim().split('\n').pop()!);
        expect(last).toMatchObject({ level: 'error', code: 'INPUT_INVALID', file: nothing });
        expect(last.message).toBe(
          `nothing to publish: ${nothing} holds no valid geointel.record/1 record ${why}`,
        );
      }
    },
  );

  it('skips a record with a wrongly typed field, reports it with its line, and still renders the rest', async () => {
    const good = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .find((l) => JSON.parse(l).relevant)!;
    const mixed = join(dir, 'mixed.jsonl');
    writeFileSync(mixed, `${good}\n${JSON.stringify({ ...JSON.parse(good), id: 'x2', summary: 123 })}\n`);
    const { code, out, err } = await run(['--from', mixed, '--format', 'json']);
    expect(code).toBe(1);
    expect(out).toContain(JSON.stringify(JSON.parse(good).id));
    expect(out).not.toContain('"x2"');
    expect(JSON.parse(err.trim())).toMatchObject({
      code: 'INPUT_INVALID',
      line: 2,
      message: expect.stringContaining('summary'),
    });
  });
});
