/** The map box of `GET /v1/records?bbox=` (src/pipeline/search/bbox.ts), antimeridian included. */
import { describe, expect, it } from 'vitest';
import { GeoError } from '../../src/errors.js';
import { crossesAntimeridian, inBbox, parseBbox } from '../../src/pipeline/search/bbox.js';

describe('parseBbox', () => {
  it('reads minLon,minLat,maxLon,maxLat', () => {
    expect(parseBbox('-10.5,35,30,71.25')).toEqual({ minLon: -10.5, minLat: 35, maxLon: 30, maxLat: 71.25 });
    expect(parseBbox(' 170 , -50 , -170 , -10 ')).toEqual({
      minLon: 170,
      minLat: -50,
      maxLon: -170,
      maxLat: -10,
    });
  });

  it('refuses anything else with INPUT_INVALID', () => {
    for (const bad of [
      '',
      '1,2,3',
      '1,2,3,4,5',
      'a,b,c,d',
      '1e3,0,2,1',
      '0,0,181,10',
      '-181,0,0,10',
      '0,-91,10,10',
      '0,10,10,5',
      '0x10,0,1,1',
      'NaN,0,1,1',
      'Infinity,0,1,1',
    ]) {
      let err: unknown;
      try {
        parseBbox(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(GeoError);
      expect((err as GeoError).code, bad).toBe('INPUT_INVALID');
    }
  });
});

describe('inBbox', () => {
  const europe = parseBbox('-10,35,30,71');
  it('an ordinary box holds the points inside, edges included', () => {
    expect(inBbox(europe, 51.5, -0.1)).toBe(true); // London
    expect(inBbox(europe, 35, -10)).toBe(true); // corner
    expect(inBbox(europe, 71, 30)).toBe(true); // corner
    expect(inBbox(europe, 40.7, -74)).toBe(false); // New York
    expect(inBbox(europe, 34.99, 0)).toBe(false);
    expect(inBbox(europe, Number.NaN, 0)).toBe(false);
    expect(crossesAntimeridian(europe)).toBe(false);
  });

  it('a box with minLon > maxLon crosses the antimeridian', () => {
    const fiji = parseBbox('170,-50,-170,-10');
    expect(crossesAntimeridian(fiji)).toBe(true);
    expect(inBbox(fiji, -17.7, 178.0)).toBe(true); // Fiji, east of 170°E
    expect(inBbox(fiji, -17.7, -178.0)).toBe(true); // west of 170°W
    expect(inBbox(fiji, -17.7, 180)).toBe(true);
    expect(inBbox(fiji, -17.7, -180)).toBe(true);
    expect(inBbox(fiji, -17.7, 0)).toBe(false); // the other side of the world
    expect(inBbox(fiji, -17.7, 169.9)).toBe(false);
    expect(inBbox(fiji, -17.7, -169.9)).toBe(false);
    expect(inBbox(fiji, -5, 178)).toBe(false); // north of the box
  });

  it('±180° are one meridian: a box ending at 180 holds -180', () => {
    const east = parseBbox('170,-10,180,10');
    expect(inBbox(east, 0, -180)).toBe(true);
    expect(inBbox(east, 0, -179.9)).toBe(false);
  });
});
