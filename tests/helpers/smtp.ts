/** Test helper: a real SMTP server on 127.0.0.1 (smtp-server) that keeps every message, parsed with mailparser. */
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  port: number;
  messages: Array<{ envelopeTo: string[]; parsed: ParsedMail; raw: string }>;
  /** Recipients answered 451 (try later) or 550 (refused) at RCPT TO. */
  deferred: Set<string>;
  refused: Set<string>;
  /** Called when a message's data arrives; resolve it to let the server answer 250. */
  holdData?: () => Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const sink: SmtpSink = {
    port: 0,
    messages: [],
    deferred: new Set(),
    refused: new Set(),
    close: async () => undefined,
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, cb) {
      const a = address.address.toLowerCase();
      if (sink.refused.has(a)) return cb(Object.assign(new Error('no such user'), { responseCode: 550 }));
      if (sink.deferred.has(a)) return cb(Object.assign(new Error('try again later'), { responseCode: 451 }));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        try {
          if (sink.holdData) await sink.holdData();
          const parsed = await simpleParser(raw);
          sink.messages.push({
            envelopeTo: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            parsed,
            raw,
          });
          cb();
        } catch (err) {
          cb(err as Error);
        }
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  sink.port = (server.server.address() as { port: number }).port;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}
