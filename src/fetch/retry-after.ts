/** Upper bound for a server-requested delay: 6 hours. A larger value is clamped, not ignored. */
export const MAX_RETRY_AFTER_MS = 6 * 60 * 60 * 1000;

/**
 * Parses a `Retry-After` header: delta-seconds (`7`) or an HTTP-date (`Wed, 21 Oct 2026 07:28:00 GMT`).
 * Returns milliseconds from `now`, clamped to [0, {@link MAX_RETRY_AFTER_MS}], or undefined when absent or
 * unreadable (the caller then falls back to ordinary backoff).
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
  max: number = MAX_RETRY_AFTER_MS,
): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  let ms: number;
  if (/^\d+$/.test(raw)) ms = Number(raw) * 1000;
  else {
    // Only date-looking values: Date.parse accepts far too much ("1", "May").
    if (!/\d{1,2}[ -][A-Za-z]{3}[ -]\d{2,4} \d{2}:\d{2}:\d{2}/.test(raw)) return undefined;
    const at = Date.parse(raw);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, Math.round(ms)), max);
}
