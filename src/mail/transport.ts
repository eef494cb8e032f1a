/**
 * SMTP through nodemailer. The one place that knows nodemailer; workers see {@link MailTransport}. A reply code
 * 5xx for a recipient is permanent for that message (`MAIL_REJECTED`); anything else (4xx, network, timeout)
 * is retried with the job (`MAIL_UNAVAILABLE`).
 */
import nodemailer from 'nodemailer';
import type { AppConfig } from '../config/app-schema.js';
import { GeoError } from '../errors.js';
import type { DigestMail } from '../pipeline/mail/compose.js';

export interface MailTransport {
  send(mail: DigestMail): Promise<void>;
  close(): void;
}

export function createSmtpTransport(
  smtp: AppConfig['smtp'],
  opts: { timeoutMs?: number } = {},
): MailTransport {
  if (!smtp.host) throw new GeoError('CONFIG_INVALID', 'smtp.host is not set: e-mail needs an SMTP server');
  const timeout = opts.timeoutMs ?? 30_000;
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  return {
    async send(mail) {
      try {
        await transport.sendMail({
          from: mail.from,
          to: mail.to,
          subject: mail.subject,
          html: mail.html,
          text: mail.text,
          messageId: mail.messageId,
          headers: mail.headers,
        });
      } catch (err) {
        const e = err as Error & { responseCode?: number };
        const code =
          typeof e.responseCode === 'number' && e.responseCode >= 500 ? 'MAIL_REJECTED' : 'MAIL_UNAVAILABLE';
        throw new GeoError(code, `SMTP ${e.responseCode ?? ''} ${e.message}`.trim(), { cause: err });
      }
    },
    close() {
      transport.close();
    },
  };
}
