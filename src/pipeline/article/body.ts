/**
 * The main text of an article page: Mozilla Readability over a linkedom DOM (measured against cheerio rules
 * on Readability's real-site test pages, docs/articles.md), or the element a registry rule names. Before
 * Readability runs, consent and cookie banners and modal dialogs are removed; its result is cut into
 * paragraphs without figures, captions, asides and forms, and leading bylines, datelines and captions are
 * skipped, so navigation, banners and related links never reach a summary.
 *
 * Nesting is capped by the caller (capNesting) before any parser sees the page, and again, lower, for
 * Readability (MAX_READABILITY_DEPTH); element count is capped for Readability (a page above it yields no body
 * text, and the descriptions are used instead).
 */

import { Readability } from '@mozilla/readability';
import { type CheerioAPI, load } from 'cheerio';
import { parseHTML } from 'linkedom';
import { BLOCK, capNesting, cleanText } from '../parse/text.js';

/** The structural part of a domhandler node this module reads (cheerio's nodes). */
interface DomNode {
  type: string;
  parent: DomNode | null;
  data?: string;
  name?: string;
  attribs?: Record<string, string>;
  children?: DomNode[];
}

/** Never article text. */
const DROP_TAGS = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'iframe',
  'object',
  'embed',
  'svg',
  'canvas',
  'math',
  'form',
  'button',
  'select',
  'textarea',
  'input',
  'label',
  'nav',
  'footer',
  'aside',
  'dialog',
  'menu',
  'figcaption',
  'figure',
  'picture',
  'video',
  'audio',
  'head',
  'title',
]);

const DROP_ROLES = new Set([
  'navigation',
  'banner',
  'contentinfo',
  'complementary',
  'dialog',
  'alertdialog',
  'search',
  'menu',
  'menubar',
  'toolbar',
  'alert',
]);

/** Class or id words of page chrome, matched as whole dash/underscore-separated words. */
const CHROME_WORDS =
  /(?:^|[\s_-])(?:nav|navbar|navigation|menu|menus|breadcrumbs?|crumbs?|footer|foot|sidebar|side|rail|related|relatedlinks|recommend|recommended|recommendations|share|sharing|sharebar|social|comments?|commentary|promo|promos|advert|advertisement|ads?|adv|sponsor|sponsored|newsletter|subscribe|subscription|signup|popup|modal|overlay|masthead|toolbar|pagination|pager|tags|keywords|byline|author|authors|caption|credit|credits|skip|login|search|widget|widgets|trending|popular|mostread|more|outbrain|taboola|disqus|teaser|teasers|links|linklist|print|tools|utility|breaking|ticker|xgxw|xglj|xgwz|fx|bshare|jiathis)(?:$|[\s_-])/i;
/** Distinctive substrings of consent and cookie banners (CMP vendors name their containers so). */
const CONSENT_SUBSTRINGS =
  /cookie|consent|gdpr|onetrust|cookiebot|didomi|usercentrics|truste|privacy-banner/i;
/** Words that mark a container as the content even when a chrome word is also present. */
const CONTENT_WORDS =
  /(?:^|[\s_-])(?:article|articles|content|main|body|post|entry|story|text|detail|details|zoom|trs|editor|con|conts?|wz|zw|news-?content|pages?_content|cont)(?:$|[\s_-])/i;

/** Elements that separate blocks of text: the parse stage's, plus the page-level containers of whole pages. */
const BLOCK_TAGS = new Set([...BLOCK, 'html', 'body', 'center', 'main', 'fieldset']);
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);

/** A block's own text (its inline content, not that of nested blocks) and how much of it is link text. */
interface Block {
  el: DomNode;
  text: string;
  linkChars: number;
}

const CJK = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]/g;

/** Length that counts a CJK character like two Latin ones (a CJK character carries about a word). */
function weight(text: string): number {
  return text.length + (text.match(CJK)?.length ?? 0);
}

function attrWords(el: DomNode): string {
  const a = el.attribs ?? {};
  return `${a.class ?? ''} ${a.id ?? ''}`;
}

function isHidden(el: DomNode): boolean {
  const a = el.attribs ?? {};
  if ('hidden' in a || a['aria-hidden'] === 'true') return true;
  const style = (a.style ?? '').toLowerCase().replace(/\s+/g, '');
  return style.includes('display:none') || style.includes('visibility:hidden');
}

