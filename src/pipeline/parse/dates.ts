/**
 * Date parsing for feeds: any date string → ISO-8601 UTC or null. Never throws and never consults the
 * clock (the stage is pure; clamping future dates is the normaliser's job).
 *
 * Accepted: ISO-8601 / W3C-DTF (with or without zone, basic or extended), RFC 822/2822 with US and common
 * zone names, numeric zones, `GMT+8`, 2-digit years (00–49 → 20xx), `24:00:00`, English, German and French
 * day and month names, `Nov. 16, 2025`, `2023/10/05`, and Chinese `2023年10月5日 [14:30]`.
 * Without a zone a time is read as UTC, except Chinese dates with a time, which are read as UTC+8.
 */
import { cleanText } from './text.js';

const ZONES: Record<string, number> = {
  z: 0, ut: 0, utc: 0, gmt: 0, wet: 0, est: -5, edt: -4, cst: -6, cdt: -5, mst: -7, mdt: -6, pst: -8,
  pdt: -7, akst: -9, akdt: -8, hst: -10, hast: -10, hadt: -9, ast: -4, adt: -3, nst: -3.5, ndt: -2.5,
  cet: 1, cest: 2, mez: 1, mesz: 2, eet: 2, eest: 3, west: 1, bst: 1, ist: 5.5, msk: 3, pkt: 5, wib: 7,
  hkt: 8, sgt: 8, awst: 8, jst: 9, kst: 9, acst: 9.5, aest: 10, aedt: 11, nzst: 12, nzdt: 13,
}; // biome-ignore format: table

const MONTHS: Record<string, number> = {};
const MONTH_NAMES: [number, string[]][] = [
  [1, ['jan', 'january', 'januar', 'jänner', 'janvier', 'janv']],
  [2, ['feb', 'february', 'februar', 'février', 'fevrier', 'févr', 'fevr', 'fév']],
  [3, ['mar', 'march', 'märz', 'maerz', 'mär', 'mars']],
  [4, ['apr', 'april', 'avril', 'avr']],
  [5, ['may', 'mai']],
  [6, ['jun', 'june', 'juni', 'juin']],
  [7, ['jul', 'july', 'juli', 'juillet', 'juil']],
  [8, ['aug', 'august', 'août', 'aout']],
  [9, ['sep', 'sept', 'september', 'septembre']],
  [10, ['oct', 'october', 'okt', 'oktober', 'octobre']],
  [11, ['nov', 'november', 'novembre']],
  [12, ['dec', 'december', 'dez', 'dezember', 'déc', 'décembre', 'decembre']],
];
for (const [n, names] of MONTH_NAMES) for (const name of names) MONTHS[name] = n;

const DAY_NAMES = new Set(
  (
    'mon monday tue tues tuesday wed wednesday thu thur thurs thursday fri friday sat saturday sun sunday ' +
    'mo montag di dienstag mi mittwoch do donnerstag fr freitag sa samstag sonnabend so sonntag ' +
    'lun lundi mar mardi mer mercredi jeu jeudi ven vendredi sam samedi dim dimanche'
  ).split(' '),
);
const FILLER = new Set(['de', 'à', 'a', 'um', 'at', 'le', 'den', 'the', 'of', 'on', 'uhr']);

/** Builds an ISO string from calendar fields in a zone (hours offset); null when any field is out of range. */
export function isoFromParts(
  y: number,
  mo: number,
  d: number,
  h = 0,
  mi = 0,
  s = 0,
  offsetMinutes = 0,
): string | null {
  if (![y, mo, d, h, mi, s, offsetMinutes].every(Number.isFinite)) return null;
  if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  if (h > 24 || mi > 59 || s > 60 || (h === 24 && (mi > 0 || s > 0))) return null;
  const date = new Date(Date.UTC(2000, 0, 1));
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCMonth() !== mo - 1) return null;
  date.setTime(date.getTime() + ((h * 60 + mi - offsetMinutes) * 60 + Math.min(s, 59)) * 1000);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function zoneMinutes(z: string | undefined): number | null {
  if (!z) return 0;
  const t = z.toLowerCase();
  if (Object.hasOwn(ZONES, t)) return (ZONES[t] ?? 0) * 60;
  const m = /^(?:gmt|utc|ut)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(t);
  if (!m) return null;
  const sign = m[1] === '-' ? -1 : 1;
  const hours = Number(m[2]);
  const mins = Number(m[3] ?? 0);
  if (hours > 14 || mins > 59) return null;
  return sign * (hours * 60 + mins);
}

const ISO =
  /^(\d{4})(?:-?(\d{2})(?:-?(\d{2})(?:[t ](\d{2}):?(\d{2})(?::?(\d{2})([.,]\d+)?)?)?)?)?\s*(z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?$/;

function parseIso(s: string): string | null | undefined {
  const m = ISO.exec(s);
  if (!m) return undefined;
  const off = zoneMinutes(m[8]);
  if (off === null) return null;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => Number(v ?? 0));
  const iso = isoFromParts(y!, mo || 1, d || 1, h, mi, sec, off);
  const frac = m[7] ? Math.floor(Number(`0.${m[7].slice(1)}`) * 1000) : 0;
  return iso && frac > 0 ? new Date(Date.parse(iso) + frac).toISOString() : iso;
}

