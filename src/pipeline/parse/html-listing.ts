/**
 * HTML listing pages (sites without feeds) via cheerio `load` on text decoded by charset.ts.
 *
 * Three ways to find items, in order: the source's `item` selector (with `link`/`title`/`date`/`summary`
 * relative to it); its `linkPattern` regex over `<a href>` (CGS/MNR `./YYYYMM/tYYYYMMDD_NNN.html`); or a
 * generic fallback that keeps links whose URL looks like an article (a date or a long numeric id in the
 * path) and whose text is long enough to be a headline. Selectors and patterns come from the registry,
 * never from page content. Dates come from the `date` selector, then `dateFromUrl`, then the URL itself.
 */
import { type CheerioAPI, load } from 'cheerio';
import type { z } from 'zod';
import type { HtmlRuleSchema } from '../../config/sources-schema.js';
import { GeoError } from '../../errors.js';
import type { FeedMeta, ParsedItem } from '../types.js';
import { capEntries, dateField, type ReadContext } from './common.js';
import { isoFromParts } from './dates.js';
import { sanitizeHtml } from './sanitize.js';
import { capNesting, cleanText } from './text.js';
import { safeLink, validBase } from './urls.js';

/** Per-source rule for listing pages (config/sources.yaml `html`). */
export type HtmlRule = z.infer<typeof HtmlRuleSchema>;

/** URL date shapes tried when the rule gives none: `t20231005_`, `/2023/10/05/`, `/202310/`+`20231005`. */
const DEFAULT_URL_DATES = [
  /t(\d{8})_\d+/,
  /\/(?<y>\d{4})\/(?<m>\d{2})\/(?<d>\d{2})\//,
  /\/(\d{8})\d{0,6}\.s?html?$/,
];

/** Date from a URL with a regex whose first group is `YYYYMMDD` (or `y`, `m`, `d` named groups). */
export function dateFromUrl(url: string, patterns: RegExp[]): string | null {
  for (const re of patterns) {
    const m = re.exec(url.slice(0, 2000));
    if (!m) continue;
    const g = m.groups;
    if (g?.y && g.m && g.d) return isoFromParts(Number(g.y), Number(g.m), Number(g.d));
    const digits = m[1];
    if (digits && /^\d{8}$/.test(digits)) {
      return isoFromParts(Number(digits.slice(0, 4)), Number(digits.slice(4, 6)), Number(digits.slice(6, 8)));
    }
  }
  return null;
}

/** The date-looking part of a listing's date text (pages wrap dates in labels and stray characters). */
function dateSubstring(text: string): string {
  const m =
    /\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日?|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?|[A-Za-z]{3,9}\.? \d{1,2},? \d{4}|\d{1,2}\.? [A-Za-zéû]{3,9}\.? \d{4}/.exec(
      text,
    );
  return m ? m[0] : text;
}

function compile(pattern: string | undefined, what: string): RegExp | undefined {
  if (!pattern) return undefined;
  try {
    return new RegExp(pattern);
  } catch {
    throw new GeoError('PARSE_ERROR', `html rule ${what} is not a valid regular expression`);
  }
}

interface Candidate {
  href: string | undefined;
  title: string;
  date?: string;
  summaryHtml?: string | null;
}

function fromItems($: CheerioAPI, rule: HtmlRule & { item: string }): Candidate[] {
  return $(rule.item)
    .toArray()
    .map((el) => {
      const scope = $(el);
      const a = rule.link
        ? scope.find(rule.link).first()
        : scope.is('a')
          ? scope
          : scope.find('a[href]').first();
      const titleText = rule.title
        ? scope.find(rule.title).first().text()
        : a.text() || a.attr('title') || '';
      return {
        href: a.attr('href'),
        title: titleText,
        date: rule.date ? scope.find(rule.date).first().text() : undefined,
        summaryHtml: rule.summary ? (scope.find(rule.summary).first().html() ?? null) : null,
      };
    });
}

function fromLinks($: CheerioAPI, test: (href: string, text: string) => boolean): Candidate[] {
  const out: Candidate[] = [];
  for (const el of $('a[href]').toArray()) {
    const a = $(el);
    const href = a.attr('href') ?? '';
    const text = cleanText(a.text() || a.attr('title') || '');
    if (href.length <= 2000 && test(href, text)) out.push({ href, title: text });
  }
  return out;
}

/** Long enough to be a headline: 12 characters, or 5 in CJK scripts. */
const headline = (t: string) =>
  t.length >= 12 || (t.length >= 5 && /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/.test(t));

const ARTICLE_URL =
  /(\/\d{4}\/\d{1,2}\/|\d{8}|\/\d{6}\/|\d{6,}\.s?html?$|\/(news|article|releases?|press)\/.)/i;

/** Reads a listing page; with no rule the generic fallback is used. */
export function readHtmlListing(
  text: string,
  ctx: ReadContext,
  rule?: HtmlRule,
): { feed: FeedMeta; items: ParsedItem[]; generic: boolean } {
  const linkRe = compile(rule?.linkPattern, 'linkPattern');
  const dateRe = compile(rule?.dateFromUrl, 'dateFromUrl');
  let $: CheerioAPI;
  let candidates: Candidate[];
  try {
    // htmlparser2 (linear on deep nesting) rather than parse5, whose tree building is quadratic there.
    $ = load(capNesting(text), { xml: { xmlMode: false, decodeEntities: true } });
    if (rule?.item) candidates = fromItems($, { ...rule, item: rule.item });
    else if (linkRe) candidates = fromLinks($, (href) => linkRe.test(href));
    else
      candidates = fromLinks(
        $,
        (href, t) => headline(t) && ARTICLE_URL.test(href) && !/^(#|javascript:|mailto:)/i.test(href),
      );
  } catch (err) {
    if (err instanceof GeoError) throw err;
    throw new GeoError('PARSE_ERROR', `HTML page could not be read: ${(err as Error).message}`, {
      cause: err,
    });
  }
  // A saved page read from a file has no URL: its canonical link (or og:url) is the next best base.
  const canonical =
    $('link[rel="canonical"]').first().attr('href') ?? $('meta[property="og:url"]').first().attr('content');
  const pageBase = validBase(ctx.url) ?? validBase(canonical ?? null);
  const baseHref = $('base[href]').first().attr('href');
  const base = (baseHref && safeLink(baseHref, pageBase)) || pageBase;
  const seen = new Set<string>();
  const items: ParsedItem[] = [];
  const urlDates = dateRe ? [dateRe] : DEFAULT_URL_DATES;
  for (const c of capEntries(candidates, ctx)) {
    const link = c.href ? safeLink(c.href, base) : null;
    // Without a rule, an entry is a link to an article: one that cannot be resolved is no item.
    if (!rule && !link) continue;
    const key = link ?? c.href ?? '';
    if (key && seen.has(key)) continue;
    if (key) seen.add(key);
    const n = items.length + 1;
    const fromText = c.date !== undefined ? dateField(dateSubstring(c.date), ctx, `entry ${n}`) : null;
    items.push({
      title: cleanText(c.title) || null,
      link,
      published: fromText ?? (c.href ? dateFromUrl(c.href, urlDates) : null),
      summary: c.summaryHtml ? sanitizeHtml(c.summaryHtml, { base }) || null : null,
    });
  }
  const feed: FeedMeta = {
    title: cleanText($('title').first().text()) || null,
    link: pageBase,
    language: $('html').attr('lang') ?? null,
  };
  return { feed, items, generic: !rule };
}
