import { loadConfig } from '../../config/load.js';
import { openRuntime } from '../../runtime/runtime.js';
import { type Command, parseFlags } from '../command.js';
import { chooseRedis, commandLogger, exitSoon, untilSignal } from '../serve.js';

const HELP = `Usage: geointel api

The HTTP surface only, on PORT (default 8080), against the Redis in REDIS_URL (or the one a local
\`geointel run\` supervises). Today it serves /healthz, /readyz (503 "degraded" while Redis is away) and
/metrics; the /v1 API, live streams and pages arrive with the API issue. It runs no workers and does not
campaign for leadership.`;

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
      metricsPort: config.app.http.port,
    });
    log.info({ port: runtime.ops?.port }, 'api listening');
    await stopped;
    await runtime.close();
    return exitSoon(0);
  },
};
