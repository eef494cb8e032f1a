/** Calendar arithmetic in an IANA time zone with Intl only (no dependency, DST-correct to the minute). */

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is a time zone Intl knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock parts of an instant in a time zone. */
export function zonedParts(epochMs: number, timeZone: string): ZonedParts {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(epochMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
  };
}

/** The instant (epoch ms) when the wall clock in `timeZone` shows the given date and hour. */
export function zonedTime(year: number, month: number, day: number, hour: number, timeZone: string): number {
  const wanted = Date.UTC(year, month - 1, day, hour);
  let t = wanted;
  for (let i = 0; i < 3; i++) {
    const p = zonedParts(t, timeZone);
    const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
    if (shown === wanted) break;
    t += wanted - shown;
  }
  return t;
}

/** `YYYY-MM-DD` of an instant in a time zone. */
export function zonedDate(epochMs: number, timeZone: string): string {
  const p = zonedParts(epochMs, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** Parses `YYYY-MM-DD` strictly (a real calendar day) or returns null. */
export function parseDay(s: string): { year: number; month: number; day: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return { year, month, day };
}

/** Adds days to a `YYYY-MM-DD` day. */
export function addDays(day: { year: number; month: number; day: number }, n: number) {
  const d = new Date(Date.UTC(day.year, day.month - 1, day.day + n));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The digest day whose window [D−1 cutoff, D cutoff) closed most recently at `epochMs` in `timeZone`: the
 * zoned date of the instant `cutoffHour` hours earlier (a 07:30 run makes the day that ended at 07:00).
 */
export function digestDateAt(epochMs: number, timeZone: string, cutoffHour: number): string {
  const p = zonedParts(epochMs, timeZone);
  const local = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - cutoffHour * 3_600_000;
  return new Date(local).toISOString().slice(0, 10);
}
