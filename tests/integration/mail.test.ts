/**
 * The e-mailed digest against a real SMTP server (smtp-server on 127.0.0.1), parsed back with mailparser, with
 * the sent-marks in real Redis (own prefix): HTML and text parts, zh subject, every item's citation, the
 * unsubscribe link (body and List-Unsubscribe); once per date and list when the job runs twice; a deferred
 * recipient is retried alone; a refused one is not retried; an unsubscribed address gets nothing; a deliver worker
 * killed while the SMTP server holds its message repeats that message once, with the same Message-ID.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/app.js';
import { whenReady } from '../../src/api/redis-ready.js';
import type { AppConfig } from '../../src/config/app-schema.js';
import { createLogger } from '../../src/log.js';
import { createSmtpTransport, type MailTransport } from '../../src/mail/transport.js';
import { buildDigest, type Digest } from '../../src/pipeline/digest/index.js';
import { digestMessageId, unsubscribeLink, unsubscribeSignature } from '../../src/pipeline/mail/compose.js';
import { createMetrics, type Metrics } from '../../src/runtime/metrics.js';
import { connect } from '../../src/runtime/redis.js';
import { createRedisMailStore, type MailStore } from '../../src/store/mail.js';
import { createRedisTokenStore } from '../../src/store/tokens.js';
import { type MailWorkerDeps, sendDigestMail } from '../../src/workers/mail.js';
import { writeConfigDir } from '../helpers/feeds.js';
import type { Proc } from '../helpers/processes.js';
import { kill9, startWorker, tail, uniquePrefix, waitFor, workerEnv } from '../helpers/queue.js';
import { baseConfig, cleanup, REDIS_URL, startRuntime, withPrefix } from '../helpers/runtime.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp.js';
import { dayRecords, TOPICS } from '../unit/digest-fixture-records.js';

const log = createLogger({ level: process.env.TEST_LOG ?? 'silent' });
const DATE = '2023-10-06';
let redis: Redis;
let sink: SmtpSink;
let store: MailStore;
let digest: Digest;
let transport: MailTransport | null = null;
let metrics: Metrics;

/** `geointel_mail_messages_total` by outcome, as scraped (outcomes not counted yet absent). */
async function mailed(): Promise<Record<string, number>> {
  const text = await metrics.registry.getSingleMetricAsString('geointel_mail_messages_total');
  return Object.fromEntries(
    [...text.matchAll(/^geointel_mail_messages_total\{outcome="(\w+)"\} (\d+)$/gm)].map((m) => [
      m[1]!,
      Number(m[2]),
    ]),
  );
}

function config(over: Partial<AppConfig['mail']> = {}, to = ['staff@example.org']) {
  return {
    digest: {
      timeZone: 'Asia/Shanghai',
      cutoffHour: 7,
      perSection: 10,
      titleZh: '地学快讯',
      titleEn: 'Geoscience Express',
      sendAt: '07:30',
    },
    smtp: {
      host: '127.0.0.1',
      port: sink.port,
      secure: false,
      from: 'geointel <bulletin@geointel.example>',
      to,
    },
    mail: { publicUrl: 'http://geointel.example:8080', lists: [], ...over },
  } as Pick<AppConfig, 'digest' | 'smtp' | 'mail'>;
}

function deps(cfg: ReturnType<typeof config>, final = true): MailWorkerDeps {
  return {
    store,
    transport: () => {
      transport ??= createSmtpTransport(cfg.smtp, { timeoutMs: 5_000 });
      return transport;
    },
    edition: async (date) => (date === DATE ? { digest: { ...digest, issue: 12 }, final } : null),
    config: cfg,
    metrics,
    log,
  };
}

beforeAll(async () => {
  redis = connect({ url: REDIS_URL }, 'producer', log);
  expect(await whenReady(redis, 5_000)).toBe(true);
  sink = await startSmtpSink();
  digest = buildDigest(dayRecords(), { date: DATE, topics: TOPICS });
  expect(digest.count).toBeGreaterThan(3);
});