const CHINESE =
  /^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?(?:\s*(?:星期|周|週)[一二三四五六日天])?(?:\s*(\d{1,2})\s*[:：时時点]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?\s*秒?)?$/;
const SLASHED =
  /^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:[ t](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*(z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?$/;

function parseNumeric(s: string): string | null | undefined {
  const c = CHINESE.exec(s);
  if (c) {
    const [y, mo, d, h, mi, sec] = c.slice(1, 7).map((v) => Number(v ?? 0));
    return isoFromParts(y!, mo!, d!, h, mi, sec, c[4] === undefined ? 0 : 480);
  }
  const m = SLASHED.exec(s);
  if (!m) return undefined;
  const off = zoneMinutes(m[7]);
  if (off === null) return null;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map((v) => Number(v ?? 0));
  return isoFromParts(y!, mo!, d!, h, mi, sec, off);
}

/** RFC 822 and friends: classify tokens, then assemble. */
function parseWords(s: string): string | null {
  const tokens = s
    .replace(/(\d)(st|nd|rd|th|er)\b/g, '$1')
    .replace(/([0-9])([+-]\d{2}:?\d{2})$/, '$1 $2')
    .replace(/(\d{1,2}:\d{2}(?::\d{2})?)(z)$/, '$1 $2')
    .split(/[\s,]+/)
    .filter(Boolean);
  const nums: number[] = [];
  let year: number | undefined;
  let month: number | undefined;
  let time: [number, number, number] | undefined;
  let offset = 0;
  let meridian: 'am' | 'pm' | undefined;
  for (const raw of tokens) {
    const tok = raw.replace(/\.$/, '');
    const m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(tok) ?? /^(\d{1,2})h(\d{2})$/.exec(tok);
    if (m) {
      time = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
    } else if (/^\d{4}$/.test(tok) && year === undefined) year = Number(tok);
    else if (/^\d{1,2}$/.test(tok)) nums.push(Number(tok));
    else if (Object.hasOwn(MONTHS, tok) && month === undefined) month = MONTHS[tok];
    else if (DAY_NAMES.has(tok) || FILLER.has(tok)) continue;
    else if (tok === 'am' || tok === 'pm') meridian = tok;
    else {
      const z = zoneMinutes(tok);
      if (z === null) return null;
      offset = z;
    }
  }
  if (month === undefined) return null;
  const day = nums[0];
  if (year === undefined) {
    const yy = nums[1];
    if (yy === undefined) return null;
    year = yy < 50 ? 2000 + yy : 1900 + yy;
  } else if (nums.length > 1) return null;
  if (day === undefined) return null;
  let [h, mi, sec] = time ?? [0, 0, 0];
  if (meridian === 'pm' && h < 12) h += 12;
  if (meridian === 'am' && h === 12) h = 0;
  return isoFromParts(year, month, day, h, mi, sec, offset);
}

/**
 * Parses a date string to ISO-8601 UTC (`2026-05-04T04:30:00.000Z`); null when empty or unparseable.
 * Never throws, whatever the input.
 */
export function parseDate(input: unknown): string | null {
  try {
    if (typeof input !== 'string') return null;
    const s = cleanText(input).toLowerCase();
    if (s.length === 0 || s.length > 200) return null;
    const iso = parseIso(s);
    if (iso !== undefined) return iso;
    const numeric = parseNumeric(s);
    if (numeric !== undefined) return numeric;
    return parseWords(s);
  } catch {
    return null;
  }
}

/** Milliseconds since the epoch (USGS `time`) → ISO-8601 UTC, or null for non-finite or absurd values. */
export function parseEpochMs(input: unknown): string | null {
  if (typeof input !== 'number' || !Number.isFinite(input) || Math.abs(input) > 8.64e15) return null;
  return new Date(input).toISOString();
}

/**
 * Dates no publisher means: the Unix epoch (`1970-01-01`, in any zone, what a missing timestamp of 0
 * becomes), the spreadsheet and COM epochs (`1899-12-30`, `1899-12-31`, `1900-01-01`), the classic Mac epoch
 * (`1904-01-01`), `0001-01-01` (.NET `DateTime.MinValue`), `1601-01-01` (Windows FILETIME) and any year before
 * 1900. A feed entry dated so is undated: the normaliser treats these like other impossible dates.
 */
export function isPlaceholderDate(iso: string | null | undefined): boolean {
  if (!iso) return false;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return false;
  // The epoch written in a local zone lands within ±14 h of 0.
  if (Math.abs(t) <= 14 * 3_600_000) return true;
  const d = new Date(t);
  const y = d.getUTCFullYear();
  if (y < 1900) return true;
  const day = d.toISOString().slice(0, 10);
  return day === '1900-01-01' || day === '1904-01-01';
}
