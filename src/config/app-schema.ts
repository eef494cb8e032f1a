import { z } from 'zod';

/** Booleans from YAML or env: `true/false`, `1/0`, `yes/no`, `on/off` (z.coerce.boolean would read "false" as true). */
const Bool = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  return v;
}, z.boolean());

/** Application settings: config/geointel.yaml, overridden by GEOINTEL_* variables (see config/env.example). */
export const AppSchema = z
  .object({
    profile: z.enum(['development', 'production']).default('development').describe('GEOINTEL_PROFILE'),
    redis: z
      .object({
        url: z
          .string()
          .optional()
          .describe('REDIS_URL; unset: `geointel run` supervises its own redis-server'),
        prefix: z
          .string()
          .regex(/^[A-Za-z0-9_.-]+$/)
          .default('geointel'),
        dataDir: z.string().default('./data/redis'),
      })
      .strict()
      .prefault({}),
    http: z
      .object({
        port: z.coerce.number().int().min(0).max(65535).default(8080),
        metricsPort: z.coerce.number().int().min(0).max(65535).default(9464),
        host: z.string().default('0.0.0.0'),
        /** How long a browser session (cookie `gi_session`, POST /v1/session) lasts from sign-in, in hours. */
        sessionHours: z.coerce.number().positive().max(720).default(12),
        /** Mark the session cookie `Secure` even on plain HTTP (behind a TLS-terminating proxy). */
        secureCookies: Bool.default(false),
        /**
         * How often the credentials of open streams (SSE, WebSocket) are looked up again, in ms: a stream whose
         * revocation notice was missed still ends within this (src/api/live-auth.ts).
         */
        streamRecheckMs: z.coerce.number().int().min(50).max(600_000).default(15_000),
      })
      .strict()
      .prefault({}),
    fetch: z
      .object({
        contact: z.string().default('https://github.com/geointel/geointel'),
        connectTimeoutMs: z.coerce.number().int().positive().default(10_000),
        headersTimeoutMs: z.coerce.number().int().positive().default(15_000),
        idleTimeoutMs: z.coerce.number().int().positive().default(15_000),
        totalTimeoutMs: z.coerce.number().int().positive().default(30_000),
        maxBodyBytes: z.coerce
          .number()
          .int()
          .positive()
          .default(15 * 1024 * 1024),
        maxRedirects: z.coerce.number().int().min(0).max(20).default(5),
        allowPrivate: z
          .preprocess(
            (v) =>
              typeof v === 'string'
                ? v
                    .split(/[,\s]+/)
                    .map((s) => s.trim())
                    .filter(Boolean)
                : v,
            z.array(z.string()),
          )
          .default([])
          .describe('GEOINTEL_FETCH_ALLOW_PRIVATE: CIDRs the fetcher may reach although private/loopback'),
        perHostConcurrency: z.coerce.number().int().positive().default(2),
        perHostDelayMs: z.coerce.number().int().min(0).default(1000),
        robots: Bool.default(true),
      })
      .strict()
      .prefault({}),
    ingest: z
      .object({
        maxItemAgeDays: z.coerce.number().positive().default(30),
        maxItemsPerDocument: z.coerce.number().int().positive().default(1000),
        futureToleranceHours: z.coerce.number().positive().default(48),
        summaryMaxChars: z.coerce.number().int().positive().default(600),
        /** A summary shorter than this is filled from the article page (`--articles`, the article jobs). */
        summaryMinChars: z.coerce.number().int().positive().default(150),
      })
      .strict()
      .prefault({}),
    digest: z
      .object({
        timeZone: z.string().default('Asia/Shanghai'),
        cutoffHour: z.coerce.number().int().min(0).max(23).default(7),
        perSection: z.coerce.number().int().positive().default(10),
        titleZh: z.string().default('地学快讯'),
        titleEn: z.string().default('Geoscience Express'),
        sendAt: z
          .string()
          .regex(/^\d{2}:\d{2}$/)
          .default('07:30'),
        /** The relevance confidence (topic score) a relay's item needs for an automatic slot. */
        minConfidence: z.coerce.number().min(0).max(1).default(0.6),
        /** Event box: events this close (km) and at most `eventSpanDays` apart are one sequence. */
        eventRadiusKm: z.coerce.number().positive().default(150),
        eventSpanDays: z.coerce.number().positive().default(7),
      })
      .strict()
      .prefault({}),
    smtp: z
      .object({
        host: z.string().optional(),
        port: z.coerce.number().int().positive().default(587),
        secure: Bool.default(false),
        user: z.string().optional(),
        password: z.string().optional(),
        from: z.string().default('geointel@localhost'),
        to: z
          .preprocess(
            (v) => (typeof v === 'string' ? v.split(/[,\s]+/).filter(Boolean) : v),
            z.array(z.string()),
          )
          .default([]),
      })
      .strict()
      .prefault({}),
    mail: z
      .object({
        /** Base URL of the API as recipients reach it: unsubscribe links point there (GEOINTEL_MAIL_PUBLIC_URL). */
        publicUrl: z.string().url().default('http://localhost:8080'),
        /** Mailing lists beyond `smtp.to` (which is the list `default`: zh, every topic); from env as JSON. */
        lists: z
          .preprocess(
            (v) => {
              if (typeof v !== 'string') return v;
              try {
                return JSON.parse(v);
              } catch {
                return v;
              }
            },
            z.array(
              z
                .object({
                  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
                  lang: z.enum(['zh', 'en']).default('zh'),
                  /** Topic ids whose sections the list receives; empty: every topic. */
                  topics: z.array(z.string()).default([]),
                  to: z.array(z.string().email()).min(1),
                })
                .strict(),
            ),
          )
          .default([]),
      })
      .strict()
      .prefault({}),
    /** Webhooks of saved subscriptions (src/workers/webhook.ts, docs/api.md §Subscriptions and webhooks). */
    webhooks: z
      .object({
        /** Tries per delivery (the first one included) before it fails for good. */
        attempts: z.coerce.number().int().min(1).max(50).default(10),
        /** First retry delay; each next one doubles (±25 % jitter, at most 15 min); Retry-After wins. */
        backoffMs: z.coerce.number().int().positive().default(10_000),
        /** One attempt (DNS, connect, send, response headers) must end within this. */
        timeoutMs: z.coerce.number().int().positive().max(120_000).default(10_000),
      })
      .strict()
      .prefault({}),
    queue: z
      .object({
        /** BullMQ job lock: a dead worker's jobs run again after it (plus one stalled check). */
        lockDurationMs: z.coerce.number().int().positive().default(30_000),
        stalledIntervalMs: z.coerce.number().int().positive().default(30_000),
        /** Seconds an idle worker blocks waiting for a job. */
        drainDelaySeconds: z.coerce.number().int().positive().default(5),
        /** Leader lease; the leader reconciles schedulers every third of it. */
        leaderLeaseMs: z.coerce.number().int().positive().default(30_000),
        /** How long SIGTERM waits for in-flight jobs before handing them back. */
        closeTimeoutMs: z.coerce.number().int().positive().default(10_000),
        fetchConcurrency: z.coerce.number().int().positive().default(8),
        processConcurrency: z.coerce.number().int().positive().default(2),
        /** Webhook deliveries wait on receivers (up to webhooks.timeoutMs each): several at once. */
        deliverConcurrency: z.coerce.number().int().positive().default(4),
        articleConcurrency: z.coerce.number().int().positive().default(4),
        /** How long a process job waits for its article pages; past it the records go without them. */
        articleDeadlineMs: z.coerce.number().int().positive().default(120_000),
        /** Machine drafts in flight at once per worker process (only with a translation backend). */
        translateConcurrency: z.coerce.number().int().positive().default(2),
      })
      .strict()
      .prefault({}),
    /** Machine-drafted Chinese of candidates (src/translate/, docs/translation.md); backend none: nothing is translated. */
    translation: z
      .object({
        backend: z.enum(['none', 'libretranslate', 'openai']).default('none'),
        /** LibreTranslate: the server (POST <url>/translate); openai: the base URL (POST <url>/chat/completions). */
        url: z.string().url().optional(),
        /** openai: the model name (required there). */
        model: z.string().min(1).optional(),
        /** The key, when the backend wants one (GEOINTEL_TRANSLATION_API_KEY); better: apiKeyEnv. */
        apiKey: z.string().min(1).optional(),
        /** Name of the environment variable holding the key (e.g. OPENAI_API_KEY), read by the config door. */
        apiKeyEnv: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
          .optional(),
        /** The backend's code for Simplified Chinese (some LibreTranslate versions call it zh-Hans). */
        target: z.string().min(1).default('zh'),
        /** One request must answer within this. */
        timeoutMs: z.coerce.number().int().positive().max(600_000).default(30_000),
        /** Characters of one story sent (title first; a longer summary is cut at a sentence end). */
        maxChars: z.coerce.number().int().min(100).max(20_000).default(2_000),
      })
      .strict()
      .superRefine((t, ctx) => {
        if (t.backend !== 'none' && !t.url)
          ctx.addIssue({ code: 'custom', path: ['url'], message: `backend ${t.backend} needs url` });
        if (t.backend === 'openai' && !t.model)
          ctx.addIssue({ code: 'custom', path: ['model'], message: 'backend openai needs model' });
      })
      .prefault({}),
    retention: z
      .object({
        streamMaxLen: z.coerce.number().int().positive().default(10_000),
        recordDays: z.coerce.number().int().positive().default(90),
      })
      .strict()
      .prefault({}),
    /** The editors' candidates (src/store/candidates.ts, docs/api.md §Candidates). */
    editors: z
      .object({
        /** Candidates not decided within this many days (by digest time) leave the pool. */
        candidateDays: z.coerce.number().positive().default(7),
        /** An editor's claim on a candidate lasts this long unless claimed again (renewed) or decided. */
        claimSeconds: z.coerce.number().int().positive().default(900),
      })
      .strict()
      .prefault({}),
    /** The learned relevance/section model beside the lexicons (src/pipeline/model, docs/classification.md). */
    model: z
      .object({
        /** Use a model in the classify decision (the promoted version, else `baseline`); false: lexicons only. */
        enabled: Bool.default(true),
        /** The model used while no trained version is promoted (relative paths: to the package folder). */
        baseline: z.string().min(1).default('models/baseline-v1.json'),
        /** How much one editor's decision counts in `geointel model train` against one baseline item. */
        decisionWeight: z.coerce.number().positive().max(100).default(5),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type AppConfig = z.infer<typeof AppSchema>;
