/**
 * `GET /v1/records` (filtered, cursor pages), `GET /v1/stories/:id` (one story with its duplicates; a merged
 * story answers its target with `mergedInto`) and `GET /v1/counts` (relevant stories per topic, commodity and
 * country over 24 h or 7 days, of all topics or one). Registers the editors' merge and split routes too
 * (./story-edits.ts), on the same stores.
 */
import type { FastifyInstance } from 'fastify';
import { GeoError } from '../../errors.js';
import type { CountWindow } from '../../pipeline/search/counts.js';
import { createRedisRecordQuery } from '../../store/record-query.js';
import { createRedisStoryEdits } from '../../store/story-edits.js';
import type { ApiContext } from '../context.js';
import { withRedis } from '../errors.js';
import { MAX_QUERY_TOKENS, type RecordsQuerystring, recordsQueryOf } from '../records-query.js';
import { COMMON_ERRORS, errors, recordSchema, sourceIdSchema, topicIdSchema } from '../schemas.js';
import { storyEditRoutes } from './story-edits.js';

/** Story ids in paths and bodies. */
export const storyIdSchema = { type: 'string', pattern: '^[A-Za-z0-9:_.-]{1,200}$' } as const;

const countMapSchema = { type: 'object', additionalProperties: { type: 'integer' } } as const;

export function recordRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { retention } = ctx.runtime.config.app;
  const stores = {
    redis: ctx.redis,
    prefix: ctx.keys.prefix,
    recordDays: retention.recordDays,
    now: ctx.now,
  };
  const query = createRedisRecordQuery(stores);
  const edits = createRedisStoryEdits({ ...stores, streamMaxLen: retention.streamMaxLen });

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
          '`topic` matches the stories streamed to that topic (relevant, the topic scored). Filters combine ' +
          '(AND); `q` finds stories holding every word of it (words and Chinese/Japanese character bigrams of ' +
          'the title, summary and editors’ Chinese texts) within the retention window.',
        querystring: {
          type: 'object',
          properties: {
            topic: { ...topicIdSchema, description: 'a topic id of config/topics.yaml' },
            source: { ...sourceIdSchema, description: 'a source id of the registry' },
            language: { type: 'string', pattern: '^[a-z]{2,3}$', description: 'ISO 639-1 code or "und"' },
            commodity: {
              type: 'string',
              pattern: '^[a-z][a-z-]{0,63}$',
              description: 'a commodity tag id of config/tags.yaml (lithium, rare-earths, natural-gas…)',
            },
            country: {
              type: 'string',
              pattern: '^[A-Za-z]{2}$',
              description: 'an ISO 3166-1 alpha-2 country tag (CN, AU…)',
            },
            bbox: {
              type: 'string',
              maxLength: 100,
              description:
                'minLon,minLat,maxLon,maxLat in degrees: stories with a map point inside (edges included); ' +
                'minLon > maxLon crosses the antimeridian',
            },
            q: {
              type: 'string',
              minLength: 1,
              maxLength: 200,
              description: `full text: every word must occur (at most ${MAX_QUERY_TOKENS} words after stop-words)`,
            },
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
      const q = recordsQueryOf(request.query, ctx.runtime.config);
      return withRedis(() => query.page(q));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/stories/:id',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['records'],
        summary: 'One story: its record as first stored, with every later item of the story in `duplicates`',
        description:
          'A story an editor merged into another answers with that story’s record and `mergedInto` (its id), ' +
          'not a redirect: one request, and the caller learns both facts.',
        params: { type: 'object', properties: { id: storyIdSchema }, required: ['id'] },
        response: {
          200: {
            ...recordSchema,
            properties: {
              ...(recordSchema as { properties?: Record<string, unknown> }).properties,
              mergedInto: {
                type: 'string',
                description: 'present when the story asked for was merged: the id of the story answered',
              },
            },
          },
          ...errors(...COMMON_ERRORS, 404),
        },
      },
    },
    async (request) => {
      const view = await withRedis(() => query.story(request.params.id));
      if (!view) throw new GeoError('NOT_FOUND', 'no such story');
      return view.mergedInto === undefined ? view.record : { ...view.record, mergedInto: view.mergedInto };
    },
  );

  app.get<{ Querystring: { window: CountWindow; topic?: string } }>(
    '/v1/counts',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['records'],
        summary:
          'Relevant stories per topic, commodity and country over the last 24 hours or 7 days, of all topics or one',
        description:
          'Counted when each story is stored, in hourly buckets of digest time (publishedAt, else fetchedAt): ' +
          '`24h` adds up the current hour and the 23 before it, `7d` the current hour and the 167 before it. ' +
          'A story counts once in `total` and once under each topic it is streamed to and each of its tags. ' +
          'With `topic`, only the stories streamed to that topic count: `total` is theirs, `topics` holds that ' +
          'topic alone, `commodities` and `countries` are their tags. Stories stored by a version without ' +
          'per-topic counts count without `topic` only (until their hours leave the windows).',
        querystring: {
          type: 'object',
          properties: {
            window: { type: 'string', enum: ['24h', '7d'], default: '24h' },
            topic: { ...topicIdSchema, description: 'a topic id of config/topics.yaml: that topic’s counts' },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              window: { type: 'string', enum: ['24h', '7d'] },
              topic: { type: 'string', description: 'the topic asked for (absent: all topics)' },
              from: { type: 'string', description: 'start of the oldest hour counted (ISO-8601)' },
              to: { type: 'string', description: 'when the counts were read (ISO-8601)' },
              total: { type: 'integer' },
              topics: countMapSchema,
              commodities: countMapSchema,
              countries: countMapSchema,
            },
            required: ['window', 'from', 'to', 'total', 'topics', 'commodities', 'countries'],
          },
          ...errors(...COMMON_ERRORS),
        },
      },
    },
    async (request) => {
      const { window, topic } = request.query;
      if (topic !== undefined && !ctx.runtime.config.topics.topics.some((t) => t.id === topic))
        throw new GeoError('INPUT_INVALID', 'topic is not a topic id of config/topics.yaml');
      return withRedis(() => query.counts(window, topic));
    },
  );

  storyEditRoutes(app, ctx, edits);
}
