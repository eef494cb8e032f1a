import { startApi } from '../../api/server.js';
import { loadConfig } from '../../config/load.js';
import { ROLES } from '../../runtime/queues.js';
import { openRuntime } from '../../runtime/runtime.js';
import { type Command, parseFlags } from '../command.js';
import { chooseRedis, commandLogger, exitSoon, intakeProgress, untilSignal } from '../serve.js';

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
    const config = loadConfig({ env: io.env });
    const log = commandLogger(io.env, 'run');
    // Listen before starting anything: a signal during start-up stops the process cleanly once it is up.
    const stopped = untilSignal(log);
    const { target, embedded } = await chooseRedis(config, log, true);
    try {
      const runtime = await openRuntime({
        config,
        log,
        redis: target,
        roles: ROLES,
        metricsPort: null,
      });
      let api: Awaited<ReturnType<typeof startApi>>;
      try {
        api = await startApi({ runtime, log, port: config.app.http.port, host: config.app.http.host });
      } catch (err) {
        await runtime.close();
        throw err;
      }
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
