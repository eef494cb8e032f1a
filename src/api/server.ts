/** Serves the API on a port: what `geointel run` and `geointel api` host (src/cli/commands/{run,api}.ts). */
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { connect } from '../runtime/redis.js';
import type { Runtime } from '../runtime/runtime.js';
import { createRedisTokenStore } from '../store/tokens.js';
import { type ApiInstance, buildApi } from './app.js';
import { whenReady } from './redis-ready.js';

export interface ApiServer {
  app: ApiInstance;
  port: number;
  close(): Promise<void>;
}

/** Builds the API on its own fail-fast Redis client (tokens included) and listens on `host:port`. */
export async function startApi(opts: {
  runtime: Runtime;
  log: Logger;
  port: number;
  host: string;
}): Promise<ApiServer> {
  const redis = connect(opts.runtime.redisTarget, 'producer', opts.log.child({ conn: 'api' }));
  const closeRedis = () =>
    redis.quit().then(
      () => undefined,
      () => redis.disconnect(),
    );
  try {
    await whenReady(redis, 2_000);
    const tokens = createRedisTokenStore({ redis, prefix: opts.runtime.keys.prefix });
    const app = await buildApi({ runtime: opts.runtime, log: opts.log, tokens, redis });
    await app.listen({ port: opts.port, host: opts.host });
    return {
      app,
      port: (app.server.address() as AddressInfo).port,
      async close() {
        await app.close();
        await closeRedis();
      },
    };
  } catch (err) {
    await closeRedis();
    throw err;
  }
}
