import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/** Longest string value a log line carries; feed text is untrusted and may be huge. */
export const MAX_FIELD = 2000;
/** A line longer than this has every string in it cut to {@link MAX_FIELD} (serializer output, bindings). */
export const MAX_LINE = 4 * 1024;

/**
 * What is never logged in clear: credentials in objects, and the headers that carry them wherever a request
 * is logged with its headers (fastify's own request serializer logs method, URL and host only).
 */
export const REDACT_PATHS = [
  '*.password',
  '*.token',
  '*.secret',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  'csrfToken',
  '*.csrfToken',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

/**
 * The one pino root. Logs are JSON lines on stderr (stdout belongs to command output); children are made per
 * role and job (`log.child({ role: 'fetch', jobId })`).
 *
 * Log injection (CWE-117; RELIABILITY.md O6): a title or URL from a feed must not forge a line, colour a
 * terminal or flood the log. One log call is one line: JSON encoding escapes CR, LF, ESC and every other C0
 * control; the last step also escapes DEL, the C1 controls (U+0080–U+009F: U+009B is a one-byte CSI to some
 * terminals), the Unicode line and paragraph separators and the bidi overrides, which JSON leaves raw.
 * Long strings are cut to {@link MAX_FIELD} characters with a note of their length: in the message and its
 * arguments (`logMethod`), in plain objects and arrays of the logged object (`formatters.log`, before the
 * serializers, which it leaves their objects: fastify's request, errors), and as a backstop in any line over
 * {@link MAX_LINE} (`streamWrite`: an error's stack, a serializer's output, a child's bindings).
 */
export function createLogger(
  opts: { level?: string; base?: Record<string, unknown>; destination?: DestinationStream } = {},
): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { service: 'geointel', ...opts.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => shortenPlain(obj, 0) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          for (let i = 0; i < args.length; i++) {
            const a = args[i];
            if (typeof a === 'string' && a.length > MAX_FIELD) args[i] = cut(a);
          }
          return method.apply(this, args as Parameters<typeof method>);
        },
        streamWrite: safeLine,
      },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    opts.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** A string cut to MAX_FIELD characters (never inside a surrogate pair), with its full length noted. */
function cut(s: string): string {
  let end = MAX_FIELD;
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${s.slice(0, end)}…[${s.length} chars]`;
}

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null || Array.isArray(v);
}

/** Long strings cut in plain objects and arrays (copies; the caller's object is untouched). */
function shortenPlain(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return v.length > MAX_FIELD ? cut(v) : v;
  if (v === null || typeof v !== 'object' || depth > 4 || !isPlain(v)) return v;
  if (Array.isArray(v)) return v.map((x) => shortenPlain(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = shortenPlain(x, depth + 1);
  return out;
}

/** Room for the note `…[N chars]`: a string cut once is not cut again by the last step. */
const NOTE_ROOM = 32;

/** Every string of a parsed line cut (any object: it is plain JSON now); depth bounded. */
function shortenAll(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return v.length > MAX_FIELD + NOTE_ROOM ? cut(v) : v;
  if (v === null || typeof v !== 'object') return v;
  if (depth > 16) return '[too deep]';
  if (Array.isArray(v)) return v.map((x) => shortenAll(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v))
    out[k.length > MAX_FIELD + NOTE_ROOM ? cut(k) : k] = shortenAll(x, depth + 1);
  return out;
}

/** Characters JSON.stringify leaves raw that terminals or log viewers act on. */
const RAW_CONTROL = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const RAW_CONTROLS = new RegExp(RAW_CONTROL.source, 'g');

/**
 * The last step before a line is written: an over-long line is parsed and its strings cut; raw DEL, C1,
 * separators and bidi controls become `\u` escapes (they can only be inside JSON strings: pino's own syntax is
 * ASCII, so the escape keeps the value). Always exactly one line out.
 */
export function safeLine(line: string): string {
  let out = line;
  if (out.length > MAX_LINE) {
    try {
      out = `${JSON.stringify(shortenAll(JSON.parse(out), 0))}\n`;
    } catch {
      out = `${JSON.stringify({ level: 'error', msg: 'log line dropped: not JSON', length: line.length })}\n`;
    }
  }
  if (RAW_CONTROL.test(out))
    out = out.replace(RAW_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return out;
}
