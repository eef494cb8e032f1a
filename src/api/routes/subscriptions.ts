/**
 * Saved subscriptions (admin): a filter (topics × commodities × countries × sources × text) and a webhook
 * receiver. `POST /v1/subscriptions` (the secret, generated when not given, is answered this once),
 * `GET /v1/subscriptions`, `GET|PATCH|DELETE /v1/subscriptions/:id`, `GET /v1/subscriptions/:id/deliveries`
 * (the delivery log, newest first). Every change appends to the audit trail (target `subscription:<id>`;
 * before/after never hold the secret). The receiver URL is checked like a fetched URL when it is set: a
 * private or loopback address without `fetch.allowPrivate` is refused, 422 `SSRF_BLOCKED`.
 *
 * `GET /v1/streams/subscriptions/:id` (viewer): Server-Sent Events of `stream:all` through the subscription's
 * filter, served by the stream relay with the topic streams' semantics (Last-Event-ID resume, resync, and the
 * last `revoked` event when its credential ends).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { GeoError } from '../../errors.js';
import { checkWebhookUrl } from '../../fetch/webhook-post.js';
import {
  compileFilter,
  matchesFilter,
  queryTokens,
  type SubscriptionFilter,
} from '../../pipeline/subscription-match.js';
import type { DigestRecord } from '../../pipeline/types.js';
import {
  createRedisSubscriptionStore,
  type StoredSubscription,
  type Subscription,
} from '../../store/subscriptions.js';
import { authOf, credentialOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { withRedis } from '../errors.js';
import { trackSse } from '../live-auth.js';
import { COMMON_ERRORS, errors, sourceIdSchema, topicIdSchema } from '../schemas.js';
import { lastEventIdOf, type RecordEvent, type StreamRelay } from '../stream-relay.js';

const idSchema = { type: 'string', pattern: '^sub_[A-Za-z0-9_-]{1,64}$' } as const;

const filterSchema = {
  type: 'object',
  description:
    'Each list matches a record holding one of its values; the record must match every criterion given. ' +
    '`text`: every word (and CJK character pair) appears in the title or summary. `{}`: every record.',
  properties: {
    topics: { type: 'array', maxItems: 50, uniqueItems: true, items: topicIdSchema },
    commodities: {
      type: 'array',
      maxItems: 100,
      uniqueItems: true,
      items: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
    },
    countries: {
      type: 'array',
      maxItems: 250,
      uniqueItems: true,
      items: { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' },
    },
    sources: { type: 'array', maxItems: 200, uniqueItems: true, items: sourceIdSchema },
    text: { type: 'string', minLength: 1, maxLength: 200 },
  },
  additionalProperties: false,
} as const;

const nameSchema = { type: 'string', minLength: 1, maxLength: 100 } as const;
const urlSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 2048,
  description: 'http(s) URL of the receiver',
} as const;
const secretSchema = {
  type: 'string',
  pattern: '^[\\x21-\\x7e]{16,256}$',
  description: 'HMAC key: 16–256 printable ASCII characters',
} as const;

const subscriptionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    filter: filterSchema,
    url: { type: 'string' },
    active: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string' },
    updatedAt: { type: 'string', format: 'date-time' },
    updatedBy: { type: 'string' },
    delivered: { type: 'integer', description: 'stories delivered (within the records’ retention)' },
  },
  required: ['id', 'name', 'filter', 'url', 'active', 'createdAt', 'createdBy'],
  // The serializer drops anything else: the secret never leaves through a new store field.
  additionalProperties: false,
} as const;

const withSecretSchema = {
  ...subscriptionSchema,
  properties: {
    ...subscriptionSchema.properties,
    secret: { type: 'string', description: 'the signing secret: answered this once, never again' },
  },
} as const;

const attemptSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'log entry id (a Redis stream id): pass as `before` for older ones' },
    at: { type: 'string', format: 'date-time' },
    deliveryId: { type: 'string', description: 'X-Geointel-Delivery: the same on every attempt' },
    storyId: { type: 'string' },
    attempt: { type: 'integer' },
    status: { type: 'string', enum: ['delivered', 'failed'] },
    httpStatus: { type: 'integer', nullable: true },
    ms: { type: 'integer' },
    errorCode: { type: 'string', nullable: true },
    final: { type: 'boolean', description: 'no further attempt follows' },
    repeat: { type: 'boolean', description: 'a success for a story delivered before' },
  },
  required: [
    'id',
    'at',
    'deliveryId',
    'storyId',
    'attempt',
    'status',
    'httpStatus',
    'ms',
    'errorCode',
    'final',
  ],
  additionalProperties: false,
} as const;

interface CreateBody {
  name: string;
  filter: SubscriptionFilter;
  url: string;
  secret?: string;
  active?: boolean;
}

interface PatchBody {
  name?: string;
  filter?: SubscriptionFilter;
  url?: string;
  active?: boolean;
  secret?: string;
  rotateSecret?: boolean;
}

/** What the API shows of a subscription (everything but the secret). */
function view(s: StoredSubscription): Subscription {
  const { secret: _secret, ...rest } = s;
  return rest;
}