beforeEach(() => {
  store = createRedisMailStore({ redis, prefix: `t-mail-${randomUUID().slice(0, 8)}` });
  metrics = createMetrics();
  sink.messages.length = 0;
  sink.deferred.clear();
  sink.refused.clear();
  transport?.close();
  transport = null;
});

afterAll(async () => {
  transport?.close();
  await sink?.close();
  redis?.disconnect();
});

describe('the e-mailed digest', () => {
  it('HTML and text parts, zh subject with the issue, every citation, the unsubscribe link', async () => {
    const cfg = config();
    const r = await sendDigestMail(deps(cfg), DATE);
    expect(r).toMatchObject({ sent: 1, skipped: 0, rejected: 0 });
    expect(sink.messages).toHaveLength(1);
    const m = sink.messages[0]!.parsed;
    expect(m.subject).toBe('地学快讯 2023年第12期 · 2023年10月6日');
    expect(m.messageId).toBe(digestMessageId(DATE, 'default', 'staff@example.org', cfg.smtp.from));
    expect(m.html).toBeTruthy();
    expect(m.text).toBeTruthy();
    for (const s of digest.sections)
      for (const { record } of s.items) {
        expect(m.html).toContain(record.citation.zh.replace(/&/g, '&amp;'));
        expect(m.text).toContain(record.citation.zh);
      }
    const secret = await store.secret();
    const link = unsubscribeLink(cfg.mail.publicUrl, secret, 'default', 'staff@example.org');
    expect(m.text).toContain(link);
    expect(m.html).toContain(link.replace(/&/g, '&#38;'));
    const header = (name: string) =>
      m.headerLines
        .find((h) => h.key === name)
        ?.line.replace(/\r?\n[ \t]+/g, '')
        .slice(name.length + 1)
        .trim();
    expect(header('list-unsubscribe')).toBe(`<${link}>`);
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
  });

  it('per-topic, per-language lists; the draft is marked and carries no issue number', async () => {
    const cfg = config(
      { lists: [{ id: 'energy-en', lang: 'en', topics: ['energy-minerals'], to: ['analyst@example.org'] }] },
      [],
    );
    await sendDigestMail(deps(cfg, false), DATE);
    expect(sink.messages).toHaveLength(1);
    const m = sink.messages[0]!.parsed;
    expect(m.subject).toBe('Geoscience Express (draft) · 6 October 2023');
    expect(m.text).toContain('This is the draft');
    const energy = digest.sections.find((s) => s.id === 'energy-minerals')!;
    const other = digest.sections.find((s) => s.id !== 'energy-minerals' && s.items.length > 0)!;
    for (const { record } of energy.items) expect(m.text).toContain(record.citation.en);
    for (const { record } of other.items) expect(m.text).not.toContain(record.title);
  });

  it('once per date and list when the job runs twice', async () => {
    const cfg = config({}, ['a@example.org', 'b@example.org']);
    const first = await sendDigestMail(deps(cfg), DATE);
    const second = await sendDigestMail(deps(cfg), DATE);
    expect(first.sent).toBe(2);
    expect(second).toMatchObject({ sent: 0, skipped: 2 });
    expect(await mailed()).toEqual({ sent: 2, skipped: 2 });
    expect(sink.messages).toHaveLength(2);
    expect(new Set(sink.messages.map((m) => m.parsed.messageId)).size).toBe(2);
  });

  it('a deferred recipient fails the job and is the only one sent on the retry; a refused one is not retried', async () => {
    const cfg = config({}, ['ok@example.org', 'later@example.org', 'gone@example.org']);
    sink.deferred.add('later@example.org');
    sink.refused.add('gone@example.org');
    await expect(sendDigestMail(deps(cfg), DATE)).rejects.toMatchObject({ code: 'MAIL_UNAVAILABLE' });
    expect(sink.messages.map((m) => m.envelopeTo[0])).toEqual(['ok@example.org']);
    // The deferred and the refused address both failed; only the deferred one is tried again.
    expect(await mailed()).toEqual({ sent: 1, failed: 2 });
    sink.deferred.clear();
    const retry = await sendDigestMail(deps(cfg), DATE);
    expect(retry).toMatchObject({ sent: 1, skipped: 2 });
    expect(await mailed()).toEqual({ sent: 2, failed: 2, skipped: 2 });
    expect(sink.messages.map((m) => m.envelopeTo[0])).toEqual(['ok@example.org', 'later@example.org']);
  });

  it('an unsubscribed address gets nothing; a date without an edition sends nothing', async () => {
    const cfg = config({}, ['stay@example.org', 'leave@example.org']);
    expect(await store.unsubscribe('default', 'Leave@Example.org')).toBe(true);
    await sendDigestMail(deps(cfg), DATE);
    expect(sink.messages.map((m) => m.envelopeTo[0])).toEqual(['stay@example.org']);
    // An unsubscribed address is no message: not even skipped.
    expect(await mailed()).toEqual({ sent: 1 });
    expect(await sendDigestMail(deps(cfg), '2023-10-07')).toMatchObject({ nothing: true, sent: 0 });
    // A list of a topic with nothing that day gets no mail.
    const quiet = config(
      { lists: [{ id: 'quiet', lang: 'zh', topics: ['no-such-topic'], to: ['q@example.org'] }] },
      [],
    );
    expect(await sendDigestMail(deps(quiet), DATE)).toMatchObject({ sent: 0, skipped: 0 });
    expect(sink.messages.map((m) => m.envelopeTo[0])).toEqual(['stay@example.org']);
    expect(unsubscribeSignature('s', 'default', ' A@B.org ')).toBe(
      unsubscribeSignature('s', 'default', 'a@b.org'),
    );
  });
});

