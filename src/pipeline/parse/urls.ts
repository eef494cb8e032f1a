/**
 * URL checks shared by the sanitiser and the feed readers: resolve against a base and allow only
 * http(s) (and mailto in HTML). Obfuscations such as `jav&#x09;ascript:` arrive here already
 * entity-decoded, and tabs/newlines/controls are removed before the scheme is read, as browsers do.
 */

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

/** Returns `base` when it is an absolute http(s) URL, otherwise null. */
export function validBase(base: string | null | undefined): string | null {
  if (!base) return null;
  try {
    const u = new URL(base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** Resolves `ref` against `base` (when given); null when unusable. Does not check the scheme. */
export function resolveUrl(ref: string, base: string | null | undefined): string | null {
  const s = ref
    .replace(/[\t\n\r]/g, '')
    .replace(/^[\u0000-\u0020\u007F-\u009F]+|[\u0000-\u0020\u007F-\u009F]+$/g, '');
  if (s.length === 0 || s.length > 8192) return null;
  if (SCHEME.test(s)) return s;
  const b = validBase(base);
  if (!b) return s;
  try {
    return new URL(s, b).href;
  } catch {
    return null;
  }
}

/**
 * A URL safe to keep: resolved against `base`, with scheme http, https (or mailto when `allowMailto`).
 * Relative references that cannot be resolved (no base) are kept as they are: they carry no scheme.
 */
export function safeUrl(ref: string, base: string | null | undefined, allowMailto = true): string | null {
  const s = resolveUrl(ref, base);
  if (s === null) return null;
  const m = SCHEME.exec(s);
  if (!m) return /^[^\s<>"]*$/.test(s) ? s : null;
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    try {
      new URL(s);
      return s;
    } catch {
      return null;
    }
  }
  return scheme === 'mailto' && allowMailto ? s : null;
}

/** An item or feed link: absolute http(s) after resolution, else null. */
export function safeLink(ref: string | null | undefined, base: string | null | undefined): string | null {
  if (!ref) return null;
  const s = safeUrl(ref, base, false);
  return s !== null && /^https?:/i.test(s) ? s : null;
}
