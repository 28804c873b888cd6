import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { getCredentialEnv } from './credential-env.js';

const credential = { token: 'tok_1234567890', username: 'x-access-token' };
const target = { protocol: 'https' as const, host: 'github.com' };

/** What git's credential machinery answers for a request, with only this environment's helpers. */
function fill(env: Record<string, string>, request: string): string {
  return execFileSync('git', ['credential', 'fill'], {
    input: request,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'ignore'],
    env: { PATH: process.env.PATH, HOME: '/nonexistent', GIT_TERMINAL_PROMPT: '0', ...env },
  });
}

describe('getCredentialEnv', () => {
  it('puts the token in the environment only, never in a config value', () => {
    const env = getCredentialEnv(credential, target, {});
    expect(env.GIT_CONFIG_COUNT).toBe('2');
    expect(env.GIT_CONFIG_VALUE_0).toBe('');
    expect(env.GIT_CONFIG_VALUE_1).not.toContain(credential.token);
    expect(env.CORRAL_PUSH_TOKEN).toBe(credential.token);
  });

  it('keeps config entries already passed through the environment', () => {
    const env = getCredentialEnv(credential, target, { GIT_CONFIG_COUNT: '3' });
    expect(env.GIT_CONFIG_COUNT).toBe('5');
    expect(env.GIT_CONFIG_KEY_3).toBe('credential.helper');
  });

  it('answers git for the expected protocol and host, and nothing else', () => {
    const env = getCredentialEnv(credential, target, {});
    expect(fill(env, 'protocol=https\nhost=github.com\n\n')).toContain(
      'username=x-access-token\npassword=tok_1234567890\n',
    );
    for (const other of [
      'protocol=https\nhost=evil.example\n\n',
      'protocol=http\nhost=github.com\n\n',
    ])
      expect(() => fill(env, other)).toThrow();
  });

  it('refuses a token with whitespace (it could inject lines into the credential protocol)', () => {
    expect(() => getCredentialEnv({ ...credential, token: 'a\nb' }, target, {})).toThrow(
      /whitespace/,
    );
  });
});
