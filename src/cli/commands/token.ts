import { whenReady } from '../../api/redis-ready.js';
import { loadConfig } from '../../config/load.js';
import { GeoError } from '../../errors.js';
import { connect } from '../../runtime/redis.js';
import {
  createRedisTokenStore,
  isTokenRole,
  TOKEN_NAME,
  TOKEN_ROLES,
  type TokenStore,
} from '../../store/tokens.js';
import { type Command, parseFlags } from '../command.js';
import { chooseRedis, commandLogger } from '../serve.js';

const HELP = `Usage:
  geointel token create --name NAME --role viewer|editor|admin
  geointel token list [--json]
  geointel token revoke NAME

API tokens (docs/api.md). Roles: viewer (records, stories, digests, sources, streams), editor (+ candidates
and editions), admin (+ triggering fetches, subscriptions, tokens).

create  prints the new token on stdout, once: only its SHA-256 is stored, so it cannot be shown again.
        NAME (letters, digits, ".", "_", "@", "-"; at most 64) names the holder in audit trails and is never
        reused, revoked or not.
list    every token: name, role, created, active or revoked (never the token). --json: an array.
revoke  the token of NAME stops working at its next request, and the API ends its open streams at once
        (exit 1 when no token has that name).

Needs the Redis of the running system (REDIS_URL, or the one \`geointel run\` supervises).`;

async function withStore<T>(
  io: Parameters<Command['run']>[1],
  work: (s: TokenStore) => Promise<T>,
): Promise<T> {
  const config = loadConfig({ env: io.env });
  const log = commandLogger(io.env, 'token');
  const { target } = await chooseRedis(config, log, false);
  const redis = connect(target, 'producer', log);
  try {
    if (!(await whenReady(redis, 5_000)))
      throw new GeoError('REDIS_UNAVAILABLE', 'Redis did not answer within 5 s');
    return await work(createRedisTokenStore({ redis, prefix: config.app.redis.prefix }));
  } finally {
    redis.disconnect();
  }
}

export const command: Command = {
  name: 'token',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      name: { type: 'string' },
      role: { type: 'string' },
      json: { type: 'boolean' },
    });
    const [sub, ...rest] = positionals;
    switch (sub) {
      case 'create': {
        const { name, role } = values;
        if (rest.length > 0) throw new GeoError('USAGE', `unexpected argument "${rest[0]}"`);
        if (!name || !TOKEN_NAME.test(name))
          throw new GeoError('USAGE', '--name NAME is required: 1–64 letters, digits, ".", "_", "@" or "-"');
        if (!role || !isTokenRole(role))
          throw new GeoError('USAGE', `--role must be one of ${TOKEN_ROLES.join(', ')}`);
        const { token } = await withStore(io, (s) => s.create(name, role));
        io.stdout.write(`${token}\n`);
        io.stderr.write(
          `token "${name}" (${role}) created: it is shown this once; only its hash is stored\n`,
        );
        return 0;
      }
      case 'list': {
        if (rest.length > 0) throw new GeoError('USAGE', `unexpected argument "${rest[0]}"`);
        const list = await withStore(io, (s) => s.list());
        if (values.json) {
          io.stdout.write(`${JSON.stringify(list)}\n`);
          return 0;
        }
        const rows = [
          ['NAME', 'ROLE', 'CREATED', 'STATUS'],
          ...list.map((t) => [
            t.name,
            t.role,
            t.createdAt,
            t.revoked ? `revoked ${t.revokedAt ?? ''}`.trim() : 'active',
          ]),
        ];
        const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
        for (const r of rows)
          io.stdout.write(
            `${r
              .map((c, i) => c.padEnd(widths[i]!))
              .join('  ')
              .trimEnd()}\n`,
          );
        return 0;
      }
      case 'revoke': {
        const [name, ...extra] = rest;
        if (!name || extra.length > 0) throw new GeoError('USAGE', 'revoke takes one token NAME');
        const revoked = await withStore(io, (s) => s.revoke(name));
        if (!revoked) {
          io.stderr.write(`geointel token: no token named "${name}"\n`);
          return 1;
        }
        io.stdout.write(`revoked "${name}"\n`);
        return 0;
      }
      default:
        throw new GeoError(
          'USAGE',
          sub ? `unknown subcommand "${sub}"` : 'a subcommand is required: create, list or revoke',
        );
    }
  },
};
