/**
 * The Content-Security-Policy of every page (RELIABILITY.md O1–O3): nothing is allowed by default; scripts
 * only with the response's nonce (and the modules those scripts import: 'strict-dynamic'), styles and images
 * from the server itself, fetch/EventSource to the server itself, no plugins, frames, base or foreign form
 * targets. Trusted Types with no policy make `innerHTML`-style sinks throw, so a mistake in a page script
 * cannot turn feed text into markup either.
 */
import { randomBytes } from 'node:crypto';

/** A fresh nonce per response: 16 bytes from the CSPRNG, base64. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/** The policy of a page served with `nonce`. */
export function pageCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' 'strict-dynamic'`,
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
}

/** The headers every page response carries besides its CSP. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};
