import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/** Longest string value a log line carries; feed text is untrusted and may be huge. */
const MAX_FIELD = 2000;

/**
 * The one pino root. Logs are JSON lines on stderr (stdout belongs to command output); children are made per
 * role and job (`log.child({ role: 'fetch', jobId })`). Long strings are cut so that a hostile title cannot
 * flood the log; JSON encoding already escapes CR, LF and ESC.
 */
export function createLogger(
  opts: { level?: string; base?: Record<string, unknown>; destination?: DestinationStream } = {},
): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { service: 'geointel', ...opts.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method) {
          const [first] = args;
          if (first && typeof first === 'object' && !(first instanceof Error)) {
            args[0] = truncateFields(first as Record<string, unknown>);
          }
          for (let i = 0; i < args.length; i++) {
            const a = args[i];
            if (typeof a === 'string' && a.length > MAX_FIELD) args[i] = `${a.slice(0, MAX_FIELD)}…`;
          }
          return method.apply(this, args as Parameters<typeof method>);
        },
      },
      redact: {
        paths: ['*.password', '*.token', '*.secret', 'authorization', '*.authorization'],
        censor: '[redacted]',
      },
    },
    opts.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

function truncateFields(obj: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'string' && v.length > MAX_FIELD) out[k] = `${v.slice(0, MAX_FIELD)}…`;
    else if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Error) && depth < 3)
      out[k] = truncateFields(v as Record<string, unknown>, depth + 1);
    else out[k] = v;
  }
  return out;
}
