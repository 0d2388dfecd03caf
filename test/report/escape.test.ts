/** Escaping of everything from the input: element text, attributes, and the page's JSON. */
import * as fc from 'fast-check';
import { escapeHtml, jsonForScript } from '../../lib/report/escape';

test('escapeHtml escapes the five HTML metacharacters', () => {
  expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;');
  expect(escapeHtml('plain text')).toBe('plain text');
});

test('escapeHtml: no metacharacter survives, and decoding gives the text back (property)', () => {
  const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
    const e = escapeHtml(s);
    expect(e).not.toMatch(/[<>"']/);
    expect(e.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
    expect(decode(e)).toBe(s);
  }));
});

test('jsonForScript: parses back to the value and can never close or open a tag (property)', () => {
  fc.assert(fc.property(fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: 'binary' }), (v, s) => {
    for (const value of [v, { s }, [s, '</script><script>alert(1)</script>', '<!--', '\u2028\u2029']]) {
      const text = jsonForScript(value);
      expect(text).not.toMatch(/[<>&\u2028\u2029]/);
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
    }
  }));
});
