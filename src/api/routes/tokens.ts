/**
 * Token management (admin), what `geointel token create/list/revoke` does over HTTP: `GET /v1/tokens` (name,
 * role, createdAt, revoked — never a hash), `POST /v1/tokens` `{name, role}` → the token, shown once,
 * `DELETE /v1/tokens/:name` (revoke; its browser sessions end at their next request, and its open streams at once:
 * src/api/live-auth.ts). Creating and revoking
 * append to the audit trail (target `token:<name>`, actor the admin).
 */
import type { FastifyInstance } from 'fastify';
import { GeoError } from '../../errors.js';
import { TOKEN_NAME, TOKEN_ROLES, type TokenRole, type TokenStore } from '../../store/tokens.js';
import { authOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { withRedis } from '../errors.js';
import { COMMON_ERRORS, errors } from '../schemas.js';

const nameSchema = {
  type: 'string',
  pattern: TOKEN_NAME.source,
  description: 'the holder: letters, digits, ".", "_", "@", "-" (at most 64); never reused',
} as const;

const tokenInfoSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    role: { type: 'string', enum: [...TOKEN_ROLES] },
    createdAt: { type: 'string', format: 'date-time' },
    revoked: { type: 'boolean' },
    revokedAt: { type: 'string', format: 'date-time' },
  },
  required: ['name', 'role', 'createdAt', 'revoked'],
  // The response serializer drops anything else: a hash could never leak through a new store field.
  additionalProperties: false,
} as const;

export function tokenRoutes(app: FastifyInstance, ctx: ApiContext, tokens: TokenStore): void {
  app.get(
    '/v1/tokens',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['tokens'],
        summary: 'Every API token ever created (revoked ones too), by name; never the token or its hash',
        response: { 200: { type: 'array', items: tokenInfoSchema }, ...errors(...COMMON_ERRORS) },
      },
    },
    async () => withRedis(() => tokens.list()),
  );

  app.post<{ Body: { name: string; role: TokenRole } }>(
    '/v1/tokens',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['tokens'],
        summary: 'Create a token: answered once, only its SHA-256 is stored',
        body: {
          type: 'object',
          properties: { name: nameSchema, role: { type: 'string', enum: [...TOKEN_ROLES] } },
          required: ['name', 'role'],
          additionalProperties: false,
        },
        response: {
          201: {
            type: 'object',
            properties: {
              token: { type: 'string', description: '`gi_…`: shown this once' },
              name: { type: 'string' },
              role: { type: 'string', enum: [...TOKEN_ROLES] },
              createdAt: { type: 'string', format: 'date-time' },
            },
            required: ['token', 'name', 'role', 'createdAt'],
            additionalProperties: false,
          },
          ...errors(...COMMON_ERRORS),
        },
      },
    },
    async (request, reply) => {
      const { name, role } = request.body;
      const { token, info } = await withRedis(() => tokens.create(name, role));
      const actor = authOf(request);
      await withRedis(() =>
        ctx.audit.append({
          at: new Date(ctx.now()).toISOString(),
          actor: { name: actor.name, role: actor.role },
          action: 'token.create',
          target: `token:${name}`,
          before: null,
          after: { name, role, createdAt: info.createdAt, revoked: false },
        }),
      );
      reply.code(201).header('cache-control', 'no-store');
      return { token, name, role, createdAt: info.createdAt };
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/v1/tokens/:name',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token: it (and every browser session made from it) stops working at once',
        params: { type: 'object', properties: { name: nameSchema }, required: ['name'] },
        response: {
          204: { type: 'null', description: 'revoked (again: still revoked)' },
          ...errors(...COMMON_ERRORS, 404),
        },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const before = (await withRedis(() => tokens.list())).find((t) => t.name === name);
      if (!before || !(await withRedis(() => tokens.revoke(name))))
        throw new GeoError('NOT_FOUND', 'no token with this name');
      const after = (await withRedis(() => tokens.list())).find((t) => t.name === name);
      const actor = authOf(request);
      await withRedis(() =>
        ctx.audit.append({
          at: new Date(ctx.now()).toISOString(),
          actor: { name: actor.name, role: actor.role },
          action: 'token.revoke',
          target: `token:${name}`,
          before: { revoked: before.revoked, revokedAt: before.revokedAt ?? null },
          after: { revoked: after?.revoked ?? true, revokedAt: after?.revokedAt ?? null },
        }),
      );
      return reply.code(204).send();
    },
  );
}
