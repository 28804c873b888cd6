import { describe, expect, it } from 'vitest';
import { getGitHubRepo, isLoopbackHost, parseRemoteUrl, redactUrl } from './remote-url.js';

describe('getGitHubRepo', () => {
  it.each([
    ['https://github.com/acme/widgets.git', 'acme', 'widgets'],
    ['https://github.com/acme/widgets', 'acme', 'widgets'],
    ['https://github.com/acme/widgets/', 'acme', 'widgets'],
    ['https://x-access-token:secret@github.com/acme/widgets.git', 'acme', 'widgets'],
    ['https://GitHub.com/acme/my.repo.git', 'acme', 'my.repo'],
    ['ssh://git@github.com/acme/widgets.git', 'acme', 'widgets'],
    ['ssh://git@github.com:22/acme/widgets', 'acme', 'widgets'],
    ['git@github.com:acme/widgets.git', 'acme', 'widgets'],
    ['github.com:acme/widgets', 'acme', 'widgets'],
    ['git://github.com/acme/widgets.git', 'acme', 'widgets'],
  ])('reads %s', (url, owner, repo) => {
    expect(getGitHubRepo(url)).toEqual({ owner, repo });
  });

  it.each([
    'https://gitlab.com/acme/widgets.git',
    'https://github.com.evil.example/acme/widgets.git',
    'https://github.com/acme',
    'https://github.com/acme/widgets/tree/main',
    'git@gitlab.com:acme/widgets.git',
    '/srv/git/github.com/acme/widgets.git',
    'file:///github.com/acme/widgets.git',
    '../widgets.git',
  ])('is null for %s', (url) => {
    expect(getGitHubRepo(url)).toBeNull();
  });
});

describe('parseRemoteUrl', () => {
  it('gives the host as the credential protocol names it (with its port)', () => {
    expect(parseRemoteUrl('http://127.0.0.1:8080/origin.git')).toEqual({
      scheme: 'http',
      hostname: '127.0.0.1',
      host: '127.0.0.1:8080',
      path: 'origin.git',
    });
    expect(parseRemoteUrl('git@example.com:a/b.git')).toMatchObject({
      scheme: 'ssh',
      host: 'example.com',
    });
  });

  it('treats paths as local', () => {
    for (const url of ['/srv/repo.git', './repo', 'C:/repo', 'repo']) {
      expect(parseRemoteUrl(url).scheme).toBe('local');
    }
  });
});

describe('redactUrl and isLoopbackHost', () => {
  it('drops user and password from a URL', () => {
    expect(redactUrl('https://user:secret@github.com/a/b.git')).toBe('https://github.com/a/b.git');
    expect(redactUrl('git@github.com:a/b.git')).toBe('git@github.com:a/b.git');
  });

  it('knows loopback hosts', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('127.0.0.1.evil.example')).toBe(false);
    expect(isLoopbackHost('github.com')).toBe(false);
  });
});
