/**
 * The web pages (docs/pages.md): login, live dashboard, editor queue, digest builder, sources, and
 * @bull-board for admins. Server-rendered shells (layout.ts, pages.ts) with the catalogue of the request's
 * language; each page's browser module (src/web/client) fetches everything else through the API's own routes
 * with the session cookie, so a page can show and do exactly what its holder's token may.
 *
 * Registered by `buildApi` in one plugin scope whose error handler is page-aware: a browser (a GET that
 * accepts text/html) without a session is redirected to `/login?next=…`, one whose role is too low gets a
 * page saying so; every other request gets the API's JSON errors unchanged (the role-matrix test's view).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiContext } from '../api/context.js';
import { toApiError } from '../api/errors.js';
import { COMMON_ERRORS, errors, topicIdSchema } from '../api/schemas.js';
import { GeoError } from '../errors.js';
import { digestDateAt } from '../pipeline/digest/zoned.js';
import { ASSET_NAME, loadAssets, type WebAssets } from './assets.js';
import { BULL_BOARD_PATH, bullBoardPlugin } from './bull-board.js';
import { newNonce, PAGE_HEADERS, pageCsp } from './csp.js';
import type { SafeHtml } from './html.js';
import { requestLang } from './lang.js';
import { type PageId, renderShell } from './layout.js';
import { type Lang, type MessageKey, message } from './messages.js';
import {
  dashboardMain,
  digestMain,
  editorMain,
  errorMain,
  forbiddenMain,
  loginMain,
  pageTopics,
  sourcesMain,
} from './pages.js';
import { tagNames } from './tag-names.js';
import { landPath, MAP_HEIGHT, MAP_WIDTH } from './world-map.js';

export { BULL_BOARD_PATH } from './bull-board.js';

export interface WebOptions {
  /** The browser modules and stylesheet; absent: read from dist/web/client. */
  assets?: WebAssets;
}

const htmlResponse = (description: string) => ({
  200: { description, content: { 'text/html': { schema: { type: 'string' } } } },
  ...errors(...COMMON_ERRORS),
});

const dateSchema = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;

/** Whether a request is a browser navigation (it gets a redirect or an HTML error page, not JSON). */
function wantsPage(request: FastifyRequest): boolean {
  return request.method === 'GET' && /\btext\/html\b/.test(request.headers.accept ?? '');
}

