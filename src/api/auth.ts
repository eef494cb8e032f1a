/**
 * Roles and credentials. Every route names its role in its options (`config: { role }`); one `onRequest` hook
 * enforces it: `public` routes need nothing, the others a credential of that role or a higher one
 * (viewer < editor < admin). The holder is on `request.auth` for audit trails.
 *
 * Two credentials:
 * - `Authorization: Bearer <token>` (scripts, dashboards). Never ambient (a browser does not attach it to a
 *   cross-site request), so it needs no CSRF check.
 * - the `gi_session` cookie of a browser session (POST /v1/session, src/store/sessions.ts). A cookie is
 *   ambient, so with it every state-changing method (POST, PUT, PATCH, DELETE) must carry the session's
 *   `X-CSRF-Token` (compared in constant time) and, when the request has an `Origin`, come from the server's
 *   own host — else 403 `CSRF_FAILED`. The session names the token it was made from; the token is looked up
 *   at every request, so revoking it ends the session at its next request (and its open streams at once:
 *   src/api/live-auth.ts).
 * A request with an Authorization header is judged by it alone (a bad header is 401, never a fall back to the
 * cookie).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { GeoError } from '../errors.js';
import type { SessionInfo, SessionStore } from '../store/sessions.js';
import { hashToken, type TokenRole, type TokenStore } from '../store/tokens.js';
import { withRedis } from './errors.js';

export const ROUTE_ROLES = ['public', 'viewer', 'editor', 'admin'] as const;
export type RouteRole = (typeof ROUTE_ROLES)[number];

const RANK: Record<RouteRole, number> = { public: 0, viewer: 1, editor: 2, admin: 3 };

/** Name of the browser session cookie. */
export const SESSION_COOKIE = 'gi_session';
/** Header that carries the session's CSRF token on state-changing requests. */
export const CSRF_HEADER = 'x-csrf-token';
/** Methods that change state: with the session cookie they need the CSRF token (and a same-host Origin). */
export const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Who made a request: the token's name and role. */
export interface AuthInfo {
  name: string;
  role: TokenRole;
}

/** The browser session a request came with (null for bearer requests). */
export interface RequestSession extends SessionInfo {
  /** The cookie's session id (to end it on logout). */
  id: string;
}

/**
 * What a live connection (SSE, WebSocket) was opened with, to end it when that ends (src/api/live-auth.ts): the
 * token's SHA-256, and the browser session's id when it came with the cookie.
 */
export interface Credential {
  tokenHash: string;
  sessionId: string | null;
}

/** What the credential checks read: the token store and the browser sessions. */
export interface AuthStores {
  tokens: TokenStore;
  sessions: SessionStore;
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
    /** The browser session the request was authenticated with; null for a bearer token or a public route. */
    session: RequestSession | null;
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

/** The session id of a `Cookie` header (the first `gi_session`), or null. */
export function sessionIdOf(cookieHeader: string | undefined): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    let v = part.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    return v || null;
  }
  return null;
}

/**
 * Whether a request's `Origin` (when it has one) is the server's own: its host and port equal the request's
 * `Host`. No Origin (a non-browser client, or a same-origin GET) passes; `Origin: null` (sandboxed frames,
 * some redirects) does not. The scheme is not compared: behind a TLS-terminating proxy the server sees http.
 */
