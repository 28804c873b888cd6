/**
 * The allowlist grammar as a policy author meets it: wildcards cover subdomains but not
 * the apex, a port narrows an entry, case and a trailing dot do not matter, and entries
 * that would allow everything or cannot be a host are refused with a reason.
 */
import { describe, expect, it } from 'vitest';
import { isHostAllowed, parseHostPattern } from './host-pattern.js';

describe('isHostAllowed', () => {
  it('matches a wildcard against subdomains at any depth, not the apex', () => {
    const allow = ['*.github.com'];
    expect(isHostAllowed(allow, 'api.github.com', 443)).toBe(true);
    expect(isHostAllowed(allow, 'a.b.github.com', 443)).toBe(true);
    expect(isHostAllowed(allow, 'github.com', 443)).toBe(false);
    expect(isHostAllowed(allow, 'evilgithub.com', 443)).toBe(false);
    expect(isHostAllowed(allow, 'github.com.evil.org', 443)).toBe(false);
    expect(isHostAllowed([...allow, 'github.com'], 'github.com', 443)).toBe(true);
  });

  it('allows any port without one, only that port with one', () => {
    expect(isHostAllowed(['example.com'], 'example.com', 22)).toBe(true);
    expect(isHostAllowed(['example.com:443'], 'example.com', 443)).toBe(true);
    expect(isHostAllowed(['example.com:443'], 'example.com', 80)).toBe(false);
    expect(isHostAllowed(['*.example.com:8443'], 'a.example.com', 8443)).toBe(true);
    expect(isHostAllowed(['*.example.com:8443'], 'a.example.com', 443)).toBe(false);
  });

  it('ignores case and a trailing dot, and matches IP literals exactly', () => {
    expect(isHostAllowed(['Registry.NPMjs.org'], 'registry.npmjs.org.', 443)).toBe(true);
    expect(isHostAllowed(['127.0.0.1:8080'], '127.0.0.1', 8080)).toBe(true);
    expect(isHostAllowed(['127.0.0.1:8080'], '127.0.0.2', 8080)).toBe(false);
    expect(isHostAllowed(['[::1]:443'], '[::1]', 443)).toBe(true);
    expect(isHostAllowed(['::1'], '::1', 1)).toBe(true);
  });

  it('denies everything with an empty list', () => {
    expect(isHostAllowed([], 'example.com', 443)).toBe(false);
  });
});

describe('parseHostPattern', () => {
  it.each([
    ['*', 'allowing every host is refused'],
    ['*.', 'allowing every host is refused'],
    ['a.*.com', 'only be the first label'],
    ['example.com:0', 'between 1 and 65535'],
    ['example.com:99999', 'between 1 and 65535'],
    ['example.com:https', 'must be a number'],
    ['exa mple.com', 'is not a host name'],
    ['*.10.0.0.1', 'is not a host name'],
    ['https://example.com', 'not a URL'],
  ])('refuses %s', (entry, reason) => {
    const parsed = parseHostPattern(entry);
    expect('error' in parsed && parsed.error).toContain(reason);
  });

  it('reads host, wildcard and port', () => {
    expect(parseHostPattern('*.Example.com:8080')).toEqual({
      host: 'example.com',
      wildcard: true,
      port: 8080,
    });
    expect(parseHostPattern('[::1]')).toEqual({ host: '::1', wildcard: false, port: null });
  });
});
