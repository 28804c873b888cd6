/**
 * Turns what a failed `git push --porcelain` printed into one error a user can act on:
 * rejected (non-fast-forward, or by a hook), authentication, an unreachable or missing
 * remote. Secrets never reach these messages: git does not print passwords, and the
 * caller redacts the token besides.
 */
import { CorralError } from '../../lib/errors.js';

export interface PushTarget {
  remote: string;
  branch: string;
  /** The URL git pushed to, printable (no user:password). */
  url: string;
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('To ') && l !== 'Done');
  return lines.at(-1) ?? '';
}

export function describePushFailure(stdout: string, stderr: string, t: PushTarget): CorralError {
  const where = `${t.branch} to ${t.remote} (${t.url})`;
  const rejected = /^!\t[^\t]*\t\[(remote )?rejected\] \(([^)]*)\)/m.exec(stdout);
  if (rejected) {
    const reason = rejected[2] ?? '';
    if (/non-fast-forward|fetch first|stale info/.test(reason))
      return new CorralError(
        'PUSH_REJECTED',
        `The push of ${where} was rejected: non-fast-forward (the remote branch has commits this one lacks).`,
        {
          hint: `Look at them with git fetch ${t.remote} ${t.branch}, or delete the remote branch.`,
        },
      );
    return new CorralError('PUSH_REJECTED', `The push of ${where} was rejected: ${reason}.`, {
      hint: 'The remote refused it (a hook or branch protection); see its message above.',
    });
  }
  const s = stderr;
  if (
    /Authentication failed|terminal prompts disabled|could not read (Username|Password)|Invalid username or password|returned error: 40[13]|Permission denied \(publickey|Permission to .* denied|Host key verification failed/i.test(
      s,
    )
  )
    return new CorralError(
      'AUTH_FAILED',
      `The push of ${where} failed: authentication refused (${lastLine(s)}).`,
      {
        hint: 'Set CORRAL_GIT_TOKEN (or GITHUB_TOKEN for github.com) to a token allowed to push, or configure a GitHub App.',
      },
    );
  if (/Repository not found|does not appear to be a git repository|returned error: 404/i.test(s))
    return new CorralError(
      'REMOTE_UNREACHABLE',
      `The push of ${where} failed: the remote repository was not found.`,
      { hint: 'Check the remote URL, and that the credential may see that repository.' },
    );
  if (
    /Could not resolve host|Failed to connect|Connection refused|Connection timed out|unable to access|Could not read from remote/i.test(
      s,
    )
  )
    return new CorralError(
      'REMOTE_UNREACHABLE',
      `The push of ${where} failed: the remote is unreachable (${lastLine(s)}).`,
      { hint: 'Check the network and the remote URL.' },
    );
  return new CorralError(
    'PUSH_REJECTED',
    `The push of ${where} failed: ${lastLine(s) || 'git push failed'}.`,
  );
}
