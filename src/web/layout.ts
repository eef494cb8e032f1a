/**
 * The shell every page shares: head (CSP-nonced module script, stylesheet, the boot data block), the top bar
 * (navigation by role, who is signed in, the language switch, sign-out) and the page's main element. Built
 * with the escaping `html` template; the only data in it is the holder's name and the catalogue.
 */
import type { TokenRole } from '../store/tokens.js';
import { html, jsonForScript, SafeHtml } from './html.js';
import { type Lang, MESSAGES, type MessageKey, message } from './messages.js';

export type PageId = 'login' | 'dashboard' | 'editor' | 'digest' | 'sources' | 'forbidden';

export interface PageUser {
  name: string;
  role: TokenRole;
}

export interface ShellOptions {
  lang: Lang;
  nonce: string;
  page: PageId;
  /** The page's title, already in `lang`. */
  title: string;
  user: PageUser | null;
  /** The session's CSRF token (state-changing API calls send it); null for bearer requests and the login page. */
  csrf: string | null;
  /** URL of the page's client module (`shell.js` for a page that only needs the top bar wired). */
  script: string;
  stylesheet: string;
  main: SafeHtml;
  /** Whatever the page's script needs besides the catalogue (topics, today's date…). */
  data?: Record<string, unknown>;
}

const RANK: Record<TokenRole, number> = { viewer: 1, editor: 2, admin: 3 };

/** The top bar's links: what the holder's role may open. */
const NAV: ReadonlyArray<{
  page: PageId | 'queues' | 'docs';
  href: string;
  key: MessageKey;
  role: TokenRole;
}> = [
  { page: 'dashboard', href: '/dashboard', key: 'nav.dashboard', role: 'viewer' },
  { page: 'editor', href: '/editor', key: 'nav.editor', role: 'editor' },
  { page: 'digest', href: '/digest', key: 'nav.digest', role: 'editor' },
  { page: 'sources', href: '/sources', key: 'nav.sources', role: 'viewer' },
  { page: 'queues', href: '/admin/queues', key: 'nav.queues', role: 'admin' },
  { page: 'docs', href: '/docs', key: 'nav.docs', role: 'viewer' },
];

function topBar(o: ShellOptions): SafeHtml {
  const t = (key: MessageKey, vars?: Record<string, string>) => message(o.lang, key, vars);
  const links = o.user
    ? NAV.filter((n) => RANK[o.user!.role] >= RANK[n.role]).map(
        (n) =>
          html`<a href="${n.href}"${n.page === o.page ? new SafeHtml(' aria-current="page"') : ''}>${t(n.key)}</a>`,
      )
    : [];
  const who = o.user
    ? html`<span class="who" data-d>${o.user.name}</span><span class="role">${t(`role.${o.user.role}`)}</span>
<button type="button" id="gi-logout" class="link">${t('nav.logout')}</button>`
    : '';
  return html`<header class="top">
<a class="brand" href="/dashboard">${t('app.name')}</a>
<nav aria-label="${t('app.tagline')}">${links}</nav>
<div class="session">${who}
<button type="button" id="gi-lang" class="link" data-lang="${o.lang === 'zh' ? 'en' : 'zh'}" title="${t('lang.switchTitle')}">${t('lang.switch')}</button>
</div>
</header>`;
}

/** The whole page. */
export function renderShell(o: ShellOptions): string {
  const boot = {
    lang: o.lang,
    page: o.page,
    user: o.user,
    csrf: o.csrf,
    messages: MESSAGES[o.lang],
    data: o.data ?? {},
  };
  const page = html`<!doctype html>
<html lang="${o.lang === 'zh' ? 'zh-CN' : 'en'}" data-page="${o.page}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${o.title} · ${message(o.lang, 'app.name')}</title>
<link rel="stylesheet" href="${o.stylesheet}">
<script type="application/json" id="gi-boot">${new SafeHtml(jsonForScript(boot))}</script>
<script type="module" nonce="${o.nonce}" src="${o.script}"></script>
</head>
<body>
${topBar(o)}
<main id="main">
${o.main}
</main>
</body>
</html>
`;
  return page.value;
}
