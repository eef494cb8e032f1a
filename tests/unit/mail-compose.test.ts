/** The e-mailed digest's pure parts: lists, subjects, Message-IDs, unsubscribe links, escaping; the schedulers. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { buildDigest } from '../../src/pipeline/digest/index.js';
import {
  composeDigestMail,
  digestMessageId,
  digestSubject,
  editionForList,
  unsubscribeLink,
  unsubscribeSignature,
} from '../../src/pipeline/mail/compose.js';
import { wantedDigestSchedulers } from '../../src/runtime/schedules.js';
import { mailLists } from '../../src/workers/mail.js';
import { dayRecords, TOPICS } from './digest-fixture-records.js';

const digest = buildDigest(dayRecords(), { date: '2023-10-06', topics: TOPICS, issue: 7 });
const list = { id: 'default', lang: 'zh' as const, topics: [], to: ['a@example.org'] };

describe('composeDigestMail', () => {
  it('a list of some topics gets only their sections, numbered from 1', () => {
    const only = editionForList(digest, ['energy-minerals', 'marine']);
    expect(only.sections.map((s) => s.id)).toEqual(['energy-minerals', 'marine']);
    expect(only.sections.flatMap((s) => s.items.map((e) => e.n))).toEqual(
      Array.from({ length: only.count }, (_, i) => i + 1),
    );
    expect(editionForList(digest, [])).toBe(digest);
  });

  it('subjects: the final edition with its issue, the draft without', () => {
    expect(digestSubject(digest, true, 'zh', '地学快讯')).toBe('地学快讯 2023年第7期 · 2023年10月6日');
    expect(digestSubject(digest, false, 'zh', '地学快讯')).toBe('地学快讯（草稿）· 2023年10月6日');
    expect(digestSubject(digest, true, 'en', 'Geoscience Express')).toBe(
      'Geoscience Express No. 7, 2023 · 6 October 2023',
    );
  });

  it('Message-IDs are stable per date, list and address (case and spaces aside) and use the sender’s domain', () => {
    const a = digestMessageId(
      '2023-10-06',
      'default',
      'A@Example.org ',
      '地学快讯 <bulletin@survey.example>',
    );
    expect(a).toBe(digestMessageId('2023-10-06', 'default', 'a@example.org', 'bulletin@survey.example'));
    expect(a).toMatch(/^<2023-10-06\.default\.[0-9a-f]{16}@survey\.example>$/);
    expect(a).not.toBe(digestMessageId('2023-10-07', 'default', 'a@example.org', 'bulletin@survey.example'));
    expect(a).not.toBe(digestMessageId('2023-10-06', 'other', 'a@example.org', 'bulletin@survey.example'));
  });

  it('unsubscribe links carry a signature that depends on the secret, the list and the address', () => {
    const link = new URL(unsubscribeLink('https://g.example/base', 's1', 'default', 'A@example.org'));
    expect(link.pathname).toBe('/v1/unsubscribe');
    expect(link.searchParams.get('email')).toBe('a@example.org');
    expect(link.searchParams.get('sig')).toBe(unsubscribeSignature('s1', 'default', 'a@example.org'));
    expect(unsubscribeSignature('s2', 'default', 'a@example.org')).not.toBe(link.searchParams.get('sig'));
    expect(unsubscribeSignature('s1', 'other', 'a@example.org')).not.toBe(link.searchParams.get('sig'));
  });

  it('feed text is inert in the HTML part; the footer and headers are there', () => {
    const shown = digest.sections.find((x) => x.items.length > 0)!.items[0]!.record.id;
    const hostile = buildDigest(
      dayRecords().map((r) =>
        r.id === shown ? { ...r, title: '<script>alert(1)</script><img src=x onerror=alert(2)>' } : r,
      ),
      { date: '2023-10-06', topics: TOPICS },
    );
    const m = composeDigestMail({
      digest: hostile,
      final: true,
      list,
      recipient: 'a@example.org',
      title: '地学快讯',
      from: 'bulletin@survey.example',
      unsubscribeUrl: 'https://g.example/v1/unsubscribe?list=default&email=a%40example.org&sig=x',
    });
    expect(m.html).not.toMatch(/<script|<img/i);
    expect(m.html).toContain('&#60;script&#62;');
    expect(m.html).toContain('退订');
    expect(m.text).toContain('退订: https://g.example/v1/unsubscribe?list=default');
    expect(m.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  });
});

describe('the 关键词 line in zh mails', () => {
  it('non-Chinese items without an editor’s titleZh show the Chinese terms, in both parts', () => {
    const m = composeDigestMail({
      digest,
      final: true,
      list,
      recipient: 'a@example.org',
      title: '地学快讯',
      from: 'bulletin@survey.example',
      unsubscribeUrl: 'https://g.example/u',
      keywords: () => ['地震', '<b>断层</b>'],
    });
    expect(m.text).toContain('关键词');
    expect(m.text).toContain('地震');
    expect(m.html).toContain('关键词');
    expect(m.html).toContain('&#60;b&#62;断层');
  });
});

describe('lists and schedulers from the config', () => {
  it('smtp.to is the list `default` (zh, every topic); GEOINTEL_MAIL_LISTS takes JSON', () => {
    const c = loadConfig({
      env: {
        GEOINTEL_SMTP_TO: 'staff@example.org, boss@example.org',
        GEOINTEL_MAIL_LISTS:
          '[{"id":"energy-en","lang":"en","topics":["energy-minerals"],"to":["x@example.org"]}]',
      },
    });
    expect(mailLists(c.app)).toEqual([
      { id: 'default', lang: 'zh', topics: [], to: ['staff@example.org', 'boss@example.org'] },
      { id: 'energy-en', lang: 'en', topics: ['energy-minerals'], to: ['x@example.org'] },
    ]);
  });

  it('digest-daily at the cutoff hour and digest-mail at sendAt, in the digest time zone', () => {
    const s = wantedDigestSchedulers({
      timeZone: 'Asia/Shanghai',
      cutoffHour: 7,
      perSection: 10,
      titleZh: '地学快讯',
      titleEn: 'Geoscience Express',
      sendAt: '07:30',
      minConfidence: 0.6,
      eventRadiusKm: 150,
      eventSpanDays: 7,
    });
    expect(s.map((w) => [w.id, w.name, w.repeat.pattern, w.repeat.tz])).toEqual([
      ['digest-daily', 'digest', '0 7 * * *', 'Asia/Shanghai'],
      ['digest-mail', 'mail', '30 7 * * *', 'Asia/Shanghai'],
    ]);
  });
});
