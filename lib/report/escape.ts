/**
 * Escaping for the HTML report: every text that comes from the input (names, labels, rule
 * details, warnings) goes through one of these before it reaches the page.
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML element content and for quoted attribute values (double or single
 * quotes): `&`, `<`, `>`, `"` and `'` become character references.
 *
 * @example
 * escapeHtml('<b>"x"</b>') // '&lt;b&gt;&quot;x&quot;&lt;/b&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * Serializes a value as JSON safe to place inside a `<script type="application/json">`
 * element: `<`, `>` and `&` are written as `\u003c`, `\u003e` and `\u0026` (so no `</script>`,
 * `<!--` or `]]>` can end or change the element), and U+2028 / U+2029 as escapes.
 * `JSON.parse` of the element's text gives the value back.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
