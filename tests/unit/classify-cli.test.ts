/** `geointel classify` end to end, in process: JSON Lines in, one classification per line out. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

async function run(args: string[], input: string, env: Record<string, string | undefined> = {}) {
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
  const code = await main(['classify', ...args], { stdin, stdout, stderr, env: { ...process.env, ...env } });
  return {
    code,
    out,
    err,
    lines: out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l)),
  };
}

const line = (o: unknown) => `${JSON.stringify(o)}\n`;

describe('geointel classify', () => {
  it('prints one classification per item in input order, with the contract fields', async () => {
    const r = await run(
      ['classify'].slice(1),
      line({ id: 'a', title: 'Groundwater depletion drives land subsidence in the North China Plain' }) +
        line({ id: 'b', title: 'CRISPR-edited immune cells thrive in cancer patients' }) +
        line({ title: '智利阿塔卡马盐湖锂资源开发面临地下水压力' }),
    );
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.lines.map((l) => l.id)).toEqual(['a', 'b', '2']);
    expect(Object.keys(r.lines[0])).toEqual([
      'id',
      'language',
      'relevant',
      'topic',
      'topics',
      'runnerUp',
      'tags',
    ]);
    expect(r.lines[0]).toMatchObject({ language: 'en', relevant: true, topic: 'hydrogeology' });
    expect(r.lines[1]).toMatchObject({ relevant: false, topic: null, topics: [] });
    expect(r.lines[2]).toMatchObject({
      language: 'zh',
      relevant: true,
      tags: { commodities: ['lithium'], countries: ['CL'] },
    });
  });

  it('reports bad lines on stderr with their line number, classifies the rest and exits 1', async () => {
    const r = await run(
      [],
      `${line({ title: 'Volcanic eruption at Etna' })}not json\n${line({ summary: 'no title' })}\n${line({ id: 7, title: 'Seafloor mapping' })}`,
    );
    expect(r.code).toBe(1);
    expect(r.lines.map((l) => l.id)).toEqual(['0', '7']);
    const errors = r.err
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(errors).toEqual([
      expect.objectContaining({ code: 'INPUT_INVALID', line: 2 }),
      expect.objectContaining({ code: 'INPUT_INVALID', line: 3, message: expect.stringMatching(/no title/) }),
    ]);
  });

  it('uses the source registry: event sources and language hints', async () => {
    const r = await run(
      [],
      line({ title: 'Green earthquake alert (Magnitude 6.2M, Depth:10km) in Chile', source: 'gdacs' }) +
        line({ title: 'Green earthquake alert (Magnitude 5.1M, Depth:10km) in Chile', source: 'gdacs' }),
    );
    expect(r.lines.map((l) => [l.language, l.topic])).toEqual([
      ['en', 'basic-geology'],
      ['en', null],
    ]);
  });

  it('--explain adds the deciding terms', async () => {
    const r = await run(
      ['--explain'],
      line({ title: 'Landslide dams on glacial lakes', summary: 'debris flow hazard' }),
    );
    expect(r.code).toBe(0);
    const e = r.lines[0].explain;
    expect(e.decidedBy).toBe('lexicon');
    expect(e.topics[0]).toMatchObject({ id: 'hydrogeology' });
    expect(e.topics[0].terms).toEqual(
      expect.arrayContaining([expect.objectContaining({ term: 'landslide*', field: 'title' })]),
    );
    // Each matched term carries what it adds to the raw score; they add up to it (plus any source hint).
    for (const t of e.topics as Array<{
      raw: number;
      sourceHint?: number;
      terms: Array<{ contribution: number }>;
    }>) {
      expect(t.terms.every((x) => typeof x.contribution === 'number')).toBe(true);
      const sum = t.terms.reduce((a, x) => a + x.contribution, t.sourceHint ?? 0);
      expect(sum).toBeCloseTo(t.raw, 2);
    }
    expect(e.language).toMatchObject({ code: 'en' });
  });

  it('--explain shows the source prior, its effect and the runner-up', async () => {
    const r = await run(
      ['--explain'],
      line({ id: 'j', title: 'Seafloor spreading and mantle melting', source: 'geoscience-journals' }) +
        line({ id: 'n', title: 'Seafloor spreading and mantle melting' }) +
        line({ id: 'e', title: 'M 5.1 - Tristan da Cunha region', source: 'usgs-earthquakes' }),
    );
    expect(r.code).toBe(0);
    const [j, n, e] = r.lines;
    expect(j.explain.prior).toMatchObject({ name: 'journal', minScore: 0.4 });
    expect(j.explain.prior.effect).toMatch(/^minScore 0\.4 \(default 0\.45\); decision /);
    expect(n.explain.prior).toMatchObject({ name: 'none', effect: 'the default gate' });
    // Two sections with evidence: the second is the runner-up, in the line and in the explanation.
    expect(j.runnerUp).toEqual(j.explain.runnerUp);
    expect(j.runnerUp?.id).toBeDefined();
    expect(j.runnerUp.id).not.toBe(j.topic);
    // The event feed's short title: English under its source's declared language, decided by the event rule.
    expect(e).toMatchObject({ language: 'en', relevant: false, runnerUp: null });
    expect(e.explain.decidedBy).toBe('event');
    expect(e.explain.language).toMatchObject({ code: 'en', prior: { languages: ['en'], short: true } });
  });

  it('exits 2 on an invalid topics.yaml, naming file and field', async () => {
    const { mkdtempSync, writeFileSync, copyFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'geointel-cfg-'));
    copyFileSync('config/sources.yaml', join(dir, 'sources.yaml'));
    writeFileSync(
      join(dir, 'topics.yaml'),
      'topics:\n  - id: marine\n    name: M\n    nameZh: 海\n    order: 1\n    terms: { english: { seabed: 3 } }\n',
    );
    const r = await run([], line({ title: 'x' }), { GEOINTEL_CONFIG_DIR: dir });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/topics\.yaml:\d+: topics\[0\]\.terms\.english: "english" is not a language key/);
  });
});
