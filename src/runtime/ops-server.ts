/**
 * `/healthz` (the process is up), `/readyz` (Redis answers and the workers run; 503 "degraded" otherwise) and
 * `/metrics` (Prometheus) on `METRICS_PORT` for worker processes; port 0 picks a free one so several workers
 * share a host. The API (src/api/) serves the same routes, through {@link opsReply}, on its own port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.js';

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/** What the ops routes need: readiness, the metrics registry, and a sampler run before each scrape. */
export interface OpsDeps {
  readiness: () => Promise<Readiness>;
  metrics: Metrics;
  beforeScrape?: () => Promise<void>;
}

/** One ops answer, for this server and for the API (src/api/routes/ops.ts), which serve the same routes. */
export interface OpsReply {
  status: number;
  contentType: string;
  body: string;
}

export const OPS_PATHS = ['/healthz', '/readyz', '/metrics'] as const;
export type OpsPath = (typeof OPS_PATHS)[number];

const JSON_TYPE = 'application/json; charset=utf-8';

/** The answer of one ops route. */
export async function opsReply(path: OpsPath, deps: OpsDeps): Promise<OpsReply> {
  if (path === '/healthz')
    return { status: 200, contentType: JSON_TYPE, body: JSON.stringify({ status: 'ok' }) };
  if (path === '/readyz') {
    const r = await deps.readiness();
    const body = { status: r.ready ? 'ready' : 'degraded', checks: r.checks };
    return { status: r.ready ? 200 : 503, contentType: JSON_TYPE, body: JSON.stringify(body) };
  }
  await deps.beforeScrape?.().catch(() => undefined);
  return {
    status: 200,
    contentType: deps.metrics.registry.contentType,
    body: await deps.metrics.registry.metrics(),
  };
}

/** Handles the three ops routes; returns false for any other path. */
export async function handleOps(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  deps: OpsDeps,
): Promise<boolean> {
  const path = (req.url ?? '/').split('?')[0] as OpsPath;
  if (!OPS_PATHS.includes(path)) return false;
  const r = await opsReply(path, deps);
  res.writeHead(r.status, {
    'content-type': r.contentType,
    ...(path === '/metrics' ? {} : { 'cache-control': 'no-store' }),
  });
  res.end(r.body);
  return true;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export async function startOpsServer(port: number, host: string, deps: OpsDeps): Promise<OpsServer> {
  const server = http.createServer((req, res) => {
    handleOps(req, res, deps)
      .then((handled) => {
        if (!handled) send(res, 404, { error: { code: 'NOT_FOUND', message: 'no such route' } });
      })
      .catch(() => send(res, 500, { error: { code: 'INTERNAL', message: 'internal error' } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