describe('a deliver worker killed mid-send', () => {
  const procs: Proc[] = [];
  afterAll(async () => {
    for (const p of procs) await kill9(p);
  });

  it('repeats the message at most once, with the same Message-ID; the job completes and marks the address', async () => {
    const prefix = uniquePrefix('mail');
    const env = workerEnv({
      redisUrl: REDIS_URL,
      prefix,
      configDir: writeConfigDir([{ id: 'unused', url: 'http://127.0.0.1:9/unused.xml', enabled: false }]),
      extra: {
        GEOINTEL_SMTP_HOST: '127.0.0.1',
        GEOINTEL_SMTP_PORT: String(sink.port),
        GEOINTEL_SMTP_FROM: 'bulletin@geointel.example',
        GEOINTEL_SMTP_TO: 'staff@example.org',
      },
    });
    const client = await startRuntime(withPrefix(baseConfig(), prefix), { roles: [] });
    // The fixture day moved to a recent date: the record store keeps only `retention.recordDays`.
    const shiftDays = Math.floor((Date.now() - Date.parse(`${DATE}T00:00:00Z`)) / 86_400_000) - 2;
    const shift = (iso: string | null) =>
      iso ? new Date(Date.parse(iso) + shiftDays * 86_400_000).toISOString() : iso;
    const date = new Date(Date.parse(`${DATE}T00:00:00Z`) + shiftDays * 86_400_000)
      .toISOString()
      .slice(0, 10);
    try {
      await client.stores.records.put(
        dayRecords().map((r) => ({
          ...r,
          publishedAt: shift(r.publishedAt),
          fetchedAt: shift(r.fetchedAt)!,
        })),
      );
      let release: () => void = () => undefined;
      let held = 0;
      sink.holdData = () => {
        held++;
        return held === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
      };
      const first = await startWorker('deliver', env);
      procs.push(first);
      await client.queues.deliver.add('mail', { date }, { jobId: `mail-${date}` });
      await waitFor('the SMTP server to hold the first message', () => held === 1, 20_000, 10).catch(
        async (err) => {
          const j = await client.queues.deliver.getJob(`mail-${date}`);
          throw new Error(
            `${(err as Error).message}; job: ${j ? `${await j.getState()} ${j.failedReason ?? ''} ${JSON.stringify(j.returnvalue)}` : 'none'}; logs: ${tail(first)}`,
          );
        },
      );
      const t0 = Date.now();
      await kill9(first);
      release();
      const second = await startWorker('deliver', env);
      procs.push(second);
      const job = await waitFor(
        'the mail job to complete on the second worker',
        async () => {
          const j = await client.queues.deliver.getJob(`mail-${date}`);
          return j && (await j.getState()) === 'completed' ? j : null;
        },
        30_000,
        50,
      ).catch((err) => {
        throw new Error(`${(err as Error).message}; logs: ${tail(second)}`);
      });
      const ids = sink.messages.map((m) => m.parsed.messageId);
      expect(ids.length).toBeGreaterThanOrEqual(1);
      expect(ids.length).toBeLessThanOrEqual(2);
      expect(new Set(ids).size).toBe(1);
      expect(ids[0]).toBe(digestMessageId(date, 'default', 'staff@example.org', 'bulletin@geointel.example'));
      expect(job.returnvalue).toMatchObject({ date, sent: 1 });
      expect(await client.stores.mail.sent(date, 'default', ['staff@example.org'])).toEqual([ids[0]]);
      // The second worker's own /metrics (its METRICS_PORT): the message it sent; the other outcomes at 0.
      const port = second.logs.find((l) => l.msg === 'worker started')?.metricsPort as number;
      const scraped = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (const [outcome, n] of [
        ['sent', 1],
        ['failed', 0],
        ['skipped', 0],
      ] as const)
        expect(scraped).toContain(`geointel_mail_messages_total{outcome="${outcome}"} ${n}\n`);
      console.info(
        `mail: kill -9 while the server held the message → completed by another worker ${Date.now() - t0} ms later; the sink saw ${ids.length} message(s), 1 Message-ID`,
      );
    } finally {
      sink.holdData = undefined;
      await cleanup(client);
      await client.close();
    }
  }, 90_000);
});