export function sameOrigin(origin: string | string[] | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (typeof origin !== 'string' || !host) return false;
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time equality of two secrets (compared as SHA-256 digests, so their lengths leak nothing). */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** The holder of a browser session, and the session; null when the session or its token has ended. */
export async function sessionHolder(
  stores: AuthStores,
  id: string,
): Promise<{ auth: AuthInfo; session: RequestSession } | null> {
  const session = await stores.sessions.get(id);
  if (!session) return null;
  const info = await stores.tokens.byHash(session.tokenHash);
  if (!info) {
    // The token was revoked: the session ends with it.
    await stores.sessions.destroy(id);
    return null;
  }
  return { auth: { name: info.name, role: info.role }, session: { ...session, id } };
}

/**
 * The credential an authenticated request came with (what its live connection is tracked by): the session's
 * token and id, else the bearer token's hash. Null on a public route.
 */
export function credentialOf(request: FastifyRequest): Credential | null {
  if (!request.auth) return null;
  if (request.session) return { tokenHash: request.session.tokenHash, sessionId: request.session.id };
  const header = request.headers.authorization;
  const m = typeof header === 'string' ? BEARER.exec(header) : null;
  return m ? { tokenHash: hashToken(m[1]!), sessionId: null } : null;
}

/** The CSRF check of a cookie-authenticated state change: a same-host Origin and the session's token. */
export function checkCsrf(headers: IncomingHttpHeaders, session: SessionInfo): void {
  if (!sameOrigin(headers.origin, headers.host))
    throw new GeoError('CSRF_FAILED', 'cross-site request refused: the Origin is not this server');
  const sent = headers[CSRF_HEADER];
  if (typeof sent !== 'string' || !secretsEqual(sent, session.csrfToken))
    throw new GeoError(
      'CSRF_FAILED',
      'a state-changing request with the session cookie needs the X-CSRF-Token of the session',
    );
}

/**
 * The holder of a request on a route with a role (the audit trail's actor). The auth hook has set it before any
 * handler of a non-public route runs; UNAUTHORISED if a handler is ever reached without one.
 */
export function authOf(request: FastifyRequest): AuthInfo {
  if (!request.auth) throw new GeoError('UNAUTHORISED', 'this route needs a token');
  return { name: request.auth.name, role: request.auth.role };
}

/** The onRequest hook: 401 without a valid credential, 403 CSRF_FAILED or FORBIDDEN. */
export function authHook(stores: AuthStores) {
  return async (request: FastifyRequest): Promise<void> => {
    request.auth = null;
    request.session = null;
    // The not-found handler has no role: an unknown path is a 404 for everyone.
    const role = request.routeOptions.config.role;
    if (!role || role === 'public') return;
    const header = request.headers.authorization;
    if (header !== undefined) {
      const m = typeof header === 'string' ? BEARER.exec(header) : null;
      if (!m) throw new GeoError('UNAUTHORISED', 'this route needs a token: Authorization: Bearer <token>');
      const info = await withRedis(() => stores.tokens.verify(m[1]!));
      if (!info) throw new GeoError('UNAUTHORISED', 'unknown or revoked token');
      request.auth = { name: info.name, role: info.role };
    } else {
      const id = sessionIdOf(request.headers.cookie);
      if (!id)
        throw new GeoError(
          'UNAUTHORISED',
          'this route needs a token: Authorization: Bearer <token>, or a session cookie (POST /v1/session)',
        );
      const found = await withRedis(() => sessionHolder(stores, id));
      if (!found) throw new GeoError('UNAUTHORISED', 'the session has ended or expired: sign in again');
      if (STATE_CHANGING.has(request.method)) checkCsrf(request.headers, found.session);
      request.auth = found.auth;
      request.session = found.session;
    }
    if (!allows(request.auth.role, role))
      throw new GeoError('FORBIDDEN', `this route needs the ${role} role`);
  };
}

/**
 * The holder of a WebSocket upgrade request and its credential: a bearer token, or the session cookie from the
 * server's own Origin (a cookie-authenticated upgrade from another site is cross-site WebSocket hijacking).
 * Null: refuse.
 */
export async function upgradeHolder(
  stores: AuthStores,
  req: IncomingMessage,
): Promise<{ auth: AuthInfo; credential: Credential } | null> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = BEARER.exec(header);
    if (!m) return null;
    const info = await withRedis(() => stores.tokens.verify(m[1]!));
    if (!info) return null;
    return {
      auth: { name: info.name, role: info.role },
      credential: { tokenHash: hashToken(m[1]!), sessionId: null },
    };
  }
  const id = sessionIdOf(req.headers.cookie);
  if (!id || !sameOrigin(req.headers.origin, req.headers.host)) return null;
  const found = await withRedis(() => sessionHolder(stores, id));
  if (!found) return null;
  return { auth: found.auth, credential: { tokenHash: found.session.tokenHash, sessionId: id } };
}
