/**
 * Escaping for the server-rendered page shells: every value put into HTML goes through {@link escapeHtml}
 * (text and attribute values alike), and data handed to the client scripts is JSON inside a
 * `<script type="application/json">` block, escaped by {@link jsonForScript} so no value can close the block
 * (RELIABILITY.md O1). The shells carry no feed text: records reach the page through the API and are set as
 * text by the client scripts.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text or an attribute value (double- or single-quoted) as HTML. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>`, `&`, U+2028 and U+2029 as `\u` escapes,
 * so neither `</script>` nor `<!--` can appear in it; `JSON.parse` of the block's text gives the value back.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Markup that is already safe (built by {@link html}); anything else interpolated into {@link html} is escaped. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

function render(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

/** A template whose interpolations are escaped unless they are {@link SafeHtml} (escaping by default). */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}
