import { GeoError } from '../../errors.js';
import { ROLES, type Role } from '../../runtime/queues.js';
import { openRuntime } from '../../runtime/runtime.js';
import { type Command, parseFlags } from '../command.js';
import { beginServing, exitSoon } from '../serve.js';

const HELP = `Usage: geointel worker --role fetch|process|deliver|all [--metrics-port N]

Runs queue workers only, against the Redis in REDIS_URL (or the one a local \`geointel run\` supervises):
scale out by starting more of these, on this machine or others, against one Redis or Valkey primary.

  --role R          fetch (poll sources on their schedules, read article pages and, with a translation
                    backend, draft the Chinese of stories: docs/translation.md), process (classify,
                    dedupe, store and stream records), deliver (daily digests, e-mail, and the
                    subscriptions' webhooks: it also reads stream:all for them, with the other deliver
                    processes) or all. Repeatable.
  --metrics-port N  port of /healthz, /readyz and /metrics (default METRICS_PORT or http.metricsPort,
                    9464); 0 picks a free port, so several workers share a host.

Every worker process also campaigns for leadership: exactly one at a time reconciles the job schedulers
with the registry and owns the daily digest. SIGINT/SIGTERM stop taking jobs and let in-flight ones finish
(or hand them back after 10 s). With GEOINTEL_PROFILE=production a Redis without noeviction or AOF is
refused (exit 2).`;

export const command: Command = {
  name: 'worker',
  help: HELP,
  async run(args, io) {
    const { values } = parseFlags(
      args,
      { role: { type: 'string', multiple: true }, 'metrics-port': { type: 'string' } },
      false,
    );
    const asked = (values.role ?? []).flatMap((r) => r.split(','));
    if (asked.length === 0)
      throw new GeoError('USAGE', '--role is required (fetch, process, deliver or all)');
    for (const r of asked)
      if (r !== 'all' && !ROLES.includes(r as Role))
        throw new GeoError('USAGE', `--role: unknown role "${r}"`);
    const roles = asked.includes('all') ? [...ROLES] : ([...new Set(asked)] as Role[]);
    const port = values['metrics-port'];
    if (port !== undefined && !/^\d+$/.test(port))
      throw new GeoError('USAGE', `--metrics-port must be a port number`);
    const { config, log, stopped, target } = await beginServing(io.env, 'worker', false);
    const runtime = await openRuntime({
      config,
      log,
      redis: target,
      roles,
      metricsPort: port === undefined ? config.app.http.metricsPort : Number(port),
    });
    log.info({ roles, metricsPort: runtime.ops?.port, pid: process.pid }, 'worker started');
    await stopped;
    await runtime.close();
    return exitSoon(0);
  },
};
