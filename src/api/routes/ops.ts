/** `/healthz`, `/readyz`, `/metrics` (public), answered by the ops server's own code (src/runtime/ops-server.ts). */
import type { FastifyInstance } from 'fastify';
import { OPS_PATHS, type OpsDeps, opsReply } from '../../runtime/ops-server.js';
import { sampleQueues } from '../../runtime/runtime.js';
import type { ApiContext } from '../context.js';
import { withRedis } from '../errors.js';

const readySchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ready', 'degraded'] },
    checks: { type: 'object', additionalProperties: { type: 'string' } },
  },
  required: ['status', 'checks'],
} as const;

const SCHEMAS = {
  '/healthz': {
    summary: 'The process is up',
    response: {
      200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'] },
    },
  },
  '/readyz': {
    summary: 'Redis answers and the workers run (503 "degraded" otherwise)',
    response: { 200: readySchema, 503: readySchema },
  },
  '/metrics': {
    summary: 'Prometheus metrics (docs/contracts.md §HTTP)',
    produces: ['text/plain'],
    response: { 200: { content: { 'text/plain': { schema: { type: 'string' } } } } },
  },
};

export function opsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const deps: OpsDeps = {
    readiness: () => ctx.runtime.readiness(),
    metrics: ctx.runtime.metrics,
    // The queue gauges are sampled on the API's fail-fast client, bounded: a scrape never hangs on Redis.
    beforeScrape: () => withRedis(() => sampleQueues(ctx.queues, ctx.runtime.metrics), 1_000),
  };
  for (const path of OPS_PATHS) {
    app.get(
      path,
      { config: { role: 'public' }, schema: { tags: ['ops'], ...SCHEMAS[path] } },
      async (_request, reply) => {
        const r = await opsReply(path, deps);
        reply.code(r.status as 200).header('content-type', r.contentType);
        if (path !== '/metrics') reply.header('cache-control', 'no-store');
        return r.body;
      },
    );
  }
}
