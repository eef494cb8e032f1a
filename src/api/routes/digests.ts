/**
 * `GET /v1/digests/:date`: the draft edition of a day, built from the stored records of that day with the
 * same stage the CLI and the deliver worker use (buildDigest → renderDigest). Markdown, HTML (with the
 * digest's Content-Security-Policy) or JSON (`geointel.digest/1`); zh or en.
 */
import type { FastifyInstance } from 'fastify';
import { buildDigest, CSP, renderDigest } from '../../pipeline/digest/index.js';
import type { ApiContext } from '../context.js';
import { withRedis } from '../errors.js';
import { COMMON_ERRORS, errors } from '../schemas.js';

const DAY = 86_400_000;

export const DIGEST_TYPES = {
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  json: 'application/json; charset=utf-8',
} as const;

interface DigestQuery {
  format: keyof typeof DIGEST_TYPES;
  lang: 'zh' | 'en';
}

export function digestRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { digest } = ctx.runtime.config.app;
  app.get<{ Params: { date: string }; Querystring: DigestQuery }>(
    '/v1/digests/:date',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['digests'],
        summary: "A day's digest (the draft, built from the stored records of the day)",
        description:
          'Day D covers stories published (else fetched) in [D−1 cutoff, D cutoff) of digest.timeZone ' +
          '(docs/contracts.md §Digest). The header X-Geointel-Edition says which edition was served.',
        params: {
          type: 'object',
          properties: { date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } },
          required: ['date'],
        },
        querystring: {
          type: 'object',
          properties: {
            format: { type: 'string', enum: ['md', 'html', 'json'], default: 'json' },
            lang: { type: 'string', enum: ['zh', 'en'], default: 'zh' },
          },
          additionalProperties: false,
        },
        produces: Object.values(DIGEST_TYPES),
        response: {
          200: {
            description: 'The edition; JSON is `geointel.digest/1` (sections → items → records)',
            content: {
              'text/markdown': { schema: { type: 'string' } },
              'text/html': { schema: { type: 'string' } },
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: true,
                  properties: { schema: { type: 'string' } },
                },
              },
            },
          },
          ...errors(...COMMON_ERRORS),
        },
      },
    },
    async (request, reply) => {
      const { date } = request.params;
      const { format, lang } = request.query;
      // A superset of the day's window (time zones reach ±14 h); buildDigest keeps exactly the window.
      const day = Date.parse(`${date}T00:00:00Z`);
      const records = Number.isFinite(day)
        ? await withRedis(() => ctx.records.storiesBetween(day - 2 * DAY, day + DAY))
        : [];
      const edition = buildDigest(records, {
        date,
        timeZone: digest.timeZone,
        cutoffHour: digest.cutoffHour,
        perSection: digest.perSection,
        topics: ctx.runtime.config.topics.topics,
      });
      reply
        .header('content-type', DIGEST_TYPES[format])
        .header('x-geointel-edition', 'draft')
        .header('cache-control', 'no-store');
      if (format === 'html') reply.header('content-security-policy', CSP);
      return renderDigest(edition, { format, lang, title: lang === 'zh' ? digest.titleZh : digest.titleEn });
    },
  );
}
