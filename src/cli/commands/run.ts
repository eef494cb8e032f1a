import { ROLES } from '../../runtime/queues.js';
import { openRuntime } from '../../runtime/runtime.js';
import { type Command, parseFlags } from '../command.js';
import { beginServing, exitSoon, intakeProgress, serveApi } from '../serve.js';

const HELP = `Usage: geointel run

The whole system in one process: the scheduler (leader), fetch, process and deliver workers, and the HTTP
API on PORT (default 8080: /v1, /docs, /healthz, /readyz, /metrics; docs/api.md).
\`npm start\` runs this.

Redis: REDIS_URL when set. Without it, geointel starts and supervises its own redis-server from PATH, data
in redis.dataDir (./data/redis; AOF everysec, noeviction) on the unix socket ./data/redis/redis.sock, which
every other command (\`geointel worker\`, \`sources list\`, …) finds without flags. No redis-server binary:
exit 2 naming how to get one.

Scale out with \`geointel worker --role …\` processes on more machines against the same Redis.
SIGINT/SIGTERM: stop taking jobs, let in-flight ones finish (10 s), close cleanly.`;

export const command: Command = {
  name: 'run',
  help: HELP,
  async run(args, io) {
    parseFlags(args, {}, false);
    const { config, log, stopped, target, embedded } = await beginServing(io.env, 'run', true);
    try {
      const runtime = await openRuntime({
        config,
        log,
        redis: target,
        roles: ROLES,
        metricsPort: null,
      });
      const api = await serveApi(runtime, log);
      log.info(
        {
          redis: embedded?.display ?? 'REDIS_URL',
          port: api.port,
          sources: runtime.sources().filter((s) => s.enabled).length,
        },
        'geointel running',
      );
      const stopProgress = intakeProgress(runtime, process.stdout);
      await stopped;
      stopProgress();
      await api.close();
      await runtime.close();
    } finally {
      await embedded?.stop();
    }
    return exitSoon(0);
  },
};
