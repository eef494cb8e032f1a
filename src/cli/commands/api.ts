import { openRuntime } from '../../runtime/runtime.js';
import { type Command, parseFlags } from '../command.js';
import { beginServing, exitSoon, serveApi } from '../serve.js';

const HELP = `Usage: geointel api

The HTTP API only, on PORT (default 8080), against the Redis in REDIS_URL (or the one a local
\`geointel run\` supervises): /v1 (records, stories, digests, sources; a token of the route's role,
\`geointel token create\`), /docs (OpenAPI), /healthz, /readyz (503 "degraded" while Redis is away) and
/metrics. While Redis is away /v1 answers 503 REDIS_UNAVAILABLE at once. It runs no workers and does not
campaign for leadership. Routes, roles and errors: docs/api.md.`;

export const command: Command = {
  name: 'api',
  help: HELP,
  async run(args, io) {
    parseFlags(args, {}, false);
    const { config, log, stopped, target } = await beginServing(io.env, 'api', false);
    const runtime = await openRuntime({
      config,
      log,
      redis: target,
      roles: [],
      lead: false,
      metricsPort: null,
    });
    const api = await serveApi(runtime, log);
    log.info({ port: api.port }, 'api listening');
    await stopped;
    await api.close();
    await runtime.close();
    return exitSoon(0);
  },
};
