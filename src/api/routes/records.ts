/** `GET /v1/records` (filtered, cursor pages) and `GET /v1/stories/:id` (one story with its duplicates). */
import type { FastifyInstance } from 'fastify';
import { GeoError } from '../../errors.js';
import type { ApiContext } from '../context.js';
import { withRedis } from '../errors.js';
import { parseInstant, queryRecords } from '../records-query.js';
import { COMMON_ERRORS, errors, recordSchema, sourceIdSchema, topicIdSchema } from '../schemas.js';

interface RecordsQuerystring {
  topic?: string;
  source?: string;
  language?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit: number;
}

export function recordRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const topicIds = new Set(ctx.runtime.config.topics.topics.map((t) => t.id));

  app.get<{ Querystring: RecordsQuerystring }>(
    '/v1/records',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['records'],
        summary: 'Stories newest first by digest time (publishedAt, else fetchedAt), filtered, in pages',
        description:
          'Pages: pass `next` of a page as `cursor` for the following one (an opaque position: time, then ' +
          'story id); `next` is null at the end. A filtered page may hold fewer than `limit` stories. ' +
          '`topic` matches the stories streamed to that topic (relevant, the topic scored).',
        querystring: {
          type: 'object',
          properties: {
            topic: { ...topicIdSchema, description: 'a topic id of config/topics.yaml' },
            source: { ...sourceIdSchema, description: 'a source id of the registry' },
            language: { type: 'string', pattern: '^[a-z]{2,3}$', description: 'ISO 639-1 code or "und"' },
            from: {
              type: 'string',
              maxLength: 40,
              description: 'YYYY-MM-DD or ISO-8601 instant (inclusive)',
            },
            to: { type: 'string', maxLength: 40, description: 'YYYY-MM-DD or ISO-8601 instant (exclusive)' },
            cursor: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,400}$' },
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: recordSchema },
              next: { type: 'string', nullable: true },
            },
            required: ['items', 'next'],
          },
          ...errors(...COMMON_ERRORS),
        },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.topic !== undefined && !topicIds.has(q.topic))
        throw new GeoError('INPUT_INVALID', 'topic is not a topic id of config/topics.yaml');
      const fromMs = q.from === undefined ? undefined : parseInstant(q.from, 'from');
      const toMs = q.to === undefined ? undefined : parseInstant(q.to, 'to');
      return withRedis(() =>
        queryRecords(ctx.redis, ctx.keys, {
          topic: q.topic,
          source: q.source,
          language: q.language,
          fromMs,
          toMs,
          cursor: q.cursor,
          limit: q.limit,
        }),
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/stories/:id',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['records'],
        summary: 'One story: its record as first stored, with every later item of the story in `duplicates`',
        params: {
          type: 'object',
          properties: { id: { type: 'string', pattern: '^[A-Za-z0-9:_.-]{1,200}$' } },
          required: ['id'],
        },
        response: { 200: recordSchema, ...errors(...COMMON_ERRORS, 404) },
      },
    },
    async (request) => {
      const record = await withRedis(() => ctx.records.story(request.params.id));
      if (!record) throw new GeoError('NOT_FOUND', 'no such story');
      return record;
    },
  );
}
