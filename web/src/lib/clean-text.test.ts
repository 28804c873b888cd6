import { describe, expect, it } from 'vitest';
import { cleanText } from './clean-text.js';

describe('cleanText', () => {
  it('takes colours, cursor moves, titles and hyperlinks out, keeping the words', () => {
    expect(cleanText('\u001b[1;31mred\u001b[0m and \u001b[2Jclear')).toBe('red and clear');
    expect(cleanText('\u001b]0;evil title\u0007after')).toBe('after');
    expect(cleanText('\u001b]8;;http://x.test\u001b\\link\u001b]8;;\u001b\\')).toBe('link');
    expect(cleanText('\u009b31mc1\u001bPdcs\u001b\\!')).toBe('c1!');
  });

  it('keeps line breaks and tabs, drops other controls and carriage returns', () => {
    expect(cleanText('a\tb\r\nc\rd\u0007\u0000e')).toBe('a\tb\ncde');
  });

  it('leaves markup alone: it is text, never HTML', () => {
    expect(cleanText('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>');
  });
});
