/**
 * Editors correct the story index: `POST /v1/stories/:id/merge` `{ into }` and `POST /v1/stories/:id/split`
 * `{ itemId }` (src/store/story-edits.ts does each in one script). Both write two audit entries, one per story
 * (`story:<id>`), each with the part of that story the action changed before and after.
 */
import type { FastifyInstance } from 'fastify';
import type { DigestRecord } from '../../pipeline/types.js';
import type { StoryEditStore } from '../../store/story-edits.js';
import { type AuthInfo, authOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { withRedis } from '../errors.js';
import { COMMON_ERRORS, errors, recordSchema } from '../schemas.js';

const storyIdSchema = { type: 'string', pattern: '^[A-Za-z0-9:_.-]{1,200}$' } as const;
const params = { type: 'object', properties: { id: storyIdSchema }, required: ['id'] } as const;
const itemIds = (r: DigestRecord) => r.duplicates.map((d) => d.id);

export function storyEditRoutes(app: FastifyInstance, ctx: ApiContext, edits: StoryEditStore): void {
  const audit = (auth: AuthInfo, action: string, storyId: string, before: unknown, after: unknown) =>
    withRedis(() =>
      ctx.audit.append({
        at: new Date(ctx.now()).toISOString(),
        actor: { name: auth.name, role: auth.role },
        action,
        target: `story:${storyId}`,
        before,
        after,
      }),
    );

  app.post<{ Params: { id: string }; Body: { into: string } }>(
    '/v1/stories/:id/merge',
    {
      config: { role: 'editor' },
      schema: {
        tags: ['records'],
        summary: 'Merge this story into another: its record and items become duplicates of `into`',
        description:
          'The merged story leaves the record list, candidates, counts and the text, tag and map indexes and ' +
          'keeps a pointer: `GET /v1/stories/:id` answers the target with `mergedInto`, and later items the ' +
          'story index assigns to the merged story land in `into`. 409 STORY_CONFLICT when either story was ' +
          'merged already or both are one; 404 when either is unknown.',
        params,
        body: {
          type: 'object',
          properties: { into: { ...storyIdSchema, description: 'the story to merge into' } },
          required: ['into'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              storyId: { type: 'string' },
              mergedInto: { type: 'string' },
              moved: {
                type: 'array',
                items: { type: 'string' },
                description: 'item ids now in `mergedInto`',
              },
              story: { ...recordSchema, description: 'the target story after the merge' },
            },
            required: ['storyId', 'mergedInto', 'moved', 'story'],
          },
          ...errors(...COMMON_ERRORS, 404, 409),
        },
      },
    },
    async (request) => {
      const auth = authOf(request);
      const { id } = request.params;
      const out = await withRedis(() => edits.merge(id, request.body.into));
      await audit(
        auth,
        'story.merge',
        id,
        {
          title: out.before.story.title,
          items: [out.before.story.id, ...itemIds(out.before.story)],
          mergedInto: null,
        },
        { mergedInto: out.into },
      );
      await audit(
        auth,
        'story.merge',
        out.into,
        { duplicates: itemIds(out.before.into) },
        { duplicates: itemIds(out.after), mergedFrom: id },
      );
      return { storyId: id, mergedInto: out.into, moved: out.moved, story: out.after };
    },
  );

  app.post<{ Params: { id: string }; Body: { itemId: string } }>(
    '/v1/stories/:id/split',
    {
      config: { role: 'editor' },
      schema: {
        tags: ['records'],
        summary: 'Split an item out of this story into a new story of its own (its id is the item id)',
        description:
          'The item leaves the story’s duplicates; the new story is stored, indexed and counted like any new ' +
          'story and, when relevant, offered to editors and emitted to the streams. 404 when the story or the ' +
          'item is unknown; 409 STORY_CONFLICT for the story’s own item, a merged story, or an item whose full ' +
          'record was not kept.',
        params,
        body: {
          type: 'object',
          properties: {
            itemId: { ...storyIdSchema, description: 'an item id among the story’s duplicates' },
          },
          required: ['itemId'],
          additionalProperties: false,
        },
        response: {
          201: {
            type: 'object',
            properties: {
              storyId: { type: 'string' },
              itemId: { type: 'string' },
              newStoryId: { type: 'string' },
              story: { ...recordSchema, description: 'the new story' },
              from: { ...recordSchema, description: 'the story the item left, after the split' },
            },
            required: ['storyId', 'itemId', 'newStoryId', 'story', 'from'],
          },
          ...errors(...COMMON_ERRORS, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const auth = authOf(request);
      const { id } = request.params;
      const out = await withRedis(() => edits.split(id, request.body.itemId));
      await audit(
        auth,
        'story.split',
        id,
        { duplicates: itemIds(out.before) },
        { duplicates: itemIds(out.after), splitOut: out.itemId },
      );
      await audit(
        auth,
        'story.split',
        out.newStoryId,
        { storyOf: id },
        { storyId: out.newStoryId, splitFrom: id, title: out.record.title },
      );
      reply.code(201);
      return {
        storyId: id,
        itemId: out.itemId,
        newStoryId: out.newStoryId,
        story: out.record,
        from: out.after,
      };
    },
  );
}
