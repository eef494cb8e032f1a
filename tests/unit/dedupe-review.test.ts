/**
 * Regression tests for review findings on the dedupe stage: prototype-named words, the one canonical URL
 * table, time-bounded title matches, plain text taken as it is, and the CLI help default.
 */
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CommandIO } from '../../src/cli/command.js';
import { command } from '../../src/cli/commands/dedupe.js';
import {
  DEFAULT_THRESHOLD,
  dedupeItems,
  featureSet,
  identityKeys,
  normalizeText,
  textSimilarity,
  tokenize,
} from '../../src/pipeline/dedupe/index.js';
import type { Item } from '../../src/pipeline/types.js';

const story = (out: { storyId: string }[]) => out.map((o) => o.storyId);

describe('prototype-named words are plain words', () => {
  const words = [
    'constructor',
    '__proto__',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'prototype',
    'isPrototypeOf',
  ];

  it('tokenises titles containing Object.prototype member names', () => {
    for (const w of words) {
      const toks = tokenize(`Dam ${w} fined over landslide risk`);
      expect(toks.every((t) => typeof t === 'string')).toBe(true);
      expect(toks).toContain('lands');
    }
    expect(tokenize('constructor')).toEqual(['const']);
    expect(tokenize('__proto__ valueOf')).toEqual(['proto', 'value']);
  });

  it('dedupes such titles without throwing', () => {
    const items: Item[] = [
      { id: 'a', title: 'Dam constructor fined over landslide risk' },
      { id: 'b', title: 'Groundwater survey' },
      ...words.map((w, i) => ({ id: `w${i}`, title: `${w} ${w} hasOwnProperty toString` })),
    ];
    const out = dedupeItems(items);
    expect(story(out).slice(0, 2)).toEqual(['a', 'b']);
    expect(
      textSimilarity(featureSet('toString valueOf constructor'), featureSet('constructor toString valueOf')),
    ).toBeGreaterThan(DEFAULT_THRESHOLD);
  });
});

describe('URL identity uses the project tracking-parameter table', () => {
  it('keeps articles whose real ref/src/feed/rss parameters differ apart', () => {
    const out = dedupeItems([
      { id: 'a', title: 'Council minutes', url: 'https://example.org/article.php?ref=1001', source: 's' },
      { id: 'b', title: 'Budget vote delayed', url: 'https://example.org/article.php?ref=1002', source: 's' },
      { id: 'c', title: 'Library opening', url: 'https://example.org/view?src=17', source: 's' },
      { id: 'd', title: 'Bridge repairs', url: 'https://example.org/view?src=18', source: 's' },
    ]);
    expect(story(out)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('still joins utm_* and click-id variants of one URL', () => {
    const out = dedupeItems([
      { id: 'a', title: 'Short', url: 'https://www.example.org/news/1?ref=7' },
      {
        id: 'b',
        title: 'Other words',
        url: 'http://example.org/news/1/?ref=7&utm_source=rss&utm_medium=feed',
      },
      { id: 'c', title: 'Third', url: 'https://example.org/news/1?fbclid=abc&ref=7#top' },
    ]);
    expect(story(out)).toEqual(['a', 'a', 'a']);
    expect(identityKeys({ id: 'x', title: 't', url: 'https://example.org/a?rss=1' })).toContain(
      'u:example.org/a?rss=1',
    );
  });
});

describe('recurring titles', () => {
  const weekly = (id: string, date: string, extra: Partial<Item> = {}): Item => ({
    id,
    title: 'Weekly Volcanic Activity Report',
    source: 'si-gvp',
    publishedAt: `${date}T12:00:00Z`,
    ...extra,
  });

  it('are new stories weeks apart under different URLs (title key and text bounded in time)', () => {
    const out = dedupeItems([
      weekly('w1', '2024-01-03', { url: 'https://volcano.si.edu/reports/weekly/20240103' }),
      weekly('w6', '2024-02-07', { url: 'https://volcano.si.edu/reports/weekly/20240207' }),
      weekly('w7', '2024-02-14', { url: 'https://volcano.si.edu/reports/weekly/20240214' }),
    ]);
    expect(story(out)).toEqual(['w1', 'w6', 'w7']);
  });

  it('are new stories weeks apart without URL or GUID, and join a re-post within the span', () => {
    const out = dedupeItems([
      weekly('w1', '2024-01-03'),
      weekly('w1b', '2024-01-04'),
      weekly('w6', '2024-02-07'),
      weekly('w6b', '2024-02-07'),
    ]);
    expect(story(out)).toEqual(['w1', 'w1', 'w6', 'w6']);
    expect(identityKeys(weekly('x', '2024-01-03')).some((k) => k.startsWith('t:'))).toBe(true);
    expect(
      identityKeys(weekly('x', '2024-01-03', { url: 'https://a.example/1' })).some((k) => k.startsWith('t:')),
    ).toBe(false);
  });

  it('still join on the same URL whatever the dates', () => {
    const url = 'https://volcano.si.edu/reports/weekly/20240103';
    expect(
      story(dedupeItems([weekly('a', '2024-01-03', { url }), weekly('b', '2024-03-03', { url })])),
    ).toEqual(['a', 'a']);
  });
});

describe('plain text is taken as it is', () => {
  it('keeps "<", ">" and "&" text (no second decoding)', () => {
    expect(normalizeText('Depth <d and d> 10 m')).toBe('depth <d and d> 10 m');
    expect(tokenize('Depth <d and d> 10 m')).toEqual(['depth', '~0:10']);
    expect(normalizeText('AT&amp;T &lt;b&gt;')).toBe('at&amp;t &lt;b&gt;');
  });

  it('is linear on "<<<<" input', () => {
    const s = `${'<'.repeat(200_000)}x`;
    const t0 = performance.now();
    tokenize(s);
    featureSet(s);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('geointel dedupe (CLI)', () => {
  it('assigns the review repro lines (a title with "constructor") instead of crashing', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c) => (out += c));
    const input = [
      '{"title":"Dam constructor fined over landslide risk"}',
      '{"title":"Groundwater survey"}',
      '{"title":"__proto__ hasOwnProperty toString valueOf"}',
    ].join('\n');
    const io: CommandIO = {
      stdin: Readable.from([input]),
      stdout,
      stderr: new PassThrough(),
      env: { GEOINTEL_CONFIG_DIR: 'config' },
    };
    expect(await command.run([], io)).toBe(0);
    expect(
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).storyId),
    ).toEqual(['0', '1', '2']);
  });

  it('states the default thresholds of the code', () => {
    expect(command.help).toContain(`default ${DEFAULT_THRESHOLD}`);
    expect(command.help).not.toContain('0.55');
  });
});
