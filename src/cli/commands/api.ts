import { startApi } from '../../api/server.js';
import { loadConfig } from '../../config/load.js';
import { openRuntime } from '../../runtime/runtime.js';
import { type Command, parseFlags } from '../command.js';
import { chooseRedis, commandLogger, exitSoon, untilSignal } from '../serve.js';

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
    const config = loadConfig({ env: io.env });
    const log = commandLogger(io.env, 'api');
    // Listen before starting anything: a signal during start-up stops the process cleanly once it is up.
    const stopped = untilSignal(log);
    const { target } = await chooseRedis(config, log, false);
    const runtime = await openRuntime({
      config,
      log,
      redis: target,
      roles: [],
      lead: false,
      metricsPort: null,
    });
    let api: Awaited<ReturnType<typeof startApi>>;
    try {
      api = await startApi({ runtime, log, port: config.app.http.port, host: config.app.http.host });
    } catch (err) {
      await runtime.close();
      throw err;
    }
    log.info({ port: api.port }, 'api listening');
    await stopped;
    await api.close();
    await runtime.close();
    return exitSoon(0);
  },
};
