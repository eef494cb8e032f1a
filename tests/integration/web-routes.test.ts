/**
 * The pages' routes on the real API (real Redis, own prefix), without a browser: every page and @bull-board
 * route × {nobody, viewer, editor, admin} as a script sees them (the API's JSON 401/403) and as a browser
 * does (303 to the login page, an HTML 403 page), the CSP and its per-response nonce, the page routes in the
 * OpenAPI document, the assets' ETags, and the interface language from the cookie or Accept-Language.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULL_BOARD_PATH } from '../../src/web/index.js';
import { MESSAGES } from '../../src/web/messages.js';
import { startWebStack, type WebStack } from '../helpers/web.js';

let stack: WebStack;
const RANK = { public: 0, viewer: 1, editor: 2, admin: 3 } as const;
const PAGE_PREFIXES = ['/login', '/dashboard', '/editor', '/digest', '/sources', '/web/', BULL_BOARD_PATH];

beforeAll(async () => {
  stack = await startWebStack({ intake: false });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const auth = (who: 'viewer' | 'editor' | 'admin' | undefined): Record<string, string> =>
  who ? { authorization: `Bearer ${stack.token[who]}` } : {};
const webRoutes = () =>
  stack.app.routeTable.filter((r) => r.url === '/' || PAGE_PREFIXES.some((p) => r.url.startsWith(p)));
const concrete = (url: string) =>
  url
    .replace(/:(\w+)/g, 'x')
    .replace('*', 'index.html')
    .replace('/web/assets/x', '/web/assets/app.css');

describe('roles of the page routes', () => {
  it('every page and @bull-board route × {nobody, viewer, editor, admin}: JSON 401/403 as the API answers', async () => {
    const routes = webRoutes();
    expect(routes.filter((r) => r.url.startsWith(BULL_BOARD_PATH)).length).toBeGreaterThan(10);
    for (const url of [
      '/',
      '/login',
      '/dashboard',
      '/editor',
      '/digest',
      '/sources',
      '/web/assets/:name',
      BULL_BOARD_PATH,
    ])
      expect(routes.map((r) => r.url)).toContain(url);
    for (const route of routes) {
      expect(route.role, route.url).toBe(
        route.url.startsWith(BULL_BOARD_PATH)
          ? 'admin'
          : ['/', '/login', '/web/assets/:name'].includes(route.url)
            ? 'public'
            : route.url.startsWith('/editor') || route.url.startsWith('/digest')
              ? 'editor'
              : 'viewer',
      );
      for (const who of [undefined, 'viewer', 'editor', 'admin'] as const) {
        const res = await stack.app.inject({
          method: route.method as 'GET',
          url: concrete(route.url),
          headers: auth(who),
          ...(route.method === 'POST' ? { payload: {} } : {}),
        });
        const label = `${route.method} ${route.url} as ${who ?? 'nobody'}: ${res.statusCode} ${res.body.slice(0, 160)}`;
        expect(res.statusCode, label).toBeLessThan(500);
        const allowed = route.role === 'public' || (who !== undefined && RANK[who] >= RANK[route.role]);
        if (allowed) expect([401, 403], label).not.toContain(res.statusCode);
        else {
          expect(res.statusCode, label).toBe(who === undefined ? 401 : 403);
          // A HEAD answer has no body (@fastify/static's HEAD route of the board).
          if (route.method !== 'HEAD')
            expect(res.json().error.code, label).toBe(who === undefined ? 'UNAUTHORISED' : 'FORBIDDEN');
        }
      }
    }
  });

  it('a browser without a session is redirected to the login page; a role too low gets an HTML page', async () => {
    const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    const away = await stack.app.inject({ url: '/editor?topic=marine', headers: html });
    expect(away.statusCode).toBe(303);
    expect(away.headers.location).toBe('/login?next=%2Feditor%3Ftopic%3Dmarine');
    expect(away.body).toBe('');
    const board = await stack.app.inject({ url: `${BULL_BOARD_PATH}/`, headers: html });
    expect(board.statusCode).toBe(303);
    const low = await stack.app.inject({ url: '/digest', headers: { ...html, ...auth('viewer') } });
    expect(low.statusCode).toBe(403);
    expect(low.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(low.headers['content-security-policy']).toMatch(/^default-src 'none'/);
    expect(low.body).toContain(MESSAGES.zh['error.forbiddenTitle']);
    const boardLow = await stack.app.inject({
      url: BULL_BOARD_PATH,
      headers: { ...html, ...auth('editor') },
    });
    expect(boardLow.statusCode).toBe(403);
    expect(boardLow.headers['content-type']).toBe('text/html; charset=utf-8');
    const bad = await stack.app.inject({
      url: '/dashboard?topic=nope',
      headers: { ...html, ...auth('viewer') },
    });
    expect(bad.statusCode).toBe(404);
    expect(bad.headers['content-type']).toBe('text/html; charset=utf-8');
    const admin = await stack.app.inject({ url: BULL_BOARD_PATH, headers: { ...html, ...auth('admin') } });
    expect(admin.statusCode).toBe(200);
    expect(admin.body).toContain('geointel');
  });
});

describe('page responses', () => {
  it('carry a CSP whose nonce is fresh per response and is the one on the page scripts', async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await stack.app.inject({ url: '/dashboard', headers: auth('viewer') });
      expect(res.statusCode).toBe(200);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("require-trusted-types-for 'script'");
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      nonces.add(nonce!);
      const tags = [...res.body.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      expect(tags).toHaveLength(2);
      expect(tags[0]).toBe('<script type="application/json" id="gi-boot">');
      expect(tags[1]).toContain(`nonce="${nonce}"`);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
    expect(nonces.size).toBe(3);
  });

  it('are in the OpenAPI document with their role; @bull-board stays out of it', async () => {
    const doc = (await stack.app.inject({ url: '/docs/json' })).json();
    await SwaggerParser.validate(structuredClone(doc));
    const security = doc.paths['/v1/records'].get.security;
    expect(security.length).toBeGreaterThan(0);
    for (const path of ['/dashboard', '/editor', '/digest', '/sources']) {
      expect(doc.paths[path]?.get?.tags, path).toEqual(['pages']);
      expect(doc.paths[path]?.get?.security, path).toEqual(security);
    }
    expect(doc.paths['/login']?.get?.security).toBeUndefined();
    expect(Object.keys(doc.paths).filter((p) => p.startsWith(BULL_BOARD_PATH))).toEqual([]);
  });

  it('assets: the built browser modules and the stylesheet, with ETags; nothing else', async () => {
    const page = await stack.app.inject({ url: '/login' });
    const srcs = [...page.body.matchAll(/(?:src|href)="(\/web\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(srcs.map((s) => s.split('?')[0])).toEqual(['/web/assets/app.css', '/web/assets/login.js']);
    for (const src of srcs) {
      const res = await stack.app.inject({ url: src });
      expect(res.statusCode, src).toBe(200);
      expect(res.headers['content-type'], src).toMatch(/^text\/(css|javascript); charset=utf-8$/);
      expect(src).toContain(`?v=${String(res.headers.etag).slice(1, -1)}`);
      const again = await stack.app.inject({
        url: src,
        headers: { 'if-none-match': String(res.headers.etag) },
      });
      expect(again.statusCode).toBe(304);
    }
    expect((await stack.app.inject({ url: '/web/assets/nope.js' })).statusCode).toBe(404);
    expect((await stack.app.inject({ url: '/web/assets/..%2Fpackage.json' })).statusCode).toBe(400);
  });

  it('speak the language of the gi_lang cookie, else of Accept-Language, else Chinese', async () => {
    const lang = async (headers: Record<string, string>) =>
      /<html lang="([^"]+)"/.exec((await stack.app.inject({ url: '/login', headers })).body)?.[1];
    expect(await lang({})).toBe('zh-CN');
    expect(await lang({ 'accept-language': 'en-GB,en;q=0.9' })).toBe('en');
    expect(await lang({ 'accept-language': 'fr-FR,zh;q=0.5' })).toBe('zh-CN');
    expect(await lang({ 'accept-language': 'en', cookie: 'gi_lang=zh' })).toBe('zh-CN');
    expect(await lang({ cookie: 'other=1; gi_lang=en' })).toBe('en');
    expect(await lang({ cookie: 'gi_lang=<script>' })).toBe('zh-CN');
    const en = await stack.app.inject({ url: '/login', headers: { cookie: 'gi_lang=en' } });
    expect(en.body).toContain(`<title>${MESSAGES.en['login.title']} · ${MESSAGES.en['app.name']}</title>`);
  });
});