describe('unsubscribe links (public, signed)', () => {
  it('GET shows a confirm page; POST (the button or one-click) unsubscribes; a wrong signature is 403', async () => {
    const prefix = uniquePrefix('unsub');
    const rt = await startRuntime(withPrefix(baseConfig(), prefix), { roles: [] });
    const api = await buildApi({ runtime: rt, log, tokens: createRedisTokenStore({ redis, prefix }), redis });
    try {
      const mail = createRedisMailStore({ redis, prefix });
      const link = unsubscribeLink('http://x.invalid', await mail.secret(), 'default', 'Leave@Example.org');
      const path = link.slice('http://x.invalid'.length);
      const page = await api.inject({ method: 'GET', url: path });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toContain("default-src 'none'");
      expect(page.body).toContain('<form method="post"');
      expect(await mail.unsubscribed('default', ['leave@example.org'])).toEqual([false]);

      const oneClick = await api.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      });
      expect(oneClick.statusCode).toBe(200);
      expect(oneClick.json()).toEqual({ list: 'default', unsubscribed: true });
      expect(await mail.unsubscribed('default', ['leave@example.org'])).toEqual([true]);

      const forged = path.replace(/sig=[^&]+/, `sig=${'A'.repeat(22)}`);
      for (const method of ['GET', 'POST'] as const)
        expect((await api.inject({ method, url: forged })).statusCode).toBe(403);
      const otherList = path.replace('list=default', 'list=energy-en');
      expect((await api.inject({ method: 'POST', url: otherList })).statusCode).toBe(403);
      expect((await api.inject({ method: 'GET', url: '/v1/unsubscribe?list=default' })).statusCode).toBe(400);
    } finally {
      await api.close();
      await cleanup(rt);
      await rt.close();
    }
  });
});
