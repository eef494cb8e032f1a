/**
 * Roles and the bearer-token check. Every route names its role in its options (`config: { role }`); one
 * `onRequest` hook enforces it: `public` routes need nothing, the others a token of that role or a higher one
 * (viewer < editor < admin). The holder of the token is on `request.auth` for audit trails.
 */
import type { FastifyRequest } from 'fastify';
import { GeoError } from '../errors.js';
import type { TokenRole, TokenStore } from '../store/tokens.js';
import { withRedis } from './errors.js';

export const ROUTE_ROLES = ['public', 'viewer', 'editor', 'admin'] as const;
export type RouteRole = (typeof ROUTE_ROLES)[number];

const RANK: Record<RouteRole, number> = { public: 0, viewer: 1, editor: 2, admin: 3 };

/** Who made a request: the token's name and role. */
export interface AuthInfo {
  name: string;
  role: TokenRole;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (required on every route: buildApi refuses a route without it). */
    role?: RouteRole;
    /** The route answers with a stream that does not end (SSE): a client reads its headers, then leaves. */
    stream?: boolean;
  }
  interface FastifyRequest {
    /** The token holder; null on public routes. */
    auth: AuthInfo | null;
  }
}

export function isRouteRole(v: unknown): v is RouteRole {
  return typeof v === 'string' && (ROUTE_ROLES as readonly string[]).includes(v);
}

/** Whether a token of `held` may call a route of `needed`. */
export function allows(held: TokenRole, needed: RouteRole): boolean {
  return RANK[held] >= RANK[needed];
}

const BEARER = /^Bearer +(\S+) *$/i;

/** The onRequest hook: 401 without a valid token, 403 with one of too low a role. */
export function authHook(tokens: TokenStore) {
  return async (request: FastifyRequest): Promise<void> => {
    request.auth = null;
    // The not-found handler has no role: an unknown path is a 404 for everyone.
    const role = request.routeOptions.config.role;
    if (!role || role === 'public') return;
    const header = request.headers.authorization;
    const m = typeof header === 'string' ? BEARER.exec(header) : null;
    if (!m) throw new GeoError('UNAUTHORISED', 'this route needs a token: Authorization: Bearer <token>');
    const info = await withRedis(() => tokens.verify(m[1]!));
    if (!info) throw new GeoError('UNAUTHORISED', 'unknown or revoked token');
    request.auth = { name: info.name, role: info.role };
    if (!allows(info.role, role)) throw new GeoError('FORBIDDEN', `this route needs the ${role} role`);
  };
}
