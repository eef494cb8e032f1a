/** Sanitiser (allow-list on htmlparser2) and plain-text helpers: fixed cases and fast-check properties. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sanitizeHtml } from '../../src/pipeline/parse/sanitize.js';
import { htmlToText, stripInvalidChars } from '../../src/pipeline/parse/text.js';
import { safeLink } from '../../src/pipeline/parse/urls.js';

const base = 'https://agency.example/news/item.html';

/** Unsafe output: a script tag, an event-handler attribute, or a URL with a non-http(s)/mailto scheme. */
function unsafe(html: string): string | null {
  if (/<script/i.test(html)) return 'script';
  if (/<(iframe|object|embed|form|style|svg|math|base|meta|link)\b/i.test(html)) return 'element';
  for (const m of html.matchAll(/<[a-z0-9]+((?:\s+[^\s=>]+="[^"]*")*)\s*>/gi)) {
    for (const a of m[1]!.matchAll(/([^\s=]+)="([^"]*)"/g)) {
      if (/^on/i.test(a[1]!) || a[1] === 'style') return `attribute ${a[1]}`;
      if (/^(href|src|cite|poster)$/.test(a[1]!)) {
        const url = a[2]!.replace(/&amp;/g, '&');
        const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
        if (scheme && !['http', 'https', 'mailto'].includes(scheme)) return `url ${url}`;
      }
    }
  }
  return null;
}

const XSS: string[] = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)><circle/></svg>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<a href="jav&#x09;ascript:alert(1)">t</a>',
  '<a href="jav&#x0A;ascript:alert(1)">t</a>',
  '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">t</a>',
  '<a href=" javascript:alert(1)">t</a>',
  '<a href="JaVaScRiPt:alert(1)">t</a>',
  '<a href="vbscript:msgbox(1)">t</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">t</a>',
  '<img src="data:text/html,<script>alert(1)</script>">',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<p style="width: expression(alert(1))">x</p>',
  '<base href="javascript:alert(1)//">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<form action="javascript:alert(1)"><input type=submit></form>',
  '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">',
  '<math><a xlink:href="javascript:alert(1)">x</a></math>',
  '<scr<script>ipt>alert(1)</script>',
  '<<script>script>alert(1)<</script>/script>',
  '<a href="java\u0000script:alert(1)">t</a>',
  '<IMG SRC="jav&#x0D;ascript:alert(1);">',
  '<body onload=alert(1)>',
  '<style>@import "javascript:alert(1)";</style>',
  '<a href="&#x6A;avascript&colon;alert(1)">t</a>',
];

describe('sanitizeHtml', () => {
  it.each(XSS)('neutralises %s', (payload) => {
    const out = sanitizeHtml(payload, { base });
    expect(unsafe(out)).toBeNull();
    expect(out).not.toMatch(/javascript:|vbscript:|data:text\/html/i);
  });

  it('keeps the allow-list, resolves relative URLs and drops comments', () => {
    expect(
      sanitizeHtml(
        '<p class="x" id="y">A <a href="../map.html" target="_blank" title="t">map</a><!-- more --><br/><img src="//cdn.example/i.png" alt="i"></p>',
        {
          base,
        },
      ),
    ).toBe(
      '<p>A <a href="https://agency.example/map.html" title="t">map</a><br><img src="https://cdn.example/i.png" alt="i"></p>',
    );
    expect(sanitizeHtml('<a href="mailto:a@b.org">m</a>')).toBe('<a href="mailto:a@b.org">m</a>');
    expect(sanitizeHtml('x &amp; y &lt; z')).toBe('x &amp; y &lt; z');
  });

  it('closes unclosed tags and caps nesting', () => {
    expect(sanitizeHtml('<ul><li>a<li>b</ul><p>c')).toBe('<ul><li>a</li><li>b</li></ul><p>c</p>');
    const deep = sanitizeHtml(`${'<div>'.repeat(300)}x${'</div>'.repeat(300)}`);
    expect(deep.match(/<div>/g)).toHaveLength(128);
  });

  it('property: output is safe and sanitising twice changes nothing (fixed seed)', () => {
    const tag = fc.constantFrom(
      'a',
      'img',
      'script',
      'p',
      'div',
      'iframe',
      'svg',
      'style',
      'b',
      'table',
      'td',
      'object',
    );
    const attr = fc.tuple(
      fc.constantFrom('href', 'src', 'onclick', 'onerror', 'style', 'title', 'alt', 'xlink:href', 'srcdoc'),
      fc.oneof(
        fc.constantFrom(
          'javascript:alert(1)',
          'jav&#x09;ascript:x',
          ' data:text/html,x',
          'http://ok.example/',
          '../rel',
          'vbscript:x',
        ),
        fc.string({ maxLength: 12 }),
      ),
    );
    const element = fc
      .tuple(tag, fc.array(attr, { maxLength: 3 }), fc.string({ maxLength: 10 }), fc.boolean())
      .map(
        ([t, attrs, text, close]) =>
          `<${t}${attrs.map(([k, v]) => ` ${k}="${v}"`).join('')}>${text}${close ? `</${t}>` : ''}`,
      );
    const doc = fc
      .array(fc.oneof(element, fc.string({ maxLength: 15 })), { maxLength: 8 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(doc, (html) => {
        const once = sanitizeHtml(html, { base });
        expect(unsafe(once)).toBeNull();
        expect(sanitizeHtml(once, { base })).toBe(once);
      }),
      { seed: 4242, numRuns: 2000 },
    );
  });
});

describe('text helpers', () => {
  it('htmlToText drops tags and script, decodes entities, separates blocks', () => {
    expect(htmlToText('<p>Quake&nbsp;<b>M6</b></p><p>near&#x20;Lima</p><script>x()</script>')).toBe(
      'Quake M6 near Lima',
    );
  });

  it('stripInvalidChars maps C1 controls like windows-1252 and removes the rest', () => {
    expect(stripInvalidChars('don\u0092t\u0000 \u0007x\u200b\ud800')).toBe('don’t x');
  });

  it('safeLink allows only absolute http(s) after resolution', () => {
    expect(safeLink('/a?b=1', base)).toBe('https://agency.example/a?b=1');
    expect(safeLink('javascript:alert(1)', base)).toBeNull();
    expect(safeLink('java\tscript:alert(1)', base)).toBeNull();
    expect(safeLink('mailto:a@b.c', base)).toBeNull();
    expect(safeLink('rel/only', null)).toBeNull();
  });

  it('property: htmlToText never throws and never returns markup from tags (fixed seed)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        const t = htmlToText(s);
        expect(typeof t).toBe('string');
        expect(t).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
      }),
      { seed: 7, numRuns: 1000 },
    );
  });
});
