/**
 * `GET /v1/digests/:date`: the edition of a day — the final edition when editors have published one (the
 * digest frozen at publication, with its issue number), else the draft: the editors' accepted stories with
 * their edits and order, or, when they accepted none, the day's best records (buildDigest). Markdown, HTML
 * (with the digest's Content-Security-Policy) or JSON (`geointel.digest/1`); zh or en.
 */
import type { FastifyInstance } from 'fastify';
import { GeoError } from '../../errors.js';
import { CSP, renderDigest } from '../../pipeline/digest/index.js';
import { createKeywords } from '../../pipeline/digest/keywords.js';
import { readEdition } from '../../store/edition-reader.js';
import type { ApiContext } from '../context.js';
import { withRedis } from '../errors.js';
import { COMMON_ERRORS, errors } from '../schemas.js';
import { dateSchema, editionReaderOf } from './editions.js';

export const DIGEST_TYPES = {
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  json: 'application/json; charset=utf-8',
} as const;

interface DigestQuery {
  format: keyof typeof DIGEST_TYPES;
  lang: 'zh' | 'en';
  edition?: 'final' | 'draft';
}

export function digestRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // The 关键词 line of zh renderings: the Chinese terms of an item's glossary entries and tags.
  const keywords = createKeywords(ctx.runtime.config.glossary, ctx.runtime.config.tags);
  const { digest } = ctx.runtime.config.app;
  app.get<{ Params: { date: string }; Querystring: DigestQuery }>(
    '/v1/digests/:date',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['digests'],
        summary: "A day's edition: the final one when published, else the draft",
        description:
          'Day D covers stories published (else fetched) in [D−1 cutoff, D cutoff) of digest.timeZone ' +
          "(docs/contracts.md §Digest). The draft holds the editors' accepted stories (their edits, section " +
          "and order), or the day's best records when they accepted none. `edition=final` on a date not " +
          'published: 404. Headers: X-Geointel-Edition (final|draft), X-Geointel-Issue (final only).',
        params: { type: 'object', properties: { date: dateSchema }, required: ['date'] },
        querystring: {
          type: 'object',
          properties: {
            format: { type: 'string', enum: ['md', 'html', 'json'], default: 'json' },
            lang: { type: 'string', enum: ['zh', 'en'], default: 'zh' },
            edition: { type: 'string', enum: ['final', 'draft'] },
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
          ...errors(...COMMON_ERRORS, 404),
        },
      },
    },
    async (request, reply) => {
      const { date } = request.params;
      const { format, lang } = request.query;
      const served = await withRedis(() => readEdition(editionReaderOf(ctx), date, request.query.edition));
      if (!served) throw new GeoError('NOT_FOUND', `no final edition of ${date} has been published`);
      reply
        .header('content-type', DIGEST_TYPES[format])
        .header('x-geointel-edition', served.edition)
        .header('cache-control', 'no-store');
      if (served.edition === 'final') reply.header('x-geointel-issue', String(served.digest.issue));
      if (format === 'html') reply.header('content-security-policy', CSP);
      const text = renderDigest(served.digest, {
        keywords,
        format,
        lang,
        title: lang === 'zh' ? digest.titleZh : digest.titleEn,
      });
      if (format !== 'json') return text;
      // The JSON says which edition it is (the renderer knows digests, not editions).
      const { schema, ...rest } = JSON.parse(text) as Record<string, unknown>;
      const publishedAt = served.edition === 'final' ? { publishedAt: served.publishedAt } : {};
      return `${JSON.stringify({ schema, edition: served.edition, ...publishedAt, ...rest }, null, 2)}\n`;
    },
  );
}
