/** Configuration errors name what is really wrong (issue 9): a missing tags.yaml, a bad environment value. */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { ConfigError, formatIssue, loadConfig } from '../../src/config/load.js';
import { ROOT } from '../helpers/cli.js';

function configDir(files: Record<string, string | null> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'geointel-config-'));
  cpSync(join(ROOT, 'config'), dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    if (text === null) rmSync(join(dir, name));
    else writeFileSync(join(dir, name), text);
  }
  return dir;
}

function issuesOf(fn: () => unknown): ConfigError['issues'] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('no ConfigError');
}

async function cli(args: string[], env: Record<string, string>) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d) => {
    err += d;
  });
  const code = await main(args, { stdin: new PassThrough(), stdout, stderr, env });
  return { code, err };
}

describe('config/tags.yaml is required', () => {
  it('a missing tags.yaml is a configuration error naming the file and what it holds', () => {
    const dir = configDir({ 'tags.yaml': null });
    const issues = issuesOf(() => loadConfig({ dir, env: {} }));
    expect(issues).toEqual([
      expect.objectContaining({
        file: join(dir, 'tags.yaml'),
        path: '',
        message: expect.stringMatching(
          /^file not found: the commodity and country lexicons; without them no item is tagged/,
        ),
      }),
    ]);
  });

  it('empty lexicons turn tagging off explicitly', () => {
    const dir = configDir({ 'tags.yaml': 'commodities: {}\ncountries: {}\n' });
    expect(loadConfig({ dir, env: {} }).tags).toEqual({ commodities: {}, countries: {}, blockers: {} });
  });

  it('geointel.yaml stays optional (every field has a default)', () => {
    const dir = configDir({ 'geointel.yaml': null });
    expect(loadConfig({ dir, env: {} }).app.ingest.maxItemAgeDays).toBe(30);
  });

  it('the CLI exits 2 naming tags.yaml', async () => {
    const dir = configDir({ 'tags.yaml': null });
    const r = await cli(['sources', 'list'], { GEOINTEL_CONFIG_DIR: dir });
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `${join(dir, 'tags.yaml')}: (file): file not found: the commodity and country lexicons`,
    );
  });
});

describe('a bad environment value is blamed on the variable, not on a line of geointel.yaml', () => {
  it('names the variable and its value, with no line', () => {
    const issues = issuesOf(() =>
      loadConfig({ dir: join(ROOT, 'config'), env: { GEOINTEL_INGEST_MAX_ITEM_AGE_DAYS: 'abc' } }),
    );
    expect(issues).toHaveLength(1);
    const [issue] = issues;
    expect(issue).toMatchObject({ env: 'GEOINTEL_INGEST_MAX_ITEM_AGE_DAYS', path: 'ingest.maxItemAgeDays' });
    expect(issue!.line).toBeUndefined();
    expect(formatIssue(issue!)).toMatch(
      /^environment variable GEOINTEL_INGEST_MAX_ITEM_AGE_DAYS \(overrides .*geointel\.yaml\): ingest\.maxItemAgeDays: .*\(GEOINTEL_INGEST_MAX_ITEM_AGE_DAYS="abc"\)$/,
    );
  });

  it('a bad value in the file itself keeps its line; aliases (GEOINTEL_PREFIX) are named too', () => {
    const dir = configDir({ 'geointel.yaml': 'ingest:\n  maxItemAgeDays: abc\n' });
    const [fromFile] = issuesOf(() => loadConfig({ dir, env: {} }));
    expect(fromFile).toMatchObject({ path: 'ingest.maxItemAgeDays', line: 2 });
    expect(fromFile!.env).toBeUndefined();
    const [prefix] = issuesOf(() =>
      loadConfig({ dir: join(ROOT, 'config'), env: { GEOINTEL_PREFIX: 'a b' } }),
    );
    expect(prefix).toMatchObject({ env: 'GEOINTEL_PREFIX', path: 'redis.prefix' });
  });

  it('the CLI exits 2 naming the variable', async () => {
    const r = await cli(['sources', 'list'], {
      GEOINTEL_CONFIG_DIR: join(ROOT, 'config'),
      GEOINTEL_INGEST_MAX_ITEM_AGE_DAYS: 'abc',
    });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/environment variable GEOINTEL_INGEST_MAX_ITEM_AGE_DAYS/);
    expect(r.err).not.toMatch(/geointel\.yaml:\d+/);
  });
});
