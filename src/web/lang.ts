/**
 * The interface language of a request: the `gi_lang` cookie the language switch sets (client/boot.ts), else
 * the first of Accept-Language that the catalogue has, else Chinese (the bulletin's own language).
 */
import { isLang, type Lang } from './messages.js';

export const LANG_COOKIE = 'gi_lang';

export function requestLang(headers: {
  cookie?: string | undefined;
  'accept-language'?: string | undefined;
}): Lang {
  for (const part of (headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === LANG_COOKIE) {
      const v = part.slice(eq + 1).trim();
      if (isLang(v)) return v;
    }
  }
  for (const tag of (headers['accept-language'] ?? '').split(',')) {
    const primary = tag.trim().split(/[-;]/)[0]?.toLowerCase();
    if (isLang(primary)) return primary;
  }
  return 'zh';
}
