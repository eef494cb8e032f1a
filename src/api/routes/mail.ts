/**
 * Unsubscribe links of the e-mailed digest (public: the signed link is the credential).
 * `GET /v1/unsubscribe?list&email&sig` answers a small page with a confirm button (link scanners that follow
 * every URL in a mail unsubscribe no one); `POST` with the same query unsubscribes — the button, and mail
 * clients' one-click (RFC 8058 `List-Unsubscribe=One-Click` body).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { GeoError } from '../../errors.js';
import { escapeHtml } from '../../pipeline/digest/render-html.js';
import { unsubscribeSignature } from '../../pipeline/mail/compose.js';
import { createRedisMailStore } from '../../store/mail.js';
import type { ApiContext } from '../context.js';
import { withRedis } from '../errors.js';
import { errors } from '../schemas.js';

interface UnsubscribeQuery {
  list: string;
  email: string;
  sig: string;
}

const QUERY = {
  type: 'object',
  properties: {
    list: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,39}$' },
    email: { type: 'string', minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' },
    sig: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' },
  },
  required: ['list', 'email', 'sig'],
  additionalProperties: false,
} as const;

const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}</style></head><body>${body}</body></html>`;
}

export function mailRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const store = createRedisMailStore({ redis: ctx.redis, prefix: ctx.keys.prefix });
  const verify = async (q: UnsubscribeQuery) => {
    const secret = await withRedis(() => store.secret());
    const want = Buffer.from(unsubscribeSignature(secret, q.list, q.email));
    const got = Buffer.from(q.sig);
    if (want.length !== got.length || !timingSafeEqual(want, got))
      throw new GeoError('FORBIDDEN', 'this unsubscribe link is not valid');
  };

  app.register(async (scope) => {
    // One-click unsubscribe posts `List-Unsubscribe=One-Click` as a form; the body carries nothing we need.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 1024 },
      (_r, _b, done) => done(null, {}),
    );

    scope.get<{ Querystring: UnsubscribeQuery }>(
      '/v1/unsubscribe',
      {
        config: { role: 'public' },
        schema: {
          tags: ['mail'],
          summary: 'The page behind a digest mail’s unsubscribe link: a confirm button (signed link)',
          querystring: QUERY,
          produces: ['text/html'],
          response: { 200: { type: 'string' }, ...errors(400, 403, 503) },
        },
      },
      async (request, reply) => {
        await verify(request.query);
        const q = request.query;
        const action = `/v1/unsubscribe?${new URLSearchParams({ list: q.list, email: q.email, sig: q.sig })}`;
        reply
          .header('content-type', 'text/html; charset=utf-8')
          .header('content-security-policy', PAGE_CSP)
          .header('cache-control', 'no-store');
        return page(
          '退订 / Unsubscribe',
          `<p>${escapeHtml(q.email)}</p><p>退订邮件列表「${escapeHtml(q.list)}」/ Unsubscribe from the list "${escapeHtml(q.list)}"?</p>` +
            `<form method="post" action="${escapeHtml(action)}"><button type="submit">退订 / Unsubscribe</button></form>`,
        );
      },
    );

    scope.post<{ Querystring: UnsubscribeQuery }>(
      '/v1/unsubscribe',
      {
        config: { role: 'public' },
        schema: {
          tags: ['mail'],
          summary:
            'Unsubscribes the address of a signed link from its list (the confirm button; RFC 8058 one-click)',
          querystring: QUERY,
          response: {
            200: {
              type: 'object',
              properties: { list: { type: 'string' }, unsubscribed: { type: 'boolean' } },
              required: ['list', 'unsubscribed'],
            },
            ...errors(400, 403, 503),
          },
        },
      },
      async (request) => {
        await verify(request.query);
        const { list, email } = request.query;
        const fresh = await withRedis(() => store.unsubscribe(list, email));
        request.log.info({ list, fresh }, 'unsubscribed');
        return { list, unsubscribed: true };
      },
    );
  });
}
