import { describe, expect, it } from 'vitest';
import { parseDocument } from '../../src/pipeline/parse/index.js';
import { capNesting, looksLikeHtml } from '../../src/pipeline/parse/text.js';

// docs/reliability.md T-P8 / P11: hostile text must cost linear time. Each of these inputs took seconds (quadratic
// regular expressions) before the fix; the ceilings are ≥ 5× the measured times after it.
const rss = (item: string) =>
  new TextEncoder().encode(
    `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>${item}</item></channel></rss>`,
  );

async function timed(bytes: Uint8Array): Promise<number> {
  const t = performance.now();
  await parseDocument(bytes);
  return performance.now() - t;
}

describe('CPU budget on hostile text', () => {
  it.each([
    [
      'escaped "<a" runs in a description (400 KB)',
      rss(`<title>x</title><description>${'&lt;a'.repeat(80_000)}</description>`),
    ],
    [
      'CDATA "a < b" prose (200 KB)',
      rss(`<title>x</title><description><![CDATA[${'a < b '.repeat(33_000)}]]></description>`),
    ],
    ['a title of "<a" runs (400 KB)', rss(`<title>${'&lt;a'.repeat(80_000)}</title>`)],
  ])('%s parses within 2.5 s', async (_name, bytes) => {
    expect(await timed(bytes)).toBeLessThan(2500);
  });

  it('text helpers stay linear on unclosed tags', () => {
    const t = performance.now();
    capNesting(`<a${'-a'.repeat(100_000)}`);
    looksLikeHtml('<a'.repeat(100_000));
    expect(performance.now() - t).toBeLessThan(500);
    expect(capNesting('<div><b>x</b></div>'.repeat(300))).toContain('<div><b>x</b></div>');
  });
});
