/**
 * `/healthz` (the process is up), `/readyz` (Redis answers and the workers run; 503 "degraded" otherwise) and
 * `/metrics` (Prometheus) on `METRICS_PORT` for worker processes; port 0 picks a free one so several workers
 * share a host. The API serves the same routes on its own port.
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

/** Handles the three ops routes; returns false for any other path (the API adds its own). */
export async function handleOps(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  deps: { readiness: () => Promise<Readiness>; metrics: Metrics; beforeScrape?: () => Promise<void> },
): Promise<boolean> {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/healthz') {
    send(res, 200, { status: 'ok' });
    return true;
  }
  if (path === '/readyz') {
    const r = await deps.readiness();
    send(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'degraded', checks: r.checks });
    return true;
  }
  if (path === '/metrics') {
    await deps.beforeScrape?.().catch(() => undefined);
    res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
    res.end(await deps.metrics.registry.metrics());
    return true;
  }
  return false;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export async function startOpsServer(
  port: number,
  host: string,
  deps: Parameters<typeof handleOps>[2],
): Promise<OpsServer> {
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