function textLength(el: DomNode): number {
  let n = 0;
  const stack: DomNode[] = [el];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.type === 'text') n += (node.data ?? '').trim().length;
    else if (node.children && !(node.name && DROP_TAGS.has(node.name))) stack.push(...node.children);
  }
  return n;
}

function detach(el: DomNode): void {
  const siblings = el.parent?.children;
  if (!siblings) return;
  const i = siblings.indexOf(el);
  if (i >= 0) siblings.splice(i, 1);
  el.parent = null;
}

/** Removes page chrome in place. Containers holding most of the page's text are never removed by class. */
export function stripChrome(root: DomNode): void {
  const total = Math.max(1, textLength(root));
  const doomed: DomNode[] = [];
  const stack: DomNode[] = [root];
  while (stack.length) {
    const el = stack.pop()!;
    for (const child of el.children ?? []) {
      if (child.type === 'comment' || child.type === 'directive') {
        doomed.push(child);
        continue;
      }
      if (!child.name) continue;
      const name = child.name.toLowerCase();
      const role = (child.attribs?.role ?? '').toLowerCase();
      const words = attrWords(child);
      let drop = DROP_TAGS.has(name) || DROP_ROLES.has(role) || isHidden(child);
      if (!drop && name === 'header') drop = !insideArticle(child);
      if (!drop && name !== 'body' && name !== 'html' && name !== 'main' && name !== 'article') {
        const chrome =
          CONSENT_SUBSTRINGS.test(words) || (CHROME_WORDS.test(words) && !CONTENT_WORDS.test(words));
        drop = chrome && textLength(child) < total * 0.5;
      }
      if (drop) doomed.push(child);
      else stack.push(child);
    }
  }
  for (const el of doomed) detach(el);
}

function insideArticle(el: DomNode): boolean {
  for (let p = el.parent; p; p = p.parent) if (p.name === 'article' || p.name === 'main') return true;
  return false;
}

/** Every block element with its own inline text, in document order. */
function collectBlocks(root: DomNode): Block[] {
  const blocks: Block[] = [];
  // Iterative pre-order walk; each block accumulates the text of its inline descendants.
  const stack: Array<{ node: DomNode; block: Block | null; inLink: boolean }> = [
    { node: root, block: null, inLink: false },
  ];
  while (stack.length) {
    const { node, inLink, block: outer } = stack.pop()!;
    let block = outer;
    if (node.type === 'text') {
      if (block) {
        const t = node.data ?? '';
        block.text += t;
        if (inLink) block.linkChars += t.trim().length;
      }
      continue;
    }
    const name = node.name?.toLowerCase();
    if (!node.children) continue;
    if (name === 'br') {
      if (block) block.text += '\n';
      continue;
    }
    if (name && BLOCK_TAGS.has(name)) {
      if (block) block.text += '\n';
      block = { el: node, text: '', linkChars: 0 };
      blocks.push(block);
    }
    const link = inLink || name === 'a';
    for (let i = node.children.length - 1; i >= 0; i--) {
      stack.push({ node: node.children[i]!, block, inLink: link });
    }
  }
  for (const b of blocks) b.text = cleanText(b.text.replace(/\n+/g, ' '));
  return blocks.filter((b) => b.text.length > 0);
}

function dropLeadJunk(texts: string[]): string[] {
  let i = 0;
  while (i < texts.length - 1 && isLeadJunk(texts[i]!)) i++;
  return texts.slice(i);
}

/** Leading blocks that are not the article's first paragraph: bylines, datelines, credits, share prompts. */
const NOT_LEAD =
  /^(by |von |par |por |door |af |updated|published|posted|last (updated|modified)|image (copyright|caption)|photo|foto|credit|source|advertisement|anzeige|publicité|publicidade|share|teilen|partager|compartilhar|listen|read more|lesen sie|leia mais|来源|作者|责任编辑|编辑|发布时间|发布日期|时间|日期|字号|【|打印|分享|记者|通讯员|图为|圖為|图片来源|摄影)/i;

