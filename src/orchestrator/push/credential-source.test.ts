import { describe, expect, it } from 'vitest';
import { chooseCredentialSource, describeCredentialSource } from './credential-source.js';

const gh = { owner: 'acme', repo: 'widgets' };

describe('chooseCredentialSource', () => {
  it('takes CORRAL_GIT_TOKEN first, for any host', () => {
    const env = { CORRAL_GIT_TOKEN: 'c', GITHUB_TOKEN: 'g', CORRAL_GITHUB_APP_ID: '1' };
    expect(chooseCredentialSource(env, gh)).toEqual({
      kind: 'env-token',
      variable: 'CORRAL_GIT_TOKEN',
    });
    expect(chooseCredentialSource({ CORRAL_GIT_TOKEN: 'c' }, null)).toMatchObject({
      variable: 'CORRAL_GIT_TOKEN',
    });
  });

  it('offers GITHUB_TOKEN, then GH_TOKEN, to github.com remotes only', () => {
    expect(chooseCredentialSource({ GITHUB_TOKEN: 'g', GH_TOKEN: 'h' }, gh)).toMatchObject({
      variable: 'GITHUB_TOKEN',
    });
    expect(chooseCredentialSource({ GITHUB_TOKEN: ' ', GH_TOKEN: 'h' }, gh)).toMatchObject({
      variable: 'GH_TOKEN',
    });
    expect(chooseCredentialSource({ GITHUB_TOKEN: 'g' }, null)).toEqual({ kind: 'git' });
  });

  it('uses a GitHub App when configured, before git', () => {
    expect(
      chooseCredentialSource(
        { CORRAL_GITHUB_APP_ID: '42', CORRAL_GITHUB_APP_PRIVATE_KEY_FILE: '/k.pem' },
        gh,
      ),
    ).toEqual({
      kind: 'github-app',
      appId: '42',
      privateKey: { file: '/k.pem' },
      installationId: null,
    });
    expect(
      chooseCredentialSource(
        {
          CORRAL_GITHUB_APP_ID: '42',
          CORRAL_GITHUB_APP_PRIVATE_KEY: 'pem',
          CORRAL_GITHUB_APP_INSTALLATION_ID: '7',
        },
        gh,
      ),
    ).toMatchObject({
      privateKey: { variable: 'CORRAL_GITHUB_APP_PRIVATE_KEY' },
      installationId: 7,
    });
    expect(
      chooseCredentialSource(
        { CORRAL_GITHUB_APP_ID: '42', CORRAL_GITHUB_APP_PRIVATE_KEY: 'p' },
        null,
      ),
    ).toEqual({ kind: 'git' });
  });

  it('refuses an app id without a key, or a bad installation id', () => {
    expect(() => chooseCredentialSource({ CORRAL_GITHUB_APP_ID: '42' }, gh)).toThrow(
      /no private key/,
    );
    expect(() =>
      chooseCredentialSource(
        {
          CORRAL_GITHUB_APP_ID: '42',
          CORRAL_GITHUB_APP_PRIVATE_KEY: 'p',
          CORRAL_GITHUB_APP_INSTALLATION_ID: 'x',
        },
        gh,
      ),
    ).toThrow(/not a number/);
  });

  it("falls back to git's own credentials, and names sources without their values", () => {
    const source = chooseCredentialSource({}, gh);
    expect(source).toEqual({ kind: 'git' });
    expect(describeCredentialSource(source)).toBe("git's own credential helper");
    expect(describeCredentialSource({ kind: 'env-token', variable: 'GH_TOKEN' })).toBe('GH_TOKEN');
  });
});
