/**
 * JSON schemas shared by the routes. Each route declares its request and response with these; the OpenAPI
 * document at /docs/json is generated from them by @fastify/swagger (never written by hand). The record
 * schema is derived from the zod schema the workers and `digest --from` validate records with.
 */
import { z } from 'zod';
import { DigestRecordSchema } from '../pipeline/record-schema.js';

/** `geointel.record/1` as an OpenAPI 3.0 schema object (unknown fields pass through, as in the zod schema). */
export const recordSchema = {
  description: 'A digest record `geointel.record/1` (docs/contracts.md), with its duplicates',
  ...(z.toJSONSchema(DigestRecordSchema, {
    target: 'openapi-3.0',
    io: 'output',
    unrepresentable: 'any',
  }) as Record<string, unknown>),
};

/** The one error shape of every API answer that is not a success. */
export const errorSchema = {
  type: 'object',
  description: 'Every error: a stable code (src/errors.ts, docs/api.md) and a message for people',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
      additionalProperties: false,
    },
  },
  required: ['error'],
  additionalProperties: false,
} as const;

/** Error responses a route can give, by status. */
export function errors(...statuses: number[]): Record<string, typeof errorSchema> {
  return Object.fromEntries(statuses.map((s) => [String(s), errorSchema]));
}

/** What every route that reads Redis can answer besides its own errors. */
export const COMMON_ERRORS = [400, 401, 403, 503] as const;

/** A topic id of config/topics.yaml, or `all` where a route says so. */
export const topicIdSchema = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' } as const;
export const sourceIdSchema = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' } as const;
