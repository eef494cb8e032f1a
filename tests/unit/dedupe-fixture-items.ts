/**
 * Test helper: reads <item>s of the recorded feeds with cheerio (xml mode), independent of the parse stage.
 * Gives each item its GUID, title, link, description, pubDate (ISO), GDACS event id/type and NRCan event id
 * taken from the link, and the GeoRSS point.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import type { Item } from '../../src/pipeline/types.js';

export const FEEDS = join(import.meta.dirname, '../fixtures/feeds');

export interface FixtureItem {
  guid: string;
  title: string;
  link: string;
  description: string;
  pubDate: string | null;
  /** Agency event identity: `gdacs:<type>:<id>` or `nrcan:<YYYYMMDD.hhmm>`, else null. */
  event: string | null;
  point: { lat: number; lon: number } | null;
}

/** Items of one fixture feed (path relative to tests/fixtures/feeds). */
export function readFixtureItems(rel: string): FixtureItem[] {
  const xml = readFileSync(join(FEEDS, rel), 'utf8').replace(/^\uFEFF/, '');
  const $ = cheerio.load(xml, { xml: true });
  return $('item')
    .toArray()
    .map((el) => {
      const $el = $(el);
      const text = (sel: string) => $el.children(sel).first().text().trim();
      const link = text('link');
      const gdacsId = text('gdacs\\:eventid');
      const gdacsType = text('gdacs\\:eventtype');
      const nrcan = /\/recent_eq\/\d{4}\/(\d{8}\.\d{4})\//.exec(link)?.[1];
      const event = gdacsId ? `gdacs:${gdacsType}:${gdacsId}` : nrcan ? `nrcan:${nrcan}` : null;
      const pos = (text('georss\\:point') || $el.find('gml\\:pos').first().text().trim()).split(/\s+/);
      const lat = Number(pos[0]);
      const lon = Number(pos[1]);
      const date = Date.parse(text('pubDate'));
      return {
        guid: text('guid'),
        title: text('title').replace(/\s+/g, ' '),
        link,
        description: text('description'),
        pubDate: Number.isNaN(date) ? null : new Date(date).toISOString(),
        event,
        point: pos.length === 2 && Number.isFinite(lat) && Number.isFinite(lon) ? { lat, lon } : null,
      };
    });
}

/** Converts a fixture item to a pipeline Item (what the normaliser would hand to dedupe). */
export function toItem(f: FixtureItem, id: string, source: string): Item {
  return {
    id,
    title: f.title,
    summary: f.description,
    url: f.link,
    source,
    guid: f.guid,
    publishedAt: f.pubDate,
    eventIds: f.event ? [f.event] : undefined,
    geo: f.point ?? undefined,
  };
}
