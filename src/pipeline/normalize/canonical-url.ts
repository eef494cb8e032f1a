/**
 * Canonical URLs for identity and display: the same article reached through a feed's tracking link, an
 * http/https twin or a fragment must compare equal. Rules, in order:
 * 1. decode HTML entities left in the URL (`&amp;` and the double-escaped `&amp;amp;` of USGS's feed);
 * 2. resolve against the base, keep http(s) only;
 * 3. lower-case the host, drop default ports, user info and the fragment;
 * 4. drop tracking parameters (table below), keep the others in their order.
 */

/** Tracking parameters removed from every URL; prefixes end with `_`. Sources: Miniflux urlcleaner, ClearURLs. */
const TRACKING_PREFIXES = ['utm_', 'mtm_', 'pk_', 'hsa_', 'stm_'];
const TRACKING_PARAMS = new Set([
  'fbclid',
  'gclid',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'yclid',
  'twclid',
  'igshid',
  'mc_cid',
  'mc_eid',
  '_ga',
  '_gl',
  '_hsenc',
  '_hsmi',
  'mkt_tok',
  'oly_anon_id',
  'oly_enc_id',
  'vero_id',
  'rb_clickid',
  's_cid',
  'ncid',
  'sr_share',
  'at_medium',
  'at_campaign',
  'wt.mc_id',
  'cmpid',
  'feature',
  'ref_src',
]);

function decodeUrlEntities(raw: string): string {
  let s = raw.trim();
  // `&amp;amp;` → `&amp;` → `&`: decode until stable, at most a few rounds.
  for (let i = 0; i < 4 && /&(amp|#38|#x26);/i.test(s); i++) s = s.replace(/&(amp|#38|#x26);/gi, '&');
  return s;
}

function isTracking(name: string): boolean {
  const n = name.toLowerCase();
  return TRACKING_PARAMS.has(n) || TRACKING_PREFIXES.some((p) => n.startsWith(p));
}

/**
 * Returns the canonical form of `raw` (resolved against `base`), or null when it is not an http(s) URL.
 * Idempotent: canonicalUrl(canonicalUrl(x)) === canonicalUrl(x).
 */
export function canonicalUrl(raw: string | null | undefined, base?: string | null): string | null {
  if (!raw) return null;
  const cleaned = decodeUrlEntities(raw).replace(/[\s\u0000-\u001f]+/g, '');
  if (!cleaned) return null;
  let url: URL;
  try {
    url = base ? new URL(cleaned, base) : new URL(cleaned);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.username = '';
  url.password = '';
  url.hash = '';
  url.hostname = url.hostname.toLowerCase().replace(/\.$/, '');
  const kept = [...url.searchParams].filter(([name]) => !isTracking(name));
  if (kept.length !== [...url.searchParams].length) {
    url.search = kept.length ? new URLSearchParams(kept).toString() : '';
  }
  return url.toString();
}

/**
 * The identity form of a URL: canonical, scheme-less and without a trailing slash, so that http/https twins
 * and `/path` vs `/path/` compare equal. Not for display.
 */
export function urlKey(raw: string | null | undefined, base?: string | null): string | null {
  const canonical = canonicalUrl(raw, base);
  if (!canonical) return null;
  const u = new URL(canonical);
  const host = u.hostname.replace(/^www\./, '');
  const path = u.pathname.replace(/\/+$/, '') || '/';
  return `${host}${u.port ? `:${u.port}` : ''}${path}${u.search}`;
}
