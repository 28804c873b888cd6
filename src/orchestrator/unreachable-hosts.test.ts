/**
 * The hosts named by what the common tools really print with no network: the fixtures in
 * test/fixtures/offline-output/ were captured by running each tool in the default sandbox
 * image with no network (record-fixtures.ts there says how), but local-proxy.txt: npm, git,
 * pip, urllib and curl on the local backend without network, refused by sandbox-runtime's
 * proxy (`corral run --backend local -- sh -c '…'` with .test hosts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findUnreachableHost, UnreachableHosts } from './unreachable-hosts.js';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'offline-output');

function hostsOf(fixture: string): string[] {
  const hosts = new UnreachableHosts();
  for (const line of readFileSync(join(fixtures, `${fixture}.txt`), 'utf8').split('\n')) {
    hosts.line(line);
  }
  return hosts.list();
}

describe('UnreachableHosts on real output', () => {
  it.each([
    ['npm-install', ['registry.npmjs.org']],
    ['curl', ['registry.npmjs.org', 'deb.debian.org', '93.184.216.34']],
    ['git', ['github.com', 'gitlab.com']],
    ['node', ['registry.npmjs.org', 'api.github.com', '1.2.3.4']],
    ['pip', ['pypi.org']],
    ['pip-index', ['pypi.example.test']],
    ['python-requests', ['pypi.org', 'files.pythonhosted.org', '1.2.3.4']],
    ['apt', ['deb.debian.org']],
    ['go', ['proxy.golang.org', '1.2.3.4']],
    // Refused by sandbox-runtime's proxy (the local backend): npm, git, pip; Python's urllib
    // and curl name no host there.
    ['local-proxy', ['registry.example.test', 'git.example.test', 'pypi.example.test']],
    // The standard library says "Temporary failure in name resolution" and no host: none is invented.
    ['python-stdlib', []],
  ])('%s', (fixture, expected) => {
    expect(hostsOf(fixture)).toEqual(expected);
  });
});

describe('findUnreachableHost', () => {
  it('reads the forms the fixtures do not hold', () => {
    expect(
      findUnreachableHost('ssh: Could not resolve hostname github.com: Name or service not known'),
    ).toBe('github.com');
    expect(
      findUnreachableHost(
        'warning: spurious network error (2 tries remaining): [6] Could not resolve hostname (Could not resolve host: index.crates.io)',
      ),
    ).toBe('index.crates.io');
    expect(findUnreachableHost('npm error getaddrinfo ENOTFOUND registry.example.test')).toBe(
      'registry.example.test',
    );
    expect(
      findUnreachableHost('Error: connect ENETUNREACH 2606:4700::6810:1922:443 - Local (:::0)'),
    ).toBe('2606:4700::6810:1922');
    expect(findUnreachableHost("E: Could not resolve 'deb.debian.org'")).toBe('deb.debian.org');
  });

  it('ignores lines about anything else, and hosts nothing can allow', () => {
    expect(findUnreachableHost('# pass 3')).toBeNull();
    expect(findUnreachableHost('the resolver is configured')).toBeNull();
    const hosts = new UnreachableHosts();
    hosts.line('Error: connect ECONNREFUSED 127.0.0.1:5432');
    hosts.line('Error: getaddrinfo ENOTFOUND localhost');
    hosts.line('curl: (6) Could not resolve host: a*b');
    expect(hosts.list()).toEqual([]);
  });

  it('keeps each host once, and at most ten', () => {
    const hosts = new UnreachableHosts();
    for (let i = 0; i < 30; i++) hosts.line(`curl: (6) Could not resolve host: h${i % 15}.test`);
    expect(hosts.list()).toEqual(Array.from({ length: 10 }, (_, i) => `h${i}.test`));
  });
});
