import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CommandIO } from '../../src/cli/command.js';
import { command } from '../../src/cli/commands/dedupe.js';

async function run(input: string, args: string[] = []) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const io: CommandIO = {
    stdin: Readable.from([input]),
    stdout,
    stderr,
    env: { GEOINTEL_CONFIG_DIR: 'config' },
  };
  const code = await command.run(args, io);
  return {
    code,
    out: out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l)),
    err,
  };
}

describe('geointel dedupe', () => {
  it('prints one assignment per item in order; missing id = 0-based line number', async () => {
    const lines = [
      {
        title: 'USGS maps lithium in Arkansas brines for the first time',
        url: 'https://www.usgs.gov/news/li?utm_source=rss',
      },
      {
        id: 'b',
        title: 'Drought is on going in Australia',
        url: 'http://www.gdacs.org/report.aspx?eventtype=DR&eventid=1',
      },
      {
        id: 'c',
        title: 'USGS maps lithium in Arkansas brines for first time',
        url: 'https://www.sciencedaily.com/releases/x.htm',
        source: 'sciencedaily',
      },
      {
        id: 'd',
        title: 'Drought is on going in Australia',
        url: 'http://www.gdacs.org/report.aspx?eventtype=DR&eventid=2',
      },
    ];
    const { code, out, err } = await run(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toEqual([
      { id: '0', storyId: '0', duplicateOf: null, canonicalId: '0', similarity: 1 },
      { id: 'b', storyId: 'b', duplicateOf: null, canonicalId: 'b', similarity: 1 },
      { id: 'c', storyId: '0', duplicateOf: '0', canonicalId: '0', similarity: expect.any(Number) },
      { id: 'd', storyId: 'd', duplicateOf: null, canonicalId: 'd', similarity: 1 },
    ]);
  });

  it('reports bad lines with their line number, keeps going and exits 1', async () => {
    const { code, out, err } = await run('{"title":"a b c"}\nnot json\n{"id":"x"}\n\n{"title":"d e f"}\n');
    expect(code).toBe(1);
    expect(out.map((o) => o.id)).toEqual(['0', '4']);
    const problems = err
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(problems.map((p) => [p.code, p.line])).toEqual([
      ['INPUT_INVALID', 2],
      ['INPUT_INVALID', 3],
    ]);
  });

  it('rejects a bad --threshold with exit 2', async () => {
    expect((await run('', ['--threshold', '7'])).code).toBe(2);
  });
});
