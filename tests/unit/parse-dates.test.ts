import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDate, parseEpochMs } from '../../src/pipeline/parse/dates.js';

// T-P5: expected values computed by hand (zone arithmetic written out in the comment where it matters).
const MATRIX: [string, string | null][] = [
  ['Mon, 4 May 2026 00:30:00 EDT', '2026-05-04T04:30:00.000Z'], // EDT = -4
  ['Mon, 04 May 2026 00:30:00 EST', '2026-05-04T05:30:00.000Z'],
  ['Tue, 10 Jun 2003 04:00:00 PST', '2003-06-10T12:00:00.000Z'],
  ['Tue, 10 Jun 2003 04:00:00 PDT', '2003-06-10T11:00:00.000Z'],
  ['Sun, 29 Dec 2019 12:00:00 GMT', '2019-12-29T12:00:00.000Z'],
  ['Mon, 4 May 2026 10:00:00 +0530', '2026-05-04T04:30:00.000Z'],
  ['Mon, 4 May 2026 10:00:00 -0230', '2026-05-04T12:30:00.000Z'],
  ['Mon, 4 May 2026 08:30:00 GMT+8', '2026-05-04T00:30:00.000Z'],
  ['Mon, 4 May 2026 08:30:00 GMT+08:00', '2026-05-04T00:30:00.000Z'],
  ['Mon, 4 May 2026 08:30:00 UTC-5', '2026-05-04T13:30:00.000Z'],
  ['Mon, 04 May 2026\n   00:30:00 EDT', '2026-05-04T04:30:00.000Z'], // newline inside pubDate (USGS)
  ['Thu, 01 Jan 04 19:48:21 GMT', '2004-01-01T19:48:21.000Z'], // 2-digit year → 20xx
  ['Fri, 31 Dec 99 23:00:00 GMT', '1999-12-31T23:00:00.000Z'], // 2-digit year ≥ 50 → 19xx
  ['Mon, 31 Dec 2018 24:00:00 +0000', '2019-01-01T00:00:00.000Z'],
  ['2018-12-07T06:00:28.027Z', '2018-12-07T06:00:28.027Z'],
  ['2003-12-31T10:14:55-08:00', '2003-12-31T18:14:55.000Z'],
  ['2003-12-31T10:14:55', '2003-12-31T10:14:55.000Z'], // no zone → UTC
  ['2003-12-31 10:14', '2003-12-31T10:14:00.000Z'],
  ['2003-12-31', '2003-12-31T00:00:00.000Z'],
  ['2003-12', '2003-12-01T00:00:00.000Z'],
  ['20031231T101455Z', '2003-12-31T10:14:55.000Z'],
  ['2023年10月5日', '2023-10-05T00:00:00.000Z'],
  ['2023年10月5日 14:30', '2023-10-05T06:30:00.000Z'], // Chinese date with time is UTC+8
  ['2023-10-05', '2023-10-05T00:00:00.000Z'],
  ['2023/10/05', '2023-10-05T00:00:00.000Z'],
  ['Donnerstag, 5. Oktober 2023 10:00 MESZ', '2023-10-05T08:00:00.000Z'],
  ['Do, 05 Okt 2023 10:00:00 +0200', '2023-10-05T08:00:00.000Z'],
  ['Mi, 1. März 2023', '2023-03-01T00:00:00.000Z'],
  ['jeudi 5 octobre 2023', '2023-10-05T00:00:00.000Z'],
  ['lun., 18 déc. 2023 09:15:00 +0100', '2023-12-18T08:15:00.000Z'],
  ['1er février 2024', '2024-02-01T00:00:00.000Z'],
  ['Nov. 16, 2025', '2025-11-16T00:00:00.000Z'],
  ['November 16, 2025 3:05 pm', '2025-11-16T15:05:00.000Z'],
  ['Thu, 01 Jan 1970 00:00:00 GMT', '1970-01-01T00:00:00.000Z'],
  ['2099-01-01T00:00:00Z', '2099-01-01T00:00:00.000Z'],
  ['2004-02-29 12:00', '2004-02-29T12:00:00.000Z'],
  ['', null],
  ['   ', null],
  ['0000-00-00', null],
  ['2003-02-30', null],
  ['Feb 30 2020', null],
  ['garbage', null],
  ['1', null],
  ['Mon, 4 May 2026 25:00:00 GMT', null],
  ['Mon, 4 May 2026 00:30:00 XYZT', null],
];

describe('parseDate (T-P5 matrix)', () => {
  it.each(MATRIX)('%j → %s', (input, expected) => {
    expect(parseDate(input)).toBe(expected);
  });

  it('returns null for non-strings', () => {
    expect(parseDate(undefined)).toBeNull();
    expect(parseDate(42)).toBeNull();
    expect(parseDate({ toString: () => '2020-01-01' })).toBeNull();
  });

  it('reads epoch milliseconds', () => {
    expect(parseEpochMs(1528777359870)).toBe('2018-06-12T04:22:39.870Z');
    expect(parseEpochMs(Number.NaN)).toBeNull();
    expect(parseEpochMs('1528777359870')).toBeNull();
  });

  it('never throws and returns null or a valid ISO string (property, fixed seed)', () => {
    const dateish = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc
        .tuple(
          fc.constantFrom('Mon, ', '', 'Donnerstag, ', 'jeudi '),
          fc.integer({ min: -5, max: 40 }),
          fc.constantFrom(' Jan ', ' Okt ', ' février ', ' Foo '),
          fc.integer({ min: -1, max: 12000 }),
          fc.constantFrom(' 24:00:00', ' 12:61', ' 00:00:00', ''),
          fc.constantFrom(' GMT', ' EDT', ' +0530', ' GMT+8', ' +99', ''),
        )
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(dateish, (s) => {
        const out = parseDate(s);
        return out === null || (typeof out === 'string' && !Number.isNaN(Date.parse(out)));
      }),
      { seed: 20261123, numRuns: 2000 },
    );
  });
});
