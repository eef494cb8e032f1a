/**
 * The e-mailed digest (pure): one message per recipient of a mailing list, built from the day's edition.
 * HTML and plain-text parts, a zh or en subject, the edition filtered to the list's topics, an unsubscribe link
 * in the body and in `List-Unsubscribe` (RFC 2369) with one-click `List-Unsubscribe-Post` (RFC 8058), and a
 * Message-ID derived from (date, list, recipient) — so a send repeated after a crash carries the same id and the
 * recipient's mail system can fold the copies.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Digest, DigestSection } from '../digest/build.js';
import { bulletinTitle, dateLabel, issueLabel, type Lang } from '../digest/labels.js';
import { escapeHtml, renderHtml } from '../digest/render-html.js';
import { renderMarkdown } from '../digest/render-md.js';
import type { DigestRecord } from '../types.js';

/** A mailing list: who receives which sections in which language. */
export interface MailList {
  id: string;
  lang: Lang;
  /** Topic ids whose sections the list receives; empty: every topic. */
  topics: readonly string[];
  to: readonly string[];
}

export interface DigestMailInput {
  digest: Digest;
  /** Whether `digest` is the published final edition (else the draft, sent when none was published). */
  final: boolean;
  list: MailList;
  recipient: string;
  /** Bulletin title in the list's language. */
  title: string;
  from: string;
  /** Absolute unsubscribe URL for this recipient and list. */
  unsubscribeUrl: string;
  /** The 关键词 line's terms of a record (zh lists; src/pipeline/digest/keywords.ts). */
  keywords?: (r: DigestRecord) => readonly string[];
}

export interface DigestMail {
  messageId: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

/** The part of the edition a list receives: its topics' sections, items renumbered from 1. */
export function editionForList(d: Digest, topics: readonly string[]): Digest {
  if (topics.length === 0) return d;
  const wanted = new Set(topics);
  let n = 0;
  const sections: DigestSection[] = d.sections
    .filter((s) => wanted.has(s.id))
    .map((s) => ({ ...s, items: s.items.map((e) => ({ n: ++n, record: e.record })) }));
  return { ...d, sections, count: n };
}

/** `<2026-12-04.zh-all.1f2e…@geointel.example>`: stable per (date, list, recipient); the domain is the sender's. */
export function digestMessageId(date: string, listId: string, recipient: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'geointel.invalid';
  const who = createHash('sha256').update(recipient.trim().toLowerCase()).digest('hex').slice(0, 16);
  return `<${date}.${listId}.${who}@${domain}>`;
}

/** HMAC of (list, address) for unsubscribe links: base64url, 22 characters (128 bits). */
export function unsubscribeSignature(secret: string, listId: string, address: string): string {
  return createHmac('sha256', secret)
    .update(`${listId}\n${address.trim().toLowerCase()}`)
    .digest('base64url')
    .slice(0, 22);
}

export function unsubscribeLink(baseUrl: string, secret: string, listId: string, address: string): string {
  const u = new URL('/v1/unsubscribe', baseUrl);
  u.searchParams.set('list', listId);
  u.searchParams.set('email', address.trim().toLowerCase());
  u.searchParams.set('sig', unsubscribeSignature(secret, listId, address));
  return u.toString();
}

const FOOTER: Record<Lang, { why: (list: string) => string; unsub: string; draft: string }> = {
  zh: {
    why: (list) => `您收到此邮件，因为您在 geointel 邮件列表「${list}」中。`,
    unsub: '退订',
    draft: '本期为草稿：编辑尚未发布正式版。',
  },
  en: {
    why: (list) => `You receive this because you are on the geointel mailing list "${list}".`,
    unsub: 'Unsubscribe',
    draft: 'This is the draft: the editors have not published a final edition.',
  },
};

/** The subject: `地学快讯 2026年第12期 · 2026年12月4日`; a draft carries no issue number. */
export function digestSubject(d: Digest, final: boolean, lang: Lang, title: string): string {
  const date = dateLabel(d.date, lang);
  if (!final) return lang === 'zh' ? `${title}（草稿）· ${date}` : `${title} (draft) · ${date}`;
  return `${title} ${issueLabel(d, lang)} · ${date}`;
}

export function composeDigestMail(i: DigestMailInput): DigestMail {
  const { lang } = i.list;
  const edition = editionForList(i.digest, i.list.topics);
  const opts = { format: 'html' as const, lang, title: i.title, keywords: i.keywords };
  const f = FOOTER[lang];
  const draftNote = i.final ? '' : `<p><em>${escapeHtml(f.draft)}</em></p>`;
  const footer =
    `<hr><footer><p>${escapeHtml(f.why(i.list.id))} ` +
    `<a href="${escapeHtml(i.unsubscribeUrl)}" rel="noopener noreferrer">${escapeHtml(f.unsub)}</a></p></footer>`;
  const html = renderHtml(edition, opts).replace('</body>', `${draftNote}${footer}\n</body>`);
  const text = [
    renderMarkdown(edition, { ...opts, format: 'md' }).trimEnd(),
    '',
    ...(i.final ? [] : [f.draft, '']),
    '--',
    f.why(i.list.id),
    `${f.unsub}: ${i.unsubscribeUrl}`,
    '',
  ].join('\n');
  return {
    messageId: digestMessageId(i.digest.date, i.list.id, i.recipient, i.from),
    from: i.from,
    to: i.recipient,
    subject: digestSubject(edition, i.final, lang, bulletinTitle(opts)),
    html,
    text,
    headers: {
      'List-Unsubscribe': `<${i.unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': `<${i.list.id}.geointel>`,
      'Auto-Submitted': 'auto-generated',
    },
  };
}