export function webRoutes(app: FastifyInstance, ctx: ApiContext, opts: WebOptions = {}): void {
  const assets = opts.assets ?? loadAssets();
  if (!assets.built) ctx.log.warn('web pages: the browser modules are not built (npm run build)');
  const topicsOf = (lang: Lang) => pageTopics(ctx.runtime.config.topics.topics, lang);
  const { digest } = ctx.runtime.config.app;

  function send(
    request: FastifyRequest,
    reply: FastifyReply,
    page: PageId,
    title: (lang: Lang) => string,
    main: (lang: Lang) => SafeHtml,
    data: (lang: Lang) => Record<string, unknown> = () => ({}),
  ): string {
    const lang = requestLang(request.headers);
    const nonce = newNonce();
    reply.headers(PAGE_HEADERS).header('content-security-policy', pageCsp(nonce));
    const script = page === 'forbidden' ? 'shell.js' : `${page}.js`;
    return renderShell({
      lang,
      nonce,
      page,
      title: title(lang),
      user: request.auth,
      csrf: request.session?.csrfToken ?? null,
      script: assets.url(script),
      stylesheet: assets.url('app.css'),
      main: main(lang),
      data: data(lang),
    });
  }
  const t = (key: MessageKey) => (lang: Lang) => message(lang, key);

  /** Browsers get a redirect to the login page or an HTML page; everyone else the API's JSON error. */
  function pageErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    if (!wantsPage(request)) throw err;
    const e = toApiError(err);
    if (e.code === 'UNAUTHORISED') {
      reply
        .code(303)
        .header('location', `/login?next=${encodeURIComponent(request.url)}`)
        .header('cache-control', 'no-store');
      return reply.send();
    }
    if (e.status >= 500 && e.code === 'INTERNAL') request.log.error({ err }, 'page failed');
    reply.code(e.status);
    if (e.code === 'FORBIDDEN') {
      const needed = request.routeOptions.config.role ?? 'admin';
      return send(request, reply, 'forbidden', t('error.forbiddenTitle'), (lang) =>
        forbiddenMain(
          lang,
          message(lang, `role.${needed === 'public' ? 'viewer' : needed}`),
          request.auth ? message(lang, `role.${request.auth.role}`) : '',
        ),
      );
    }
    return send(
      request,
      reply,
      'forbidden',
      (lang) => message(lang, 'common.error', { message: '' }),
      (lang) => errorMain(lang, e.message),
    );
  }

  app.register(async (scope) => {
    scope.setErrorHandler(pageErrors);

    scope.get(
      '/',
      {
        config: { role: 'public' },
        schema: {
          tags: ['pages'],
          summary: 'Redirects to the dashboard',
          response: { 302: { description: 'to /dashboard', type: 'null' } },
        },
      },
      async (_request, reply) => reply.redirect('/dashboard', 302),
    );

    scope.get(
      '/web/assets/:name',
      {
        config: { role: 'public' },
        schema: {
          tags: ['pages'],
          summary: "The pages' browser modules and stylesheet",
          params: {
            type: 'object',
            properties: { name: { type: 'string', pattern: ASSET_NAME.source } },
            required: ['name'],
          },
          querystring: { type: 'object', properties: { v: { type: 'string', maxLength: 40 } } },
          produces: ['text/javascript', 'text/css'],
          response: {
            200: {
              description: 'The file',
              content: {
                'text/javascript': { schema: { type: 'string' } },
                'text/css': { schema: { type: 'string' } },
              },
            },
            304: { description: 'Not modified', type: 'null' },
            ...errors(400, 404),
          },
        },
      },
      async (request: FastifyRequest<{ Params: { name: string } }>, reply) => {
        const file = assets.get(request.params.name);
        if (!file) throw new GeoError('NOT_FOUND', 'no such asset');
        reply.header('etag', file.etag).header('cache-control', 'no-cache');
        if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
        return reply.type(file.type).send(file.body);
      },
    );

    scope.get(
      '/login',
      {
        config: { role: 'public' },
        schema: {
          tags: ['pages'],
          summary: 'Sign in with an API token (makes a session cookie through POST /v1/session)',
          querystring: { type: 'object', properties: { next: { type: 'string', maxLength: 2000 } } },
          produces: ['text/html'],
          response: htmlResponse('The login page'),
        },
      },
      async (request, reply) => send(request, reply, 'login', t('login.title'), loginMain),
    );

    scope.get<{ Querystring: { topic?: string } }>(
      '/dashboard',
      {
        config: { role: 'viewer' },
        schema: {
          tags: ['pages'],
          summary: 'Live dashboard of all topics or one: records over SSE, the map of located events, counts',
          querystring: { type: 'object', properties: { topic: topicIdSchema }, additionalProperties: false },
          produces: ['text/html'],
          response: htmlResponse('The dashboard'),
        },
      },
      async (request, reply) => {
        const id = request.query.topic ?? null;
        if (id !== null && !topicsOf('en').some((x) => x.id === id))
          throw new GeoError('NOT_FOUND', 'no such topic');
        return send(
          request,
          reply,
          'dashboard',
          (lang) =>
            id
              ? message(lang, 'dash.topicTitle', { topic: topicsOf(lang).find((x) => x.id === id)!.name })
              : message(lang, 'dash.title'),
          (lang) =>
            dashboardMain(lang, topicsOf(lang), topicsOf(lang).find((x) => x.id === id) ?? null, landPath()),
          (lang) => ({
            topic: id ?? 'all',
            topics: topicsOf(lang),
            map: { width: MAP_WIDTH, height: MAP_HEIGHT },
            tagNames: tagNames(ctx.runtime.config.tags, lang),
          }),
        );
      },
    );

    scope.get<{ Querystring: { topic?: string } }>(
      '/editor',
      {
        config: { role: 'editor' },
        schema: {
          tags: ['pages'],
          summary: 'Editor queue of a topic: claim, edit side by side with the source, accept or reject',
          querystring: { type: 'object', properties: { topic: topicIdSchema }, additionalProperties: false },
          produces: ['text/html'],
          response: htmlResponse('The editor queue'),
        },
      },
      async (request, reply) => {
        const topics = topicsOf('en');
        const id = request.query.topic ?? topics[0]!.id;
        if (!topics.some((x) => x.id === id)) throw new GeoError('NOT_FOUND', 'no such topic');
        return send(
          request,
          reply,
          'editor',
          (lang) =>
            message(lang, 'editor.topicTitle', { topic: topicsOf(lang).find((x) => x.id === id)!.name }),
          (lang) => editorMain(lang, topicsOf(lang), topicsOf(lang).find((x) => x.id === id)!),
          (lang) => ({
            topic: id,
            topics: topicsOf(lang),
            tagNames: tagNames(ctx.runtime.config.tags, lang),
          }),
        );
      },
    );

    scope.get<{ Querystring: { date?: string } }>(
      '/digest',
      {
        config: { role: 'editor' },
        schema: {
          tags: ['pages'],
          summary: "Digest builder: a day's edition in bulletin layout, reorder, publish; the archive",
          querystring: { type: 'object', properties: { date: dateSchema }, additionalProperties: false },
          produces: ['text/html'],
          response: htmlResponse('The digest builder'),
        },
      },
      async (request, reply) => {
        // Today's edition: the one whose window closed last (07:00 today), until it is published; then the one
        // whose window is open (the page asks the API which, when no date is given).
        const closed = digestDateAt(ctx.now(), digest.timeZone, digest.cutoffHour);
        const open = new Date(Date.parse(`${closed}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
        const date = request.query.date ?? closed;
        return send(
          request,
          reply,
          'digest',
          t('digest.title'),
          (lang) => digestMain(lang, date),
          (lang) => ({
            date,
            chosen: request.query.date !== undefined,
            next: open,
            topics: topicsOf(lang),
            titles: { zh: digest.titleZh, en: digest.titleEn },
          }),
        );
      },
    );

    scope.get(
      '/sources',
      {
        config: { role: 'viewer' },
        schema: {
          tags: ['pages'],
          summary: 'Sources: health flags, last fetch, new items per week',
          produces: ['text/html'],
          response: htmlResponse('The sources page'),
        },
      },
      async (request, reply) => send(request, reply, 'sources', t('sources.title'), sourcesMain),
    );

    await scope.register(bullBoardPlugin(ctx), { prefix: BULL_BOARD_PATH });
  });
}
