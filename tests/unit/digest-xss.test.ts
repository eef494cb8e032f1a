/**
 * T-O1 (docs/reliability.md §4.5): XSS payloads in the title, summary, link (and editor zh text, source names) of
 * records, rendered by the HTML digest and checked by parsing the output: 0 <script>, 0 on* attributes, 0 href/src
 * with a non-http(s) scheme, every external <a> with rel ⊇ noopener noreferrer, a CSP meta.
 */
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { buildDigest, renderDigest } from '../../src/pipeline/digest/index.js';
import { buildRecord } from '../../src/pipeline/record.js';
import type { DigestRecord } from '../../src/pipeline/types.js';

const PAYLOADS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=https://evil.example/x.js></SCRIPT>',
  '<script>/*</script><script>alert(1)//*/</script>',
  '"><script>alert(1)</script>',
  "'><script>alert(1)</script>",
  '</title><script>alert(1)</script>',
  '</textarea><script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<img src="x" onerror="alert(1)">',
  '<IMG SRC=javascript:alert(1)>',
  '<img src=`javascript:alert(1)`>',
  '<img """><script>alert(1)</script>">',
  '<svg onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="javascript:alert(1)">',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="jav&#x09;ascript:alert(1)">x</a>',
  '<a href="jav&#x0A;ascript:alert(1)">x</a>',
  '<a href=" javascript:alert(1)">x</a>',
  '<a href="JaVaScRiPt:alert(1)">x</a>',
  '<a href="vbscript:msgbox(1)">x</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
  '<a href="https://evil.example" target="_blank">tabnab</a>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<div style="width: expression(alert(1))">x</div>',
  '<style>@import "https://evil.example/x.css";</style>',
  '<style>body{background:url("javascript:alert(1)")}</style>',
  '<link rel="stylesheet" href="javascript:alert(1)">',
  '<base href="https://evil.example/">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<meta http-equiv="refresh" content="0;url=https://evil.example">',
  '<form action="javascript:alert(1)"><button>x</button></form>',
  '<button formaction="javascript:alert(1)">x</button>',
  '<input autofocus onfocus=alert(1)>',
  '<select onfocus=alert(1) autofocus>',
  '<details open ontoggle=alert(1)>',
  '<body onload=alert(1)>',
  '<video><source onerror=alert(1)></video>',
  '<audio src=x onerror=alert(1)>',
  '<marquee onstart=alert(1)>',
  '<isindex type=image src=1 onerror=alert(1)>',
  '<x onclick=alert(1)>click</x>',
  '<table background="javascript:alert(1)">',
  '<!--<img src="--><img src=x onerror=alert(1)//">',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<template><script>alert(1)</script></template>',
  '<![CDATA[<script>alert(1)</script>]]>',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '&#60;script&#62;alert(1)&#60;/script&#62;',
  '\u003cscript\u003ealert(1)\u003c/script\u003e',
  '{{constructor.constructor("alert(1)")()}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection payload, on purpose
  '`${alert(1)}`',
  'x\u2028<script>alert(1)</script>',
  '<scr<script>ipt>alert(1)</script>',
  '<a href="https://ok.example/" onclick="alert(1)">x</a>',
];

const URLS = [
  'javascript:alert(1)',
  'jav\tascript:alert(1)',
  ' javascript:alert(1)',
  'JAVASCRIPT:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  'https://ok.example/"><script>alert(1)</script>',
  "https://ok.example/' onmouseover='alert(1)",
  '//evil.example/x',
  'https://ok.example/a?b=<svg/onload=alert(1)>',
];

function records(): DigestRecord[] {
  return PAYLOADS.map((p, i) => {
    const r = buildRecord({
      item: {
        id: `x${i}`,
        title: `T${i} ${p}`,
        summary: `S${i} ${p}`,
        url: URLS[i % URLS.length],
        publishedAt: '2023-10-05T12:00:00Z',
      },
      classification: {
        id: `x${i}`,
        language: 'en',
        relevant: true,
        topic: 'basic-geology',
        topics: [{ id: 'basic-geology', score: 0.5, evidence: [] }],
        tags: { commodities: [], countries: [] },
      },
      story: { id: `x${i}`, storyId: `x${i}`, duplicateOf: null, canonicalId: `x${i}`, similarity: 1 },
      source: { id: 'evil', name: `Evil ${p}`, nameZh: `恶意 ${p}`, shortName: `E ${p}`, timeZone: 'UTC' },
      fetchedAt: '2023-10-05T12:00:00Z',
    });
    // Raw payloads also where the record stage does not pass (e.g. a record read from a file).
    return {
      ...r,
      title: `T${i} ${p}`,
      summary: `S${i} ${p}`,
      titleZh: `标题${i} ${p}`,
      summaryZh: `摘要${i} ${p}`,
    };
  });
}

