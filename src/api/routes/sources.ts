/**
 * `GET /v1/sources` (viewer): the registry the cluster runs, each entry with its stored health counters and
 * flags. Viewers and admins see the same fields: the registry holds no secrets (public feed URLs, parsing
 * rules), and a dashboard needs the health to show a broken source.
 * `POST /v1/sources/:id/fetch` (admin): queue a fetch of one source now.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SourceSchema } from '../../config/sources-schema.js';
import { GeoError } from '../../errors.js';
import { HEALTH_FLAGS, healthFlags } from '../../pipeline/health-flags.js';
import type { ApiContext } from '../context.js';
import { withRedis } from '../errors.js';
import { COMMON_ERRORS, errors, sourceIdSchema } from '../schemas.js';

const entrySchema = z.toJSONSchema(SourceSchema, {
  target: 'openapi-3.0',
  io: 'output',
  unrepresentable: 'any',
}) as { properties: Record<string, unknown>; required: string[] };

const sourceSchema = {
  type: 'object',
  description:
    'A registry entry (config/sources.yaml) with `health` and `flags` (null: never fetched) and `itemsPerWeek`',
  properties: {
    ...entrySchema.properties,
    health: {
      type: 'object',
      nullable: true,
      additionalProperties: true,
      description: 'The counters of src/pipeline/health.ts (lastSuccessAt, consecutiveFailures, …)',
    },
    flags: {
      type: 'array',
      nullable: true,
      items: {
        type: 'object',
        properties: {
          flag: { type: 'string', enum: [...HEALTH_FLAGS] },
          message: { type: 'string' },
          to: { type: 'string' },
        },
        required: ['flag', 'message'],
      },
    },
    itemsPerWeek: {
      type: 'integer',
      description: 'New items the source brought in the last 7 UTC days (counted when processed)',
    },
  },
  required: [...entrySchema.required, 'health', 'flags', 'itemsPerWeek'],
};

/** A manual fetch has a job id per source and 10 s slot: a double click queues one fetch. */
const SLOT_MS = 10_000;

export function sourceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/v1/sources',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['sources'],
        summary: 'The source registry with health counters and flags',
        response: { 200: { type: 'array', items: sourceSchema }, ...errors(...COMMON_ERRORS) },
      },
    },
    async () => {
      const now = ctx.now();
      const [states, perWeek] = await withRedis(() =>
        Promise.all([ctx.sourceStates.all(), ctx.sourceStates.itemsPerWeek(now)]),
      );
      return ctx.runtime.sources().map((s) => {
        const state = states[s.id];
        const fetched = state !== undefined && state.health.fetches > 0;
        return {
          ...s,
          health: state?.health ?? null,
          flags: fetched ? healthFlags(s, state.health, now) : null,
          itemsPerWeek: perWeek[s.id] ?? 0,
        };
      });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/sources/:id/fetch',
    {
      config: { role: 'admin' },
      // No body at all is an empty one.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags: ['sources'],
        summary: 'Queue a fetch of one source now',
        description: 'Answers 202 once the job is queued; requests within one 10 s slot queue one job.',
        params: { type: 'object', properties: { id: sourceIdSchema }, required: ['id'] },
        // No body is needed; an empty JSON object is accepted, anything else refused (T-O5).
        body: { type: 'object', maxProperties: 0, additionalProperties: false },
        response: {
          202: {
            type: 'object',
            properties: { sourceId: { type: 'string' }, jobId: { type: 'string' } },
            required: ['sourceId', 'jobId'],
          },
          ...errors(...COMMON_ERRORS, 404, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const source = ctx.runtime.sources().find((s) => s.id === request.params.id);
      if (!source) throw new GeoError('SOURCE_UNKNOWN', 'no source with this id in the registry');
      const jobId = `api-fetch-${source.id}-${Math.floor(ctx.now() / SLOT_MS)}`;
      await withRedis(() => ctx.queues.fetch.add('fetch', { sourceId: source.id }, { jobId }));
      request.log.info({ auth: request.auth?.name, sourceId: source.id, jobId }, 'fetch queued by API');
      reply.code(202);
      return { sourceId: source.id, jobId };
    },
  );
}
