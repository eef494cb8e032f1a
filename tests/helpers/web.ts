/**
 * The running system the page tests drive: the demo's recorded feeds (capture server on 127.0.0.1) fetched
 * and processed by a real runtime on the real Redis (own key prefix), the API with the pages listening on
 * 127.0.0.1, and one token per role. Retention and the candidates' window are widened to the captures' age
 * (2018–2025), as `geointel demo` widens the intake window, so every demo story is a record and a candidate.
 */
import type { Redis } from 'ioredis';
import { type ApiInstance, buildApi } from '../../src/api/app.js';
import { demoConfig } from '../../src/cli/commands/demo.js';
import { type CaptureServer, demoSources, startCaptureServer } from '../../src/demo/capture-server.js';
import { createLogger } from '../../src/log.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import type { TokenRole } from '../../src/store/tokens.js';
import { FEEDS } from '../unit/dedupe-fixture-items.js';
import { apiAccess, baseConfig, cleanup, fetchNow, startRuntime, withPrefix } from './runtime.js';

export interface WebStack {
  server: CaptureServer;
  runtime: Runtime;
  redis: Redis;
  app: ApiInstance;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  token: Record<TokenRole, string>;
  close(): Promise<void>;
}

/** `intake: false`: no workers and no fetch (route tests that need no records). */
export async function startWebStack(opts: { intake?: boolean } = {}): Promise<WebStack> {
  const intake = opts.intake ?? true;
  const log = createLogger({ level: process.env.TEST_LOG ?? 'silent' });
  const server = await startCaptureServer({ root: FEEDS });
  const base = baseConfig();
  const demo = demoConfig(base, demoSources(server, base.sources, '1h'));
  const config = withPrefix({
    ...demo,
    app: {
      ...demo.app,
      retention: { ...demo.app.retention, recordDays: 36_500 },
      editors: { ...demo.app.editors, candidateDays: 36_500 },
    },
  });
  const runtime = await startRuntime(config, intake ? {} : { roles: [] });
  if (intake)
    await fetchNow(
      runtime,
      runtime.sources().map((s) => s.id),
    );
  const token = { viewer: '', editor: '', admin: '' } as Record<TokenRole, string>;
  const { redis, tokens } = await apiAccess(runtime, 'web', token);
  const app = await buildApi({ runtime, log, tokens, redis });
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    server,
    runtime,
    redis,
    app,
    origin,
    token,
    async close() {
      await app.close();
      await cleanup(runtime);
      redis.disconnect();
      await runtime.close();
      await server.close();
    },
  };
}