/**
 * Event listings carrying the payloads in the place their title names (the event box shows it, linked to the
 * event’s URL): one sequence each (hundreds of km apart).
 */
function eventRecords(): DigestRecord[] {
  return PAYLOADS.map((p, i) => {
    const r = records()[i]!;
    return {
      ...r,
      id: `e${i}`,
      storyId: `e${i}`,
      canonicalId: `e${i}`,
      title: `M 6.${i % 10} - 10 km N of ${p}`,
      topics: [{ id: 'basic-geology', score: 0.9, evidence: ['event:earthquake', `magnitude:6.${i % 10}`] }],
      geo: { lat: -80 + i * 2.5, lon: ((i * 17) % 360) - 180, magnitude: 6 + (i % 10) / 10, alertLevel: p },
    };
  });
}

const TOPICS = [{ id: 'basic-geology', name: `Basic geology`, nameZh: '基础地质', order: 1 }];

describe.each(['en', 'zh'] as const)('HTML digest XSS corpus (%s)', (lang) => {
  const digest = buildDigest([...records(), ...eventRecords()], {
    date: '2023-10-06',
    topics: TOPICS,
    perSection: 1000,
  });
  const html = renderDigest(digest, { format: 'html', lang, title: '<script>alert("title")</script>' });
  const $ = cheerio.load(html);

  it(`renders all ${PAYLOADS.length} payloads as text, in items and in the event box`, () => {
    expect(digest.count).toBe(PAYLOADS.length);
    expect($('article').length).toBe(PAYLOADS.length);
    const first = $('article h3').first().text();
    expect(first).toContain('<');
    expect(digest.sections[0]!.events).toHaveLength(PAYLOADS.length);
    const lines = $('aside.events li');
    expect(lines.length).toBe(PAYLOADS.length);
    const shown = lines.map((_, el) => $(el).text()).get();
    for (const p of PAYLOADS) {
      // The payload is the place the title names: shown as text (whitespace folded), never as markup.
      const place = p.replace(/\s+/g, ' ').trim();
      expect(
        shown.some((t) => t.includes(place)),
        place,
      ).toBe(true);
    }
  });

  it('has no <script> and no active elements', () => {
    expect($('script').length).toBe(0);
    for (const tag of [
      'iframe',
      'object',
      'embed',
      'base',
      'form',
      'svg',
      'math',
      'img',
      'link',
      'template',
      'video',
      'audio',
    ]) {
      expect($(tag).length, tag).toBe(0);
    }
    expect($('meta[http-equiv="refresh" i]').length).toBe(0);
    expect($('style').length).toBe(1); // the page's own stylesheet
  });

  it('has no on* attributes, no style/srcdoc attributes', () => {
    $('*').each((_, el) => {
      for (const name of Object.keys((el as unknown as { attribs: Record<string, string> }).attribs ?? {})) {
        expect(
          name.toLowerCase().startsWith('on'),
          `${name} on <${(el as { tagName?: string }).tagName}>`,
        ).toBe(false);
        expect(['style', 'srcdoc', 'formaction', 'action'].includes(name.toLowerCase())).toBe(false);
      }
    });
  });

  it('has only http(s) href/src, and every external link has rel ⊇ noopener noreferrer', () => {
    $('[href], [src]').each((_, el) => {
      const v = $(el).attr('href') ?? $(el).attr('src')!;
      expect(new URL(v).protocol, v).toMatch(/^https?:$/);
    });
    const links = $('a[href]');
    expect(links.length).toBeGreaterThan(0);
    links.each((_, el) => {
      const rel = ($(el).attr('rel') ?? '').split(/\s+/);
      expect(rel).toContain('noopener');
      expect(rel).toContain('noreferrer');
    });
  });

  it('carries a CSP meta and dir="auto"', () => {
    const csp = $('meta[http-equiv="Content-Security-Policy"]').attr('content') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect($('html').attr('dir')).toBe('auto');
    expect($('article[dir="auto"]').length).toBe(PAYLOADS.length);
  });
});
