import { describe, expect, it } from 'vitest';
import { describePushFailure } from './push-failure.js';

const target = { remote: 'origin', branch: 'corral/shell-abcde', url: 'https://example.com/r.git' };

describe('describePushFailure', () => {
  it('says a non-fast-forward push was rejected', () => {
    const stdout =
      'To https://example.com/r.git\n!\trefs/heads/corral/shell-abcde:refs/heads/corral/shell-abcde\t[rejected] (non-fast-forward)\nDone\n';
    const e = describePushFailure(stdout, 'error: failed to push some refs', target);
    expect(e.code).toBe('PUSH_REJECTED');
    expect(e.exitCode).toBe(8);
    expect(e.message).toMatch(/rejected: non-fast-forward/);
  });

  it('passes a hook refusal on', () => {
    const stdout = '!\trefs/heads/a:refs/heads/a\t[remote rejected] (pre-receive hook declined)\n';
    expect(describePushFailure(stdout, '', target).message).toMatch(/pre-receive hook declined/);
  });

  it.each([
    "fatal: Authentication failed for 'https://example.com/r.git/'",
    "fatal: could not read Username for 'https://github.com': terminal prompts disabled",
    'remote: Permission to acme/widgets.git denied to bot.\nfatal: unable to access: The requested URL returned error: 403',
    'git@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.',
  ])('calls %s an authentication failure', (stderr) => {
    const e = describePushFailure('', stderr, target);
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.line).toMatch(/authentication refused/);
  });

  it('says when the remote is unreachable or missing', () => {
    expect(
      describePushFailure(
        '',
        "fatal: unable to access 'https://x/': Could not resolve host: x",
        target,
      ).code,
    ).toBe('REMOTE_UNREACHABLE');
    expect(describePushFailure('', 'remote: Repository not found.', target).message).toMatch(
      /not found/,
    );
  });
});
