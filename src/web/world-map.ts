/**
 * The dashboard's world map, drawn offline: the Natural Earth land polygons of world-atlas (land-110m, shipped
 * in the package) projected once with d3-geo to one SVG path. Equirectangular on a 960 × 480 box, so the
 * browser places an event with {@link projectPoint}'s two lines of arithmetic (client/world-map.ts does the
 * same) and needs no map library, no tiles and no network.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { geoEquirectangular, geoPath } from 'd3-geo';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';

export const MAP_WIDTH = 960;
export const MAP_HEIGHT = 480;

/** [x, y] in the map's box of a longitude and latitude in degrees. */
export function projectPoint(lon: number, lat: number): [number, number] {
  return [((lon + 180) / 360) * MAP_WIDTH, ((90 - lat) / 180) * MAP_HEIGHT];
}

let cached: string | undefined;

/** The land as one SVG path `d` (computed at first use, then kept). */
export function landPath(): string {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  const topology = JSON.parse(
    readFileSync(require.resolve('world-atlas/land-110m.json'), 'utf8'),
  ) as Topology<{
    land: GeometryCollection;
  }>;
  const land = feature(topology, topology.objects.land);
  const projection = geoEquirectangular()
    .scale(MAP_WIDTH / (2 * Math.PI))
    .translate([MAP_WIDTH / 2, MAP_HEIGHT / 2]);
  cached = geoPath(projection).digits(1)(land) ?? '';
  return cached;
}
