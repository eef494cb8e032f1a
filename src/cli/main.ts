import { ConfigError, formatIssue } from '../config/load.js';
import { isGeoError } from '../errors.js';
import { VERSION } from '../version.js';
import type { Command, CommandIO } from './command.js';

/**
 * Commands are loaded on demand so that `geointel parse` does not pay for BullMQ or the API; their one-line
 * summaries live here (the top-level help must not load every command).
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  parse: {
    summary: 'the parse stage alone: one JSON document per feed or page',
    load: async () => (await import('./commands/parse.js')).command,
  },
  ingest: {
    summary: 'parse feeds or pages and print one digest record per item (no Redis)',
    load: async () => (await import('./commands/ingest.js')).command,
  },
  classify: {
    summary: 'JSON Lines items on stdin → one classification per line',
    load: async () => (await import('./commands/classify.js')).command,
  },
  dedupe: {
    summary: 'JSON Lines items on stdin → one story assignment per line',
    load: async () => (await import('./commands/dedupe.js')).command,
  },
  digest: {
    summary: 'render the daily digest (Markdown, HTML or JSON; zh or en)',
    load: async () => (await import('./commands/digest.js')).command,
  },
  sources: {
    summary: 'the source registry: list (with health), check, OPML import and export',
    load: async () => (await import('./commands/sources.js')).command,
  },
  run: {
    summary: 'the whole system in one process (starts its own redis-server without REDIS_URL)',
    load: async () => (await import('./commands/run.js')).command,
  },
  worker: {
    summary: 'queue workers only (--role fetch|process|deliver|all), to scale out',
    load: async () => (await import('./commands/worker.js')).command,
  },
  token: {
    summary: 'API tokens: create (printed once, stored hashed), list, revoke',
    load: async () => (await import('./commands/token.js')).command,
  },
  api: {
    summary: 'the HTTP API only (/v1, /docs, health, readiness, metrics)',
    load: async () => (await import('./commands/api.js')).command,
  },
  demo: {
    summary: 'run everything against the recorded real feeds served from 127.0.0.1 (offline)',
    load: async () => (await import('./commands/demo.js')).command,
  },
  reprocess: {
    summary: "run a source's last fetched body through the stages again",
    load: async () => (await import('./commands/reprocess.js')).command,
  },
  model: {
    summary: 'the learned model: train from editors’ decisions, list, promote, restore, eval',
    load: async () => (await import('./commands/model.js')).command,
  },
  rules: {
    summary: 'rules test: replay stored records through a changed taxonomy or model (gained/lost, P/R)',
    load: async () => (await import('./commands/rules.js')).command,
  },
};

/** Codes that are the operator's to fix (configuration, environment): exit 2 like a bad config file. */
const OPERATOR_CODES = new Set(['USAGE', 'CONFIG_INVALID', 'REDIS_MISCONFIGURED', 'REDIS_NOT_FOUND']);

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return `geointel ${VERSION}: geoscience intelligence pipeline

Usage: geointel <command> [options]   (geointel <command> --help for details)

Commands:
${lines.join('\n')}

Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
Configuration: config/geointel.yaml, config/sources.yaml, config/topics.yaml and config/tags.yaml
(GEOINTEL_CONFIG_DIR to move them); GEOINTEL_* variables override the file (config/env.example).
`;
}

export async function main(argv: string[], io: CommandIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    io.stderr.write(`geointel: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(
        `geointel: invalid configuration (${err.issues.length} problem${err.issues.length === 1 ? '' : 's'}):\n`,
      );
      for (const issue of err.issues) io.stderr.write(`  ${formatIssue(issue)}\n`);
      return 2;
    }
    if (isGeoError(err)) {
      if (err.code === 'USAGE') {
        io.stderr.write(`geointel ${name}: ${err.message}\n\n${command.help}\n`);
        return 2;
      }
      if (OPERATOR_CODES.has(err.code)) {
        io.stderr.write(`geointel ${name}: ${err.code}: ${err.message}\n`);
        return 2;
      }
      io.stderr.write(
        `${JSON.stringify({ level: 'error', command: name, code: err.code, message: err.message })}\n`,
      );
      return 1;
    }
    throw err;
  }
}

function defaultIO(): CommandIO {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}
