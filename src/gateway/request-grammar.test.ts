/**
 * What an agent may ask for: hosts in the allowlist's grammar, packages only with an
 * explicit manager and a name that cannot break out of a Dockerfile's RUN line, and a
 * reason that cannot rewrite a terminal.
 */
import { describe, expect, it } from 'vitest';
import {
  canonicalRequestName,
  cleanWhy,
  maxWhyLength,
  parsePackageSpec,
} from './request-grammar.js';

describe('parsePackageSpec', () => {
  it('accepts apt and npm names, scoped npm names included', () => {
    expect(parsePackageSpec('apt:jq')).toEqual({ manager: 'apt', name: 'jq' });
    expect(parsePackageSpec('apt:libstdc++6')).toEqual({ manager: 'apt', name: 'libstdc++6' });
    expect(parsePackageSpec('npm:left-pad')).toEqual({ manager: 'npm', name: 'left-pad' });
    expect(parsePackageSpec('npm:@types/node')).toEqual({ manager: 'npm', name: '@types/node' });
  });

  it.each([
    ['jq', /say which package manager/],
    ['pip:requests', /say which package manager/],
    ['apt:JQ', /not a Debian package name/],
    ['apt:-oAPT::Get=x', /not a Debian package name/],
    ["apt:jq'; rm -rf / #", /not a Debian package name/],
    ['apt:jq curl', /not a Debian package name/],
    ['apt:$(id)', /not a Debian package name/],
    ['apt:', /not a Debian package name/],
    ['npm:left-pad@1.3.0', /not an npm package name/],
    ['npm:-g', /not an npm package name/],
    ['npm:@scope', /not an npm package name/],
    ['npm:../../etc', /not an npm package name/],
    ['npm:git+https://evil.test/x.git', /not an npm package name/],
    ['npm:' + 'a'.repeat(215), /not an npm package name/],
  ])('refuses %j', (spec, message) => {
    const parsed = parsePackageSpec(spec);
    expect('error' in parsed && parsed.error).toMatch(message);
  });
});

describe('canonicalRequestName', () => {
  it('spells hosts as the allowlist does and packages as manager:name', () => {
    expect(canonicalRequestName('host', 'Example.TEST.')).toBe('example.test');
    expect(canonicalRequestName('host', '*.GitHub.com:443')).toBe('*.github.com:443');
    expect(canonicalRequestName('package', 'apt:jq')).toBe('apt:jq');
  });

  it('refuses what the allowlist refuses, and overlong or empty names', () => {
    expect(canonicalRequestName('host', '*')).toMatchObject({ error: /every host is refused/ });
    expect(canonicalRequestName('host', 'https://x.test/')).toMatchObject({ error: /not a URL/ });
    expect(canonicalRequestName('host', '')).toMatchObject({ error: /give the host/ });
    expect(canonicalRequestName('host', `${'a.'.repeat(200)}test`)).toMatchObject({
      error: /longer than/,
    });
  });
});

describe('cleanWhy', () => {
  it('removes escape sequences and control characters, and collapses whitespace', () => {
    expect(cleanWhy('to \x1b[2J\x1b[31mparse\x1b[0m JSON\r\n\tnow\x07')).toBe('to parse JSON now');
    expect(cleanWhy('title \x1b]0;pwned\x07 set')).toBe('title set');
    expect(cleanWhy('bidi \u202eevil\u202c text')).toBe('bidi evil text');
  });

  it('caps the length', () => {
    const long = cleanWhy('x'.repeat(5000));
    expect(long).toHaveLength(maxWhyLength);
    expect(long.endsWith('…')).toBe(true);
  });
});
