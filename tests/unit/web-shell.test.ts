/**
 * The pages' server side without a server: the message catalogue (zh has every en key, the same
 * placeholders, every key the code uses), escaping of the shells and of the boot block, the CSP, the language
 * choice, the offline world map and the tag names.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { HEALTH_FLAGS } from '../../src/pipeline/health-flags.js';
import { TOKEN_ROLES } from '../../src/store/tokens.js';
import { newNonce, pageCsp } from '../../src/web/csp.js';
import { escapeHtml, html, jsonForScript } from '../../src/web/html.js';
import { requestLang } from '../../src/web/lang.js';
import { renderShell } from '../../src/web/layout.js';
import { fill, MESSAGES } from '../../src/web/messages.js';
import { tagNames } from '../../src/web/tag-names.js';
import { landPath, MAP_HEIGHT, MAP_WIDTH, projectPoint } from '../../src/web/world-map.js';
import { ROOT } from '../helpers/cli.js';

const WEB = join(ROOT, 'src', 'web');
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [readFileSync(join(dir, e.name), 'utf8')]
        : [],
  );
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogue', () => {
  it('zh has exactly the keys of en, none empty, with the same placeholders', () => {
    expect(Object.keys(MESSAGES.zh).sort()).toEqual(Object.keys(MESSAGES.en).sort());
    for (const [key, en] of Object.entries(MESSAGES.en)) {
      const zh = MESSAGES.zh[key as keyof typeof MESSAGES.zh];
      expect(en.trim(), key).not.toBe('');
      expect(zh.trim(), key).not.toBe('');
      expect(placeholders(zh), key).toEqual(placeholders(en));
    }
  });

  it('holds every key the pages and their scripts name, including the built ones (roles, flags, modes)', () => {
    const code = sources(WEB).join('\n');
    const named = new Set(
      [
        ...code.matchAll(
          /\bt\(\s*'([a-z][\w.-]+)'|message\(\s*\w+,\s*'([a-z][\w.-]+)'|'([a-z]+\.[a-zA-Z][\w.-]*)'/g,
        ),
      ]
        .map((m) => m[1] ?? m[2] ?? m[3]!)
        .filter((k) => /^(app|lang|nav|role|common|error|login|dash|editor|audit|digest|sources)\./.test(k))
        .filter((k) => !/\.(css|js)$/.test(k)), // file names, not keys
    );
    expect(named.size).toBeGreaterThan(100);
    for (const key of named) expect(MESSAGES.en, key).toHaveProperty([key]);
    for (const role of TOKEN_ROLES) expect(MESSAGES.en).toHaveProperty([`role.${role}`]);
    for (const flag of HEALTH_FLAGS) expect(MESSAGES.en).toHaveProperty([`sources.flag.${flag}`]);
    for (const mode of ['backoff', 'probe']) expect(MESSAGES.en).toHaveProperty([`sources.mode.${mode}`]);
  });

  it('fills placeholders with text and leaves unknown ones as written', () => {
    expect(fill('{n} new, {x}', { n: 3 })).toBe('3 new, {x}');
  });
});

describe('escaping', () => {
  it('escapes text and attribute values; the html template escapes by default', () => {
    expect(escapeHtml(`<img src=x onerror="a('1')">&`)).toBe(
      '&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt;&amp;',
    );
    const name = '"><script>alert(1)</script>';
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</p>',
    );
    expect(html`<ul>${['<a>', html`<li>ok</li>`]}</ul>`.value).toBe('<ul>&lt;a&gt;<li>ok</li></ul>');
  });

  it('boot JSON cannot close its script block and parses back to the same value', () => {
    const value = { s: '</script><script>alert(1)</script><!-- & \u2028\u2029' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('a shell with a hostile holder name escapes it and carries one nonce on its one module script', () => {
    const page = renderShell({
      lang: 'en',
      nonce: 'abc123',
      page: 'dashboard',
      title: 'Live dashboard',
      user: { name: '<img src=x onerror=alert(1)>', role: 'admin' },
      csrf: 'c"s<rf',
      script: '/web/assets/dashboard.js?v=1',
      stylesheet: '/web/assets/app.css?v=1',
      main: html`<p>main</p>`,
    });
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('"csrf":"c\\"s\\u003crf"');
    expect([...page.matchAll(/<script\b/g)]).toHaveLength(2);
    expect(page).toContain(
      '<script type="module" nonce="abc123" src="/web/assets/dashboard.js?v=1"></script>',
    );
    // An admin sees every link; a viewer neither the editors' pages nor the board.
    expect(page).toContain('href="/admin/queues"');
    const viewer = renderShell({
      lang: 'zh',
      nonce: 'n',
      page: 'sources',
      title: 'x',
      user: { name: 'v', role: 'viewer' },
      csrf: null,
      script: '/s.js',
      stylesheet: '/a.css',
      main: html``,
    });
    expect(viewer).not.toContain('href="/editor"');
    expect(viewer).not.toContain('href="/admin/queues"');
    expect(viewer).toContain(`>${MESSAGES.zh['nav.sources']}</a>`);
  });
});

describe('CSP and language', () => {
  it("nonces are fresh 128-bit values; the policy allows nothing but the nonce's scripts and the server", () => {
    const a = newNonce();
    expect(Buffer.from(a, 'base64')).toHaveLength(16);
    expect(newNonce()).not.toBe(a);
    const csp = pageCsp(a);
    expect(csp).toMatch(/^default-src 'none'; /);
    expect(csp).toContain(`script-src 'nonce-${a}' 'strict-dynamic'`);
    expect(csp).not.toContain('unsafe');
    for (const d of [
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'self'",
      "trusted-types 'none'",
    ])
      expect(csp).toContain(d);
  });

  it('the cookie wins, then Accept-Language, then Chinese', () => {
    expect(requestLang({})).toBe('zh');
    expect(requestLang({ 'accept-language': 'en-US,en;q=0.9' })).toBe('en');
    expect(requestLang({ 'accept-language': 'de-DE, zh-CN;q=0.8, en;q=0.5' })).toBe('zh');
    expect(requestLang({ cookie: 'a=1; gi_lang=en', 'accept-language': 'zh' })).toBe('en');
    expect(requestLang({ cookie: 'gi_lang=xx', 'accept-language': 'en' })).toBe('en');
  });
});

describe('offline world map and tag names', () => {
  it('projects the land to one SVG path inside the box; points project to the same box', () => {
    const d = landPath();
    expect(d.length).toBeGreaterThan(20_000);
    expect(d.length).toBeLessThan(120_000);
    expect(d).toMatch(/^M/);
    const nums = [...d.matchAll(/(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    for (const [x, y] of nums) {
      expect(x).toBeGreaterThanOrEqual(-0.5);
      expect(x).toBeLessThanOrEqual(MAP_WIDTH + 0.5);
      expect(y).toBeGreaterThanOrEqual(-0.5);
      expect(y).toBeLessThanOrEqual(MAP_HEIGHT + 0.5);
    }
    expect(projectPoint(-180, 90)).toEqual([0, 0]);
    expect(projectPoint(0, 0)).toEqual([MAP_WIDTH / 2, MAP_HEIGHT / 2]);
    expect(projectPoint(180, -90)).toEqual([MAP_WIDTH, MAP_HEIGHT]);
    expect(landPath()).toBe(d);
  });

  it('names commodities and countries from config/tags.yaml in each language', () => {
    const { tags } = loadConfig({ dir: join(ROOT, 'config'), env: {} });
    const en = tagNames(tags, 'en');
    const zh = tagNames(tags, 'zh');
    expect(en.countries.CN).toBe('China');
    expect(zh.countries.CN).toBe('中国');
    expect(zh.commodities['rare-earths']).toBe('稀土');
    expect(en.commodities.lithium).toBe('Lithium');
    expect(Object.keys(zh.commodities).sort()).toEqual(Object.keys(tags.commodities).sort());
  });
});
