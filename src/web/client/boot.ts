/**
 * What every page's module starts from: the boot block the server put in the page (language, catalogue,
 * holder, CSRF token, page data), `t()` over the catalogue, and the top bar's language switch and sign-out.
 */

export type Lang = 'zh' | 'en';
export type Role = 'viewer' | 'editor' | 'admin';

export interface Boot {
  lang: Lang;
  page: string;
  user: { name: string; role: Role } | null;
  csrf: string | null;
  messages: Record<string, string>;
  data: Record<string, unknown>;
}

const block = document.getElementById('gi-boot');
export const boot: Boot = JSON.parse(block?.textContent ?? '{}') as Boot;

/** A message of the page's catalogue with `{name}` filled; the key itself when missing (a test finds those). */
export function t(key: string, vars: Readonly<Record<string, string | number>> = {}): string {
  const template = boot.messages[key];
  if (template === undefined) return key;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** The page data the server passed, by key. */
export function data<T>(key: string): T {
  return boot.data[key] as T;
}

const RANK: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };

/** Whether the signed-in holder has at least `role`. */
export function can(role: Role): boolean {
  return boot.user !== null && RANK[boot.user.role] >= RANK[role];
}

/** Stores the interface language (read by the server on the next page) and reloads the page in it. */
export function switchLang(lang: Lang): void {
  // biome-ignore lint/suspicious/noDocumentCookie: one fixed-form value; the server reads it to render the page
  document.cookie = `gi_lang=${lang}; path=/; max-age=31536000; samesite=strict`;
  location.reload();
}

function wireTopBar(): void {
  const langButton = document.getElementById('gi-lang');
  langButton?.addEventListener('click', () => switchLang(langButton.dataset.lang === 'en' ? 'en' : 'zh'));
  document.getElementById('gi-logout')?.addEventListener('click', () => {
    const headers: Record<string, string> = boot.csrf ? { 'x-csrf-token': boot.csrf } : {};
    fetch('/v1/session', { method: 'DELETE', headers, credentials: 'same-origin' })
      .catch(() => undefined)
      .finally(() => location.assign('/login'));
  });
}

wireTopBar();
