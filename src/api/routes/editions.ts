/**
 * Editions of the bulletin (docs/api.md §Editions):
 * - `GET /v1/editions?limit&before` (viewer): the archive, published editions newest date first.
 * - `GET /v1/editions/:date` (editor): an edition's state (entries, order, status, version, issue).
 * - `PUT /v1/editions/:date/sections/:section/order` (editor): the editors' order of one section.
 * - `POST /v1/editions/:date/publish` (editor): the final edition with the bulletin's next issue number.
 * - `DELETE /v1/editions/:date/items/:storyId` (editor): takes an accepted story out of a draft.
 * - `PUT /v1/editions/:date/items/:storyId/section` (editor): moves an accepted story of a draft to another
 *   section (the digest builder's "also fits …" move), keeping the editor's edits.
 * Every editor action appends to the audit trail (target `edition:<date>`).
 * The digest of an edition (draft or final) is served by `GET /v1/digests/:date` (routes/digests.ts).
 */
import type { FastifyInstance } from 'fastify';
import { GeoError } from '../../errors.js';
import type { EditionResult } from '../../pipeline/digest/edition.js';
import { type EditionReaderDeps, editionDraft } from '../../store/edition-reader.js';
import { authOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { withRedis } from '../errors.js';
import { COMMON_ERRORS, errors, topicIdSchema } from '../schemas.js';

export const dateSchema = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const storyIdSchema = { type: 'string', pattern: '^[A-Za-z0-9:_.-]{1,200}$' } as const;

const entrySchema = {
  type: 'object',
  description: 'An accepted story (AcceptedEntry): its digest day, section, the editor’s edits, who and when',
  properties: {
    storyId: { type: 'string' },
    date: { type: 'string' },
    section: { type: 'string' },
    edits: {
      type: 'object',
      properties: {
        title: { type: 'string' },
        summary: { type: 'string' },
        titleZh: { type: 'string' },
        summaryZh: { type: 'string' },
      },
    },
    by: { type: 'string' },
    at: { type: 'string' },
  },
  required: ['storyId', 'date', 'section', 'edits', 'by', 'at'],
} as const;

const stateSchema = {
  type: 'object',
  properties: {
    date: { type: 'string' },
    status: { type: 'string', enum: ['draft', 'published'] },
    version: {
      type: 'integer',
      description: 'Changes at every edit; `POST …/publish` names the one reviewed',
    },
    issue: { type: 'integer', nullable: true },
    publishedAt: { type: 'string', nullable: true },
    publishedBy: { type: 'string', nullable: true },
    entries: { type: 'array', items: entrySchema },
    order: {
      type: 'object',
      description: 'Section (topic id) → story ids in the editors’ order',
      additionalProperties: { type: 'array', items: { type: 'string' } },
    },
    draft: {
      type: 'object',
      description:
        'What the draft is built from: `picks` (the accepted entries) or `auto` (none: the day’s best records)',
      properties: {
        source: { type: 'string', enum: ['picks', 'auto'] },
        count: { type: 'integer' },
        omitted: { type: 'array', items: { type: 'string' }, description: 'Entries whose record is gone' },
      },
      required: ['source', 'count', 'omitted'],
    },
  },
  required: ['date', 'status', 'version', 'issue', 'publishedAt', 'publishedBy', 'entries', 'order', 'draft'],
} as const;

/** The reader deps of the API's context (src/store/edition-reader.ts). */
export function editionReaderOf(ctx: ApiContext): EditionReaderDeps {
  return {
    records: ctx.records,
    editions: ctx.editions,
    digest: ctx.runtime.config.app.digest,
    topics: () => ctx.runtime.config.topics.topics,
    sources: () => ctx.runtime.sources(),
  };
}

export function editionRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const target = (date: string) => `edition:${date}`;
  const knownSection = (section: string) => ctx.runtime.config.topics.topics.some((t) => t.id === section);

  app.get<{ Querystring: { limit: number; before?: string } }>(
    '/v1/editions',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['editions'],
        summary: 'The archive: published editions, newest date first',
        description: 'Page with `before` = the `next` of the previous answer (a date, exclusive).',
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            before: dateSchema,
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    date: { type: 'string' },
                    issue: { type: 'integer' },
                    publishedAt: { type: 'string' },
                  },
                  required: ['date', 'issue', 'publishedAt'],
                },
              },
              next: { type: 'string', nullable: true },
            },
            required: ['items', 'next'],
          },
          ...errors(...COMMON_ERRORS),
        },
      },
    },
    async (request) => {
      const { limit, before } = request.query;
      const rows = await withRedis(() => ctx.editions.archive({ limit, before }));
      return {
        items: rows.map(({ date, issue, publishedAt }) => ({ date, issue, publishedAt })),
        next: rows.length === limit ? rows[rows.length - 1]!.date : null,
      };
    },
  );

  app.get<{ Params: { date: string } }>(
    '/v1/editions/:date',
    {
      config: { role: 'editor' },
      schema: {
        tags: ['editions'],
        summary: "An edition's state: accepted entries, the editors' order, status, version and issue",
        params: { type: 'object', properties: { date: dateSchema }, required: ['date'] },
        response: { 200: stateSchema, ...errors(...COMMON_ERRORS) },
      },
    },
    async (request) => {
      const { date } = request.params;
      return withRedis(async () => {
        const state = await ctx.editions.get(date);
        const issue = state.issue ?? (await ctx.editions.lastIssue()) + 1;
        const draft = await editionDraft(editionReaderOf(ctx), date, state, issue);
        return {
          ...state,
          draft: { source: draft.source, count: draft.digest.count, omitted: draft.omitted },
        };
      });
    },
  );

  app.put<{ Params: { date: string; section: string }; Body: { storyIds: string[] } }>(
    '/v1/editions/:date/sections/:section/order',
    {
      config: { role: 'editor' },
      schema: {
        tags: ['editions'],
        summary: "Sets the editors' order of one section of a draft",
        description:
          '`storyIds` must list each story of the section exactly once (else 400); a published edition: 409.',
        params: {
          type: 'object',
          properties: { date: dateSchema, section: topicIdSchema },
          required: ['date', 'section'],
        },
        body: {
          type: 'object',
          properties: { storyIds: { type: 'array', items: storyIdSchema, maxItems: 500 } },
          required: ['storyIds'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              date: { type: 'string' },
              section: { type: 'string' },
              storyIds: { type: 'array', items: { type: 'string' } },
              version: { type: 'integer' },
            },
            required: ['date', 'section', 'storyIds', 'version'],
          },
          ...errors(...COMMON_ERRORS, 404, 409),
        },
      },
    },
    async (request) => {
      const { date, section } = request.params;
      const { storyIds } = request.body;
      if (!knownSection(section)) throw new GeoError('NOT_FOUND', 'no such section (topic id)');
      const who = authOf(request);
      return withRedis(async () => {
        const { before } = await ctx.editions.reorder(date, section, storyIds);
        const state = await ctx.editions.get(date);
        await ctx.audit.append({
          at: new Date(ctx.now()).toISOString(),
          actor: who,
          action: 'edition.reorder',
          target: target(date),
          before: { section, storyIds: before },
          after: { section, storyIds },
        });
        return { date, section, storyIds: state.order[section] ?? [], version: state.version };
      });
    },
  );

  app.post<{ Params: { date: string }; Body: { version: number } }>(
    '/v1/editions/:date/publish',
    {
      config: { role: 'editor' },
      schema: {
        tags: ['editions'],
        summary: 'Publishes the final edition with the bulletin’s next issue number',
        description:
          '`version`: the version of the edition the editor reviewed (`GET /v1/editions/:date`); 409 ' +
          'EDITION_CHANGED when it changed since, EDITION_PUBLISHED when already published, EDITION_EMPTY ' +
          'when it has no items. The digest is frozen at publication.',
        params: { type: 'object', properties: { date: dateSchema }, required: ['date'] },
        body: {
          type: 'object',
          properties: { version: { type: 'integer', minimum: 0 } },
          required: ['version'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              issue: { type: 'integer' },
              date: { type: 'string' },
              publishedAt: { type: 'string' },
            },
            required: ['issue', 'date', 'publishedAt'],
          },
          ...errors(...COMMON_ERRORS, 409),
        },
      },
    },
    async (request) => {
      const { date } = request.params;
      const who = authOf(request);
      const at = new Date(ctx.now()).toISOString();
      let frozen: EditionResult | null = null;
      // Publication waits for no one: a generous bound (the records of a large edition, a retry or two).
      return withRedis(async () => {
        const res = await ctx.editions.publish(date, {
          by: who.name,
          at,
          expectVersion: request.body.version,
          build: async (state, issue) => {
            frozen = await editionDraft(editionReaderOf(ctx), date, state, issue);
            return frozen.digest;
          },
        });
        const digest = (frozen as EditionResult | null)?.digest;
        await ctx.audit.append({
          at,
          actor: who,
          action: 'edition.publish',
          target: target(date),
          before: { status: 'draft', version: request.body.version },
          after: {
            status: 'published',
            issue: res.issue,
            publishedAt: res.publishedAt,
            storyIds: digest?.sections.flatMap((s) => s.items.map((i) => i.record.storyId)) ?? [],
          },
        });
        return res;
      }, 5_000);
    },
  );

  app.delete<{ Params: { date: string; storyId: string } }>(
    '/v1/editions/:date/items/:storyId',
    {
      config: { role: 'editor' },
      schema: {
        tags: ['editions'],
        summary: 'Takes an accepted story out of a draft',
        description:
          '404 when the edition does not hold the story; 409 EDITION_PUBLISHED for a final edition.',
        params: {
          type: 'object',
          properties: { date: dateSchema, storyId: storyIdSchema },
          required: ['date', 'storyId'],
        },
        response: {
          200: {
            type: 'object',
            properties: { date: { type: 'string' }, removed: entrySchema, version: { type: 'integer' } },
            required: ['date', 'removed', 'version'],
          },
          ...errors(...COMMON_ERRORS, 404, 409),
        },
      },
    },
    async (request) => {
      const { date, storyId } = request.params;
      const who = authOf(request);
      return withRedis(async () => {
        const removed = await ctx.editions.remove(date, storyId);
        const state = await ctx.editions.get(date);
        await ctx.audit.append({
          at: new Date(ctx.now()).toISOString(),
          actor: who,
          action: 'edition.remove',
          target: target(date),
          before: removed,
          after: null,
        });
        return { date, removed, version: state.version };
      });
    },
  );

  app.put<{ Params: { date: string; storyId: string }; Body: { section: string } }>(
    '/v1/editions/:date/items/:storyId/section',
    {
      config: { role: 'editor' },
      schema: {
        tags: ['editions'],
        summary: 'Moves an accepted story of a draft to another section, with its edits',
        description:
          'The story leaves its section’s order and goes last in `section` (a topic id of ' +
          'config/topics.yaml, else 400); its edits stay. The digest builder offers it for the runner-up ' +
          'section ("also fits …"). 404 when the edition does not hold the story; 409 EDITION_PUBLISHED for ' +
          'a final edition. Moving to the section it is in changes nothing.',
        params: {
          type: 'object',
          properties: { date: dateSchema, storyId: storyIdSchema },
          required: ['date', 'storyId'],
        },
        body: {
          type: 'object',
          properties: { section: { ...topicIdSchema, description: 'a topic id of config/topics.yaml' } },
          required: ['section'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              date: { type: 'string' },
              storyId: { type: 'string' },
              section: { type: 'string' },
              before: { type: 'string', description: 'the section it was in' },
              version: { type: 'integer' },
            },
            required: ['date', 'storyId', 'section', 'before', 'version'],
          },
          ...errors(...COMMON_ERRORS, 404, 409),
        },
      },
    },
    async (request) => {
      const { date, storyId } = request.params;
      const { section } = request.body;
      if (!knownSection(section))
        throw new GeoError('INPUT_INVALID', 'section is not a topic id of config/topics.yaml');
      const who = authOf(request);
      return withRedis(async () => {
        // One script: a concurrent remove or publish wins (404, 409), never a story put back.
        const { before, version } = await ctx.editions.move(date, storyId, section);
        if (before !== section)
          await ctx.audit.append({
            at: new Date(ctx.now()).toISOString(),
            actor: who,
            action: 'edition.move',
            target: target(date),
            before: { storyId, section: before },
            after: { storyId, section },
          });
        return { date, storyId, section, before, version };
      });
    },
  );
}
