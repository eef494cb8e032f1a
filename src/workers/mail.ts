/**
 * The e-mailed digest: a `mail` job (on the deliver queue, one per date: job id `mail-<date>`) sends the day's
 * final edition — or, when the editors published none by `digest.sendAt`, the draft — to every mailing list.
 *
 * Once per date and address, even when the job runs twice: an address is marked sent (with its Message-ID) as
 * soon as the SMTP server accepts its message, and a re-run skips marked addresses. A worker killed between the
 * server's acceptance and the mark repeats that one message, with the same Message-ID (it is derived from date,
 * list and address), so a recipient's mail system folds the copy. A 5xx for one address is logged and marked
 * (never retried); a 4xx or a network error leaves the address unmarked and fails the job after the others are
 * tried, so BullMQ's retry sends only what is missing.
 *
 * Metrics: `geointel_mail_messages_total{outcome}` counts per address and run — `sent` (the server accepted it),
 * `failed` (refused with a 5xx, or deferred: retried), `skipped` (already marked for that date × list × address,
 * so a re-run counts its addresses here); an unsubscribed address is no message and counts nothing.
 */
import type { Processor } from 'bullmq';
import type { AppConfig } from '../config/app-schema.js';
import { GeoError, isGeoError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MailTransport } from '../mail/transport.js';
import type { Digest } from '../pipeline/digest/build.js';
import { isEmptyDigest } from '../pipeline/digest/labels.js';
import { digestDateAt } from '../pipeline/digest/zoned.js';
import {
  composeDigestMail,
  editionForList,
  type MailList,
  unsubscribeLink,
} from '../pipeline/mail/compose.js';
import type { DigestRecord } from '../pipeline/types.js';
import { MAIL_OUTCOMES, type Metrics, zeroSeries } from '../runtime/metrics.js';
import { forQueue } from '../runtime/queues.js';
import type { MailStore } from '../store/mail.js';
import { jobData, MailJob } from './job-data.js';

export interface MailEdition {
  digest: Digest;
  final: boolean;
}

export interface MailWorkerDeps {
  store: MailStore;
  /** Made on first use (a process without SMTP settings never connects). */
  transport: () => MailTransport;
  /** The final edition of a date when published, else its draft; null when there is none. */
  edition: (date: string) => Promise<MailEdition | null>;
  config: Pick<AppConfig, 'digest' | 'smtp' | 'mail'>;
  /** The 关键词 line of zh mails (createKeywords over the glossary and tags); absent: none. */
  keywords?: (r: DigestRecord) => readonly string[];
  metrics: Pick<Metrics, 'mailMessages'>;
  log: Logger;
}

export interface MailResult {
  date: string;
  sent: number;
  skipped: number;
  rejected: number;
  nothing?: true;
}

/** Every mailing list: `smtp.to` as the list `default` (zh, every topic), then `mail.lists`. */
export function mailLists(config: Pick<AppConfig, 'smtp' | 'mail'>): MailList[] {
  const lists: MailList[] = [];
  if (config.smtp.to.length > 0) lists.push({ id: 'default', lang: 'zh', topics: [], to: config.smtp.to });
  for (const l of config.mail.lists) lists.push(l);
  return lists;
}

export async function sendDigestMail(deps: MailWorkerDeps, date: string): Promise<MailResult> {
  const log = deps.log.child({ date });
  const lists = mailLists(deps.config);
  const result: MailResult = { date, sent: 0, skipped: 0, rejected: 0 };
  if (lists.length === 0) return { ...result, nothing: true };
  const edition = await deps.edition(date);
  // A day of event summaries alone is mailed; a day with nothing at all is not.
  if (!edition || isEmptyDigest(edition.digest)) {
    log.info('nothing to mail: the edition has no items');
    return { ...result, nothing: true };
  }
  const secret = await deps.store.secret();
  let transient: unknown = null;
  for (const list of lists) {
    // A list whose sections hold nothing that day gets no mail.
    if (isEmptyDigest(editionForList(edition.digest, list.topics))) continue;
    const to = [...new Set(list.to.map((a) => a.trim().toLowerCase()))];
    const [sent, unsub] = await Promise.all([
      deps.store.sent(date, list.id, to),
      deps.store.unsubscribed(list.id, to),
    ]);
    for (const [i, address] of to.entries()) {
      if (sent[i] || unsub[i]) {
        if (sent[i]) deps.metrics.mailMessages.inc({ outcome: 'skipped' });
        result.skipped++;
        continue;
      }
      const title = list.lang === 'zh' ? deps.config.digest.titleZh : deps.config.digest.titleEn;
      const mail = composeDigestMail({
        digest: edition.digest,
        final: edition.final,
        list,
        recipient: address,
        title,
        from: deps.config.smtp.from,
        unsubscribeUrl: unsubscribeLink(deps.config.mail.publicUrl, secret, list.id, address),
        keywords: deps.keywords,
      });
      let accepted = false;
      try {
        await deps.transport().send(mail);
        accepted = true;
        deps.metrics.mailMessages.inc({ outcome: 'sent' });
        await deps.store.markSent(date, list.id, address, mail.messageId);
        result.sent++;
        log.info({ list: list.id, messageId: mail.messageId, final: edition.final }, 'digest mailed');
      } catch (err) {
        if (!accepted) deps.metrics.mailMessages.inc({ outcome: 'failed' });
        if (isGeoError(err) && err.code === 'MAIL_REJECTED') {
          await deps.store.markSent(date, list.id, address, `rejected:${mail.messageId}`);
          result.rejected++;
          log.warn({ list: list.id, code: err.code, err: err.message }, 'recipient rejected');
        } else {
          transient ??= err;
          log.warn({ list: list.id, err: (err as Error).message }, 'mail not sent; the job will retry');
        }
      }
    }
  }
  if (transient)
    throw transient instanceof GeoError ? transient : new GeoError('MAIL_UNAVAILABLE', String(transient));
  return result;
}

export function mailProcessor(deps: MailWorkerDeps): Processor {
  zeroSeries(deps.metrics.mailMessages, 'outcome', MAIL_OUTCOMES);
  return async (job) => {
    const data = jobData(MailJob, job.data, 'deliver');
    // A scheduled job names no date: the day whose window closed last before the job's own due time.
    const date =
      data.date ??
      digestDateAt(
        job.timestamp + (job.delay ?? 0),
        deps.config.digest.timeZone,
        deps.config.digest.cutoffHour,
      );
    try {
      return await sendDigestMail(deps, date);
    } catch (err) {
      throw forQueue(err);
    }
  };
}
