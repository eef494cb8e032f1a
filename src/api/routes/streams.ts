/**
 * `GET /v1/streams/:topic` (viewer): Server-Sent Events of one topic or `all`, served by the stream relay
 * (src/api/stream-relay.ts; semantics in docs/contracts.md §HTTP): `event: record` with the Redis stream id,
 * resumable with `Last-Event-ID`, `event: resync` past the stream's horizon, and a last `event: revoked` when
 * the token or session it was opened with ends (src/api/live-auth.ts; the WebSocket closes with 4401).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { GeoError } from '../../errors.js';
import { type AuthStores, allows, credentialOf, upgradeHolder } from '../auth.js';
import type { ApiContext } from '../context.js';
import { errorBody } from '../errors.js';
import { trackSse, WS_CLOSE_REVOKED } from '../live-auth.js';
import { COMMON_ERRORS, errors, topicIdSchema } from '../schemas.js';
import { lastEventIdOf, type StreamRelay } from '../stream-relay.js';
import type { WebSocketGrant } from '../ws.js';

export function streamRoutes(app: FastifyInstance, ctx: ApiContext, relay: StreamRelay): void {
  const topics = new Set(['all', ...ctx.runtime.config.topics.topics.map((t) => t.id)]);
  app.get<{ Params: { topic: string } }>(
    '/v1/streams/:topic',
    {
      config: { role: 'viewer', stream: true },
      schema: {
        tags: ['streams'],
        summary: 'Live records of a topic (or `all`) as Server-Sent Events',
        description:
          'Events `record` (id: the Redis stream id, data: the record JSON) and `resync` ' +
          '(data: {"requested","oldest"}) when `Last-Event-ID` is older than the stream keeps. Without ' +
          '`Last-Event-ID`: live from now. When the token or browser session it was opened with is revoked or ' +
          'ends, a last event `revoked` (data: {"reason": "token_revoked"|"session_ended"}) and the end of the ' +
          'stream: do not reconnect with the same credential.',
        params: {
          type: 'object',
          properties: {
            topic: { ...topicIdSchema, description: 'a topic id of config/topics.yaml, or all' },
          },
          required: ['topic'],
        },
        querystring: {
          type: 'object',
          properties: {
            lastEventId: {
              type: 'string',
              maxLength: 64,
              description: 'resume after this stream id on a first connection (the header wins)',
            },
          },
          additionalProperties: false,
        },
        headers: {
          type: 'object',
          properties: { 'last-event-id': { type: 'string', maxLength: 64 } },
        },
        produces: ['text/event-stream'],
        response: {
          200: { content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...errors(...COMMON_ERRORS, 404),
        },
      },
    },
    async (request, reply: FastifyReply) => {
      const { topic } = request.params;
      if (!topics.has(topic)) throw new GeoError('NOT_FOUND', 'no such topic');
      reply.hijack();
      const stream = relay.serveSse(request.raw, reply.raw, topic, lastEventIdOf(request.raw));
      trackSse(ctx.live, credentialOf(request), reply.raw, stream);
    },
  );
}

/**
 * `GET /v1/ws?topic=<id>[&lastEventId=<id>]` (viewer): the same events over WebSocket. The upgrade is served by
 * `attachWebSocket` on the raw server (src/api/ws.ts) with the same token check; this route declares the path
 * and its role for the route table and /docs, and answers a plain GET with 426.
 */
export function webSocketRoute(app: FastifyInstance): void {
  app.get(
    '/v1/ws',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['streams'],
        summary: 'Live records over WebSocket (upgrade): messages {event, id, data}',
        querystring: {
          type: 'object',
          properties: { topic: topicIdSchema, lastEventId: { type: 'string', maxLength: 64 } },
        },
        response: { ...errors(...COMMON_ERRORS, 426) },
      },
    },
    async (_request, reply) => {
      reply.code(426).header('upgrade', 'websocket');
      return errorBody({ code: 'UPGRADE_REQUIRED', message: 'this path speaks WebSocket' });
    },
  );
}

/**
 * Whether an upgrade request carries a viewer credential and names a known topic (the WebSocket's
 * `authorize`): a bearer token, or the session cookie from the server's own Origin (src/api/auth.ts). The
 * grant registers the open socket with the live connections: it closes with 4401 when the credential ends.
 */
export function webSocketAuthorizer(ctx: ApiContext, stores: AuthStores) {
  const topics = new Set(['all', ...ctx.runtime.config.topics.topics.map((t) => t.id)]);
  return async (req: import('node:http').IncomingMessage): Promise<false | WebSocketGrant> => {
    const topic = new URL(req.url ?? '/', 'http://ws').searchParams.get('topic') ?? '';
    if (!topics.has(topic)) return false;
    const holder = await upgradeHolder(stores, req);
    if (!holder || !allows(holder.auth.role, 'viewer')) return false;
    return {
      opened: (close) => ctx.live.track(holder.credential, (reason) => close(WS_CLOSE_REVOKED, reason), 'ws'),
    };
  };
}

/** The relay's HTTP errors in the API's shape (before a stream opens: 400, 503). */
export function relayHttpError(res: import('node:http').ServerResponse, status: number, err: GeoError): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(errorBody(err));
}