function isLeadJunk(text: string): boolean {
  if (NOT_LEAD.test(text) && weight(text) < 240) return true;
  // A short block without a sentence end (caption, kicker, date) before the first real paragraph.
  return weight(text) < 80 && !/[.!?。！？…"”»」)]$/.test(text);
}

/** Boilerplate paragraphs that can sit inside an article container. */
const BOILERPLATE =
  /\b(we use cookies|this (web)?site uses cookies|javascript (is )?(disabled|required)|enable javascript|all rights reserved)\b|版权所有|使用cookie|本网站使用|请使用.{0,10}浏览器/i;

/** Paragraph texts of an article container: blocks that are not headings, link lists or boilerplate. */
function paragraphsOf(container: DomNode): string[] {
  stripChrome(container);
  return dropLeadJunk(
    collectBlocks(container)
      .filter(
        (b) =>
          !HEADINGS.has(b.el.name ?? '') &&
          b.linkChars <= b.text.length * 0.5 &&
          weight(b.text) >= 30 &&
          !BOILERPLATE.test(b.text),
      )
      .map((b) => b.text),
  );
}

/** The part of a linkedom node this module uses. */
interface LinkedomElement {
  getAttribute(name: string): string | null;
  textContent: string | null;
  remove(): void;
}
interface LinkedomDocument {
  querySelectorAll(selector: string): Iterable<LinkedomElement>;
  body: LinkedomElement | null;
  documentElement: LinkedomNested | null;
}
interface LinkedomNested {
  children: ArrayLike<LinkedomNested>;
}

/** Most elements Readability is run on; a larger page yields no body text. */
const MAX_ELEMENTS = 60_000;
/**
 * Deepest element nesting Readability is run on. Its time grows with the square of the depth (512 nested
 * `<div>`s, the parse cap: about 1.7 s; 128: under 0.1 s), and no real page measured goes past 40 (Readability's
 * 92 test pages: 38 at most). A deeper page is read with its tags past this depth removed (their text stays).
 */
const MAX_READABILITY_DEPTH = 128;

/** Deepest element nesting under `root` (1 for an element without children). */
function depthOf(root: LinkedomNested | null): number {
  if (!root) return 0;
  let max = 0;
  const stack: Array<[LinkedomNested, number]> = [[root, 1]];
  while (stack.length) {
    const [el, depth] = stack.pop()!;
    if (depth > max) max = depth;
    // linkedom builds `children` at each access: read it once.
    const kids = el.children;
    for (let i = 0; i < kids.length; i++) stack.push([kids[i]!, depth + 1]);
  }
  return max;
}

/** Removes consent and cookie banners and modal dialogs, which Readability can mistake for text. */
function removeBanners(doc: LinkedomDocument): void {
  const total = Math.max(1, (doc.body?.textContent ?? '').length);
  const doomed: LinkedomElement[] = [];
  for (const el of doc.querySelectorAll('[id], [class], [role], [aria-modal]')) {
    const role = (el.getAttribute('role') ?? '').toLowerCase();
    const words = `${el.getAttribute('id') ?? ''} ${el.getAttribute('class') ?? ''}`;
    const banner =
      CONSENT_SUBSTRINGS.test(words) ||
      role === 'dialog' ||
      role === 'alertdialog' ||
      el.getAttribute('aria-modal') === 'true';
    if (banner && (el.textContent ?? '').length < total * 0.5) doomed.push(el);
  }
  for (const el of doomed) el.remove();
}

/** The article HTML Readability finds in a page, or null. */
function readabilityContent(html: string): string | null {
  try {
    let { document } = parseHTML(html) as unknown as { document: LinkedomDocument };
    if (depthOf(document.documentElement) > MAX_READABILITY_DEPTH)
      ({ document } = parseHTML(capNesting(html, MAX_READABILITY_DEPTH)) as unknown as {
        document: LinkedomDocument;
      });
    removeBanners(document);
    const article = new Readability(document as never, { maxElemsToParse: MAX_ELEMENTS }).parse();
    return typeof article?.content === 'string' ? article.content : null;
  } catch {
    // Readability refuses pages above maxElemsToParse; linkedom may choke on pathological markup.
    return null;
  }
}

/**
 * The article's paragraphs, in order: the element `selector` names when it matches and holds text (a
 * registry rule), else what Readability finds. `$` is the page loaded by cheerio; `html` the same page as
 * text (nesting already capped).
 */
export function mainParagraphs($: CheerioAPI, html: string, selector?: string): string[] {
  if (selector) {
    let scope: DomNode | undefined;
    try {
      scope = $(selector).first()[0] as unknown as DomNode | undefined;
    } catch {
      scope = undefined; // an invalid selector: fall back to Readability
    }
    if (scope) {
      const texts = paragraphsOf(scope);
      if (texts.length) return texts;
    }
  }
  const content = readabilityContent(html);
  if (!content) return [];
  const $content = load(content, { xml: { xmlMode: false, decodeEntities: true } });
  return paragraphsOf($content.root()[0] as unknown as DomNode);
}
