/**
 * Browser sessions (docs/api.md §Browser sessions): `POST /v1/session` (public) trades a token for the
 * `gi_session` cookie (HttpOnly, SameSite=Strict, Path=/, Max-Age; Secure over TLS or with
 * `http.secureCookies`) and the session's CSRF token; `GET /v1/session` (viewer) says who is signed in and
 * repeats the CSRF token (a page reload lost it); `DELETE /v1/session` (viewer, CSRF-checked like every
 * cookie-authenticated state change) signs out.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GeoError } from '../../errors.js';
import { hashToken, TOKEN_ROLES } from '../../store/tokens.js';
import { type AuthStores, authOf, SESSION_COOKIE, sameOrigin, sessionIdOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { withRedis } from '../errors.js';
import { COMMON_ERRORS, errors } from '../schemas.js';

const sessionSchema = {
  type: 'object',
  description: 'Who is signed in; `csrfToken` goes in `X-CSRF-Token` on POST/PUT/PATCH/DELETE',
  properties: {
    name: { type: 'string', description: 'the token holder (audit trails name it)' },
    role: { type: 'string', enum: [...TOKEN_ROLES] },
    csrfToken: { type: 'string', nullable: true, description: 'null when the request used a bearer token' },
    expiresAt: { type: 'string', format: 'date-time', nullable: true },
  },
  required: ['name', 'role', 'csrfToken', 'expiresAt'],
  additionalProperties: false,
} as const;

/** The `Set-Cookie` value of a session cookie (`maxAgeS` 0 clears it). */
export function sessionCookie(value: string, maxAgeS: number, secure: boolean): string {
  const age = Math.max(0, Math.round(maxAgeS));
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${age}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function sessionRoutes(app: FastifyInstance, ctx: ApiContext, stores: AuthStores): void {
  const secure = (request: FastifyRequest) =>
    request.protocol === 'https' || ctx.runtime.config.app.http.secureCookies;
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

  app.post<{ Body: { token: string } }>(
    '/v1/session',
    {
      config: { role: 'public' },
      schema: {
        tags: ['session'],
        summary: 'Sign in a browser: a token in, the session cookie and its CSRF token out',
        description:
          'Sets `gi_session` (HttpOnly; SameSite=Strict; Path=/; Max-Age = `http.sessionHours`). With the ' +
          'cookie, POST/PUT/PATCH/DELETE need `X-CSRF-Token: <csrfToken>`. A request from another Origin is ' +
          '403 CSRF_FAILED.',
        body: {
          type: 'object',
          properties: { token: { type: 'string', minLength: 1, maxLength: 128 } },
          required: ['token'],
          additionalProperties: false,
        },
        response: { 200: sessionSchema, ...errors(...COMMON_ERRORS) },
      },
    },
    async (request, reply) => {
      // Login CSRF: another site must not sign a browser in as the site's own token holder.
      if (!sameOrigin(request.headers.origin, request.headers.host))
        throw new GeoError('CSRF_FAILED', 'cross-site sign-in refused: the Origin is not this server');
      const info = await withRedis(() => stores.tokens.verify(request.body.token));
      if (!info) throw new GeoError('UNAUTHORISED', 'unknown or revoked token');
      // A session the browser still holds ends: one cookie, one session.
      const old = sessionIdOf(request.headers.cookie);
      if (old) await withRedis(() => stores.sessions.destroy(old));
      const { id, session } = await withRedis(() => stores.sessions.create(hashToken(request.body.token)));
      const maxAgeS = (Date.parse(session.expiresAt) - Date.parse(session.createdAt)) / 1000;
      request.log.info({ holder: info.name }, 'Browser session opened');
      noStore(reply).header('set-cookie', sessionCookie(id, maxAgeS, secure(request)));
      return { name: info.name, role: info.role, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
    },
  );

  app.get(
    '/v1/session',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['session'],
        summary: 'Who is signed in, and the CSRF token of the session (after a page reload)',
        response: { 200: sessionSchema, ...errors(...COMMON_ERRORS) },
      },
    },
    async (request, reply) => {
      const auth = authOf(request);
      noStore(reply);
      return {
        name: auth.name,
        role: auth.role,
        csrfToken: request.session?.csrfToken ?? null,
        expiresAt: request.session?.expiresAt ?? null,
      };
    },
  );

  app.delete(
    '/v1/session',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['session'],
        summary: 'Sign out: ends the session and clears the cookie (needs X-CSRF-Token with the cookie)',
        response: { 204: { type: 'null', description: 'signed out' }, ...errors(...COMMON_ERRORS) },
      },
    },
    async (request, reply) => {
      const session = request.session;
      if (session) await withRedis(() => stores.sessions.destroy(session.id));
      return noStore(reply)
        .header('set-cookie', sessionCookie('', 0, secure(request)))
        .code(204)
        .send();
    },
  );
}
