import type { Readable, Writable } from 'node:stream';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { GeoError } from '../errors.js';

export interface CommandIO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
}

/** One CLI command: `geointel <name> …`. `run` returns the exit code (0 ok, 1 runtime failure, 2 usage/config). */
export interface Command {
  name: string;
  /** Full `--help` text. */
  help: string;
  run(args: string[], io: CommandIO): Promise<number>;
}

/** Parses flags strictly; unknown flags and missing values become a USAGE error (exit 2). */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  allowPositionals = true,
) {
  try {
    return parseArgs({
      args,
      options: { help: { type: 'boolean', short: 'h' }, ...options },
      allowPositionals,
      strict: true,
    });
  } catch (err) {
    throw new GeoError('USAGE', (err as Error).message);
  }
}

/** Writes one JSON line to a stream. */
export function writeJsonLine(out: Writable, value: unknown): void {
  out.write(`${JSON.stringify(value)}\n`);
}

/** Reports a problem on stderr as one JSON line with a stable code (docs/contracts.md: dropped entries, bad lines). */
export function reportLine(
  io: CommandIO,
  fields: { code: string; message: string; [k: string]: unknown },
): void {
  writeJsonLine(io.stderr, { level: 'warn', ...fields });
}

/** Reads a stream line by line (JSON Lines input of classify/dedupe, paths for parse --batch). */
export async function* readLines(input: Readable): AsyncGenerator<string> {
  let buf = '';
  input.setEncoding('utf8');
  for await (const chunk of input) {
    buf += chunk as string;
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      yield buf.slice(0, nl).replace(/\r$/, '');
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
    }
  }
  if (buf.length > 0) yield buf.replace(/\r$/, '');
}
