import { describe, expect, it } from 'vitest';
import { Redactor } from './redactor.js';

describe('Redactor', () => {
  const r = new Redactor(['sk-ant-secret-123', 'short', 'sk-ant-secret-123']);

  it('replaces every occurrence of every secret, ignoring too-short values', () => {
    expect(r.redact('key=sk-ant-secret-123 and sk-ant-secret-123; short stays')).toBe(
      'key=[redacted] and [redacted]; short stays',
    );
  });

  it('catches a secret split across chunks', () => {
    const s = r.stream();
    const out = s.push('abc sk-ant-se') + s.push('cret-123 def') + s.end();
    expect(out).toBe('abc [redacted] def');
  });

  it('passes text through untouched when there is nothing to hide', () => {
    const none = new Redactor([]).stream();
    expect(none.push('hello') + none.end()).toBe('hello');
  });
});