const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

export function subscriptionRoutes(app: FastifyInstance, ctx: ApiContext, relay: StreamRelay): void {
  const store = createRedisSubscriptionStore({
    redis: ctx.redis,
    prefix: ctx.keys.prefix,
    keepDays: ctx.runtime.config.app.retention.recordDays,
    now: ctx.now,
  });
  const { config } = ctx.runtime;
  const known = {
    topics: new Set(config.topics.topics.map((t) => t.id)),
    commodities: new Set(Object.keys(config.tags.commodities)),
    countries: new Set(Object.keys(config.tags.countries)),
  };

  /** Refuses values that could never match (unknown topic, commodity, country or source; a text without words). */
  function checkFilter(f: SubscriptionFilter): void {
    const sources = new Set(ctx.runtime.sources().map((s) => s.id));
    const unknown: string[] = [];
    for (const t of f.topics ?? []) if (!known.topics.has(t)) unknown.push(`topic ${t}`);
    for (const c of f.commodities ?? []) if (!known.commodities.has(c)) unknown.push(`commodity ${c}`);
    for (const c of f.countries ?? []) if (!known.countries.has(c)) unknown.push(`country ${c}`);
    for (const s of f.sources ?? []) if (!sources.has(s)) unknown.push(`source ${s}`);
    if (unknown.length > 0)
      throw new GeoError(
        'INPUT_INVALID',
        `filter names what no record has: ${unknown.slice(0, 10).join(', ')}`,
      );
    if (f.text !== undefined && queryTokens(f.text).length === 0)
      throw new GeoError('INPUT_INVALID', 'filter.text holds no word');
  }

  const checkUrl = (url: string) =>
    checkWebhookUrl(url, { allowPrivate: config.app.fetch.allowPrivate, dnsTimeoutMs: 3_000 });

  async function existing(id: string): Promise<StoredSubscription> {
    const s = await withRedis(() => store.get(id));
    if (!s) throw new GeoError('NOT_FOUND', 'no such subscription');
    return s;
  }

  app.post<{ Body: CreateBody }>(
    '/v1/subscriptions',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['subscriptions'],
        summary: 'Save a subscription: matching records are POSTed to `url`, signed',
        description:
          'Answers 201 with the subscription and its `secret` (generated when not given): shown this once. ' +
          'The URL is checked like a fetched URL (a private address without fetch.allowPrivate: 422 SSRF_BLOCKED).',
        body: {
          type: 'object',
          properties: {
            name: nameSchema,
            filter: { ...filterSchema, default: {} },
            url: urlSchema,
            secret: secretSchema,
            active: { type: 'boolean', default: true },
          },
          required: ['name', 'url'],
          additionalProperties: false,
        },
        response: { 201: withSecretSchema, ...errors(...COMMON_ERRORS, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      checkFilter(body.filter);
      const url = await checkUrl(body.url);
      const actor = authOf(request);
      const sub: StoredSubscription = {
        id: `sub_${randomBytes(12).toString('base64url')}`,
        name: body.name,
        filter: body.filter,
        url: url.href,
        active: body.active ?? true,
        createdAt: new Date(ctx.now()).toISOString(),
        createdBy: actor.name,
        secret: body.secret ?? newSecret(),
      };
      if (!(await withRedis(() => store.create(sub))))
        throw new GeoError('INTERNAL', 'subscription id collision');
      await withRedis(() =>
        ctx.audit.append({
          at: sub.createdAt,
          actor,
          action: 'subscription.create',
          target: `subscription:${sub.id}`,
          before: null,
          after: view(sub),
        }),
      );
      request.log.info({ auth: actor.name, subscription: sub.id }, 'subscription created');
      reply.code(201).header('cache-control', 'no-store');
      return { ...view(sub), secret: sub.secret };
    },
  );

  app.get(
    '/v1/subscriptions',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['subscriptions'],
        summary: 'Every subscription, oldest first (never a secret)',
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: subscriptionSchema } },
            required: ['items'],
          },
          ...errors(...COMMON_ERRORS),
        },
      },
    },
    async () => ({ items: (await withRedis(() => store.list())).map(view) }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/subscriptions/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['subscriptions'],
        summary: 'One subscription with its count of delivered stories (never the secret)',
        params: { type: 'object', properties: { id: idSchema }, required: ['id'] },
        response: { 200: subscriptionSchema, ...errors(...COMMON_ERRORS, 404) },
      },
    },
    async (request) => {
      const s = await existing(request.params.id);
      const delivered = await withRedis(() => store.deliveredCount(s.id));
      return { ...view(s), delivered };
    },
  );

  app.patch<{ Params: { id: string }; Body: PatchBody }>(
    '/v1/subscriptions/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['subscriptions'],
        summary: 'Change a subscription (name, filter, url, active, secret)',
        description:
          '`rotateSecret: true` makes a new secret, answered this once as `secret`; `secret` sets one. ' +
          'Deliveries already queued keep the record they carry and use the subscription as it is when they run.',
        params: { type: 'object', properties: { id: idSchema }, required: ['id'] },
        body: {
          type: 'object',
          properties: {
            name: nameSchema,
            filter: filterSchema,
            url: urlSchema,
            active: { type: 'boolean' },
            secret: secretSchema,
            rotateSecret: { type: 'boolean' },
          },
          minProperties: 1,
          additionalProperties: false,
        },
        response: { 200: withSecretSchema, ...errors(...COMMON_ERRORS, 404, 413, 415, 422) },
      },
    },
    async (request) => {
      const body = request.body;
      if (body.secret !== undefined && body.rotateSecret)
        throw new GeoError('INPUT_INVALID', 'give either secret or rotateSecret, not both');
      const before = await existing(request.params.id);
      if (body.filter) checkFilter(body.filter);
      const url = body.url === undefined ? before.url : (await checkUrl(body.url)).href;
      const actor = authOf(request);
      const rotated = body.rotateSecret ? newSecret() : undefined;
      const after: StoredSubscription = {
        ...before,
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.filter === undefined ? {} : { filter: body.filter }),
        ...(body.active === undefined ? {} : { active: body.active }),
        url,
        secret: rotated ?? body.secret ?? before.secret,
        updatedAt: new Date(ctx.now()).toISOString(),
        updatedBy: actor.name,
      };
      if (!(await withRedis(() => store.replace(after))))
        throw new GeoError('NOT_FOUND', 'no such subscription');
      const secretChanged = after.secret !== before.secret;
      await withRedis(() =>
        ctx.audit.append({
          at: after.updatedAt!,
          actor,
          action: 'subscription.update',
          target: `subscription:${after.id}`,
          before: view(before),
          after: { ...view(after), ...(secretChanged ? { secretChanged: true } : {}) },
        }),
      );
      return rotated ? { ...view(after), secret: rotated } : view(after);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/subscriptions/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['subscriptions'],
        summary: 'Delete a subscription with its delivery log; its queued deliveries send nothing',
        params: { type: 'object', properties: { id: idSchema }, required: ['id'] },
        response: { 204: { type: 'null', description: 'deleted' }, ...errors(...COMMON_ERRORS, 404) },
      },
    },
    async (request, reply) => {
      const before = await existing(request.params.id);
      if (!(await withRedis(() => store.delete(before.id))))
        throw new GeoError('NOT_FOUND', 'no such subscription');
      await withRedis(() =>
        ctx.audit.append({
          at: new Date(ctx.now()).toISOString(),
          actor: authOf(request),
          action: 'subscription.delete',
          target: `subscription:${before.id}`,
          before: view(before),
          after: null,
        }),
      );
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: string }; Querystring: { limit: number; before?: string } }>(
    '/v1/subscriptions/:id/deliveries',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['subscriptions'],
        summary: 'The delivery log: one entry per attempt, newest first',
        description: 'Pages: pass `next` as `before` for older entries; `next` is null at the end.',
        params: { type: 'object', properties: { id: idSchema }, required: ['id'] },
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            before: { type: 'string', pattern: '^\\d{1,20}-\\d{1,20}$' },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: attemptSchema },
              next: { type: 'string', nullable: true },
            },
            required: ['items', 'next'],
          },
          ...errors(...COMMON_ERRORS, 404),
        },
      },
    },
    async (request) => {
      const s = await existing(request.params.id);
      const { limit, before } = request.query;
      const items = await withRedis(() => store.deliveries(s.id, limit, before));
      return { items, next: items.length === limit ? items[items.length - 1]!.id! : null };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/streams/subscriptions/:id',
    {
      config: { role: 'viewer', stream: true },
      schema: {
        tags: ['streams'],
        summary: "Live records matching a subscription's filter, as Server-Sent Events",
        description:
          'The records of `all` through the filter, with the same events and resume semantics as ' +
          '`/v1/streams/{topic}` (`Last-Event-ID` or `?lastEventId=`; `resync` past the horizon). The filter ' +
          'is the one the subscription has when the stream opens.',
        params: { type: 'object', properties: { id: idSchema }, required: ['id'] },
        querystring: {
          type: 'object',
          properties: { lastEventId: { type: 'string', maxLength: 64 } },
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
    async (request, reply) => {
      const s = await existing(request.params.id);
      const compiled = compileFilter(s.filter);
      const filter = (e: RecordEvent): boolean => {
        try {
          return matchesFilter(JSON.parse(e.json) as DigestRecord, compiled);
        } catch {
          return false;
        }
      };
      reply.hijack();
      reply.raw.setHeader('x-content-type-options', 'nosniff');
      const stream = relay.serveSse(request.raw, reply.raw, 'all', lastEventIdOf(request.raw), filter);
      trackSse(ctx.live, credentialOf(request), reply.raw, stream);
    },
  );
}
