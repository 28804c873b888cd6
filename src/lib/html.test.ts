import { describe, expect, it } from 'vitest';
import { Html, escapeHtml, markup, trustedHtml } from './html.js';

describe('markup', () => {
  it('escapes every value that is not Html, between tags and in attributes', () => {
    const hostile = `"><script>alert('x')</script>&`;
    expect(markup`<td title="${hostile}">${hostile}</td>`.toString()).toBe(
      '<td title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</td>',
    );
  });

  it('keeps nested Html, joins lists, and renders nothing for absent values', () => {
    const items = ['<a>', 'b'].map((item) => markup`<li>${item}</li>`);
    expect(markup`<ul>${items}${null}${undefined}${false}${0}</ul>`.toString()).toBe(
      '<ul><li>&lt;a&gt;</li><li>b</li>0</ul>',
    );
    expect(markup`${trustedHtml('<br>')}`.toString()).toBe('<br>');
  });

  it('lets no one else make Html', () => {
    const forge = Html as unknown as new (token: symbol, text: string) => Html;
    expect(() => new forge(Symbol('html'), '<script>')).toThrow(TypeError);
    expect(escapeHtml(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&#39;f');
  });
});
