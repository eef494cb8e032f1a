/**
 * Acceptance: successive real polls of the same feeds. Truth comes from GUIDs and agency event ids read by the
 * test helper, never from the code under test: every shared item must join its earlier copy, and no two
 * distinct items may share a story.
 */

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { dedupeItems, hostAliasesOf } from '../../src/pipeline/dedupe/index.js';
import { ROOT } from '../helpers/cli.js';
import { type FixtureItem, readFixtureItems, toItem } from './dedupe-fixture-items.js';

const SOURCES = loadConfig({ dir: join(ROOT, 'config'), env: {} }).sources;

interface Case {
  name: string;
  a: string;
  b: string;
  sources: [string, string];
  shared: number;
  truth: (f: FixtureItem) => string;
}

const byGuid = (f: FixtureItem) => f.guid;
const byEvent = (f: FixtureItem) => f.event ?? f.guid;
/**
 * NRCan publishes every page twice: earthquakescanada.nrcan.gc.ca/…-en.php and seismescanada.rncan.gc.ca/…-fr.php
 * (the publisher's own bilingual scheme, written out here, not taken from the code under test). The channel
 * notice ("Breaking News" / "Nouvelles Récentes") has no event id: its GUIDs are such a pair.
 */
const byEventOrBilingualGuid = (f: FixtureItem) =>
  f.event ??
  f.guid
    .replace('http://www.seismescanada.rncan.gc.ca/', 'http://www.earthquakescanada.nrcan.gc.ca/')
    .replace(/-fr\.php$/, '-en.php');

const CASES: Case[] = [
  {
    name: 'Phys.org 12-13 vs 12-14',
    a: 'physorg/earth-news-2025-12-13.xml',
    b: 'physorg/earth-news-2025-12-14.xml',
    sources: ['physorg', 'physorg'],
    shared: 28,
    truth: byGuid,
  },
  {
    name: 'ScienceDaily 1103Z vs 1143Z (rebuilt feed)',
    a: 'sciencedaily/all-2020-02-10T1103Z.xml',
    b: 'sciencedaily/all-2020-02-10T1143Z.xml',
    sources: ['sciencedaily', 'sciencedaily'],
    shared: 60,
    truth: byGuid,
  },
  {
    name: 'ScienceDaily 1103Z vs 1703Z',
    a: 'sciencedaily/all-2020-02-10T1103Z.xml',
    b: 'sciencedaily/all-2020-02-10T1703Z.xml',
    sources: ['sciencedaily', 'sciencedaily'],
    shared: 39,
    truth: byGuid,
  },
  {
    name: 'GDACS rss vs rss_24h',
    a: 'gdacs/rss-2019-12-30.xml',
    b: 'gdacs/rss_24h-2019-12-30.xml',
    sources: ['gdacs', 'gdacs'],
    shared: 13,
    truth: byEvent,
  },
  {
    name: 'NRCan en vs fr',
    a: 'nrcan/earthquakes-canada-en-2018-10-01.xml',
    b: 'nrcan/earthquakes-canada-fr-2018-10-01.xml',
    sources: ['nrcan-earthquakes-en', 'nrcan-earthquakes-fr'],
    shared: 6,
    truth: byEventOrBilingualGuid,
  },
];

describe('dedupe of successive polls', () => {
  it.each(CASES)('$name: every shared item found, no distinct item merged', (c) => {
    const fa = readFixtureItems(c.a);
    const fb = readFixtureItems(c.b);
    const fixtures = [...fa, ...fb];
    const items = [
      ...fa.map((f, i) => toItem(f, `a${i}`, c.sources[0])),
      ...fb.map((f, i) => toItem(f, `b${i}`, c.sources[1])),
    ];
    const truth = fixtures.map(c.truth);
    const truthA = new Set(fa.map(c.truth));
    expect(new Set(fb.map(c.truth).filter((k) => truthA.has(k))).size).toBe(c.shared);

    const out = dedupeItems(items, { hostAliases: hostAliasesOf(SOURCES) });
    let found = 0;
    let falseMerges = 0;
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const same = truth[i] === truth[j];
        const joined = out[i]!.storyId === out[j]!.storyId;
        if (same && joined && i < fa.length && j >= fa.length) found++;
        if (!same && joined) falseMerges++;
        if (same) expect(joined, `${fixtures[i]!.title} / ${fixtures[j]!.title}`).toBe(true);
        if (!same) expect(joined, `${fixtures[i]!.title} / ${fixtures[j]!.title}`).toBe(false);
      }
    }
    console.log(`${c.name}: shared ${c.shared}, found ${found}, false merges ${falseMerges}`);
    expect(found).toBe(c.shared);
    for (const a of out) if (a.duplicateOf) expect(out.some((o) => o.id === a.duplicateOf)).toBe(true);
  });
});
