/**
 * Runs host-side git on the *source* repository (trusted: the developer's own repo and
 * config). Never used on a workspace after an agent has run in it — that is hostile input,
 * and git there runs inside the sandbox (see bring-back.ts). Prompts are switched off so a
 * git that wants a password fails instead of hanging.
 */
import { exec, ExecFailure, type ExecResult } from '../lib/exec.js';
import { CorralError } from '../lib/errors.js';

const quietEnv = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_OPTIONAL_LOCKS: '0',
  LC_ALL: 'C',
};

/**
 * upload-pack for local transfers: a new pack without delta search (it took four fifths of
 * a 3,000-file clone). Deltas the source already has are kept; loose objects go whole.
 */
export const uploadPackWithoutDeltaSearch = 'git -c pack.window=0 upload-pack';

export async function git(
  repo: string,
  args: readonly string[],
  options: { allowFailure?: boolean; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<ExecResult> {
  try {
    return await exec('git', ['-C', repo, ...args], {
      env: { ...process.env, ...quietEnv, ...options.env },
      allowFailure: options.allowFailure,
      input: options.input,
    });
  } catch (error) {
    throw toCorralError(error);
  }
}

/** Turns "No space left on device" and friends into errors a user can act on. */
export function toCorralError(error: unknown): unknown {
  if (!(error instanceof ExecFailure)) return error;
  const stderr = error.result.stderr;
  if (/No space left on device|ENOSPC|disk quota exceeded/i.test(stderr)) {
    return new CorralError('DISK_FULL', 'The disk is full: git could not write the workspace.', {
      hint: 'Free some space (or point CORRAL_HOME at a bigger disk) and run again.',
      cause: error,
    });
  }
  return error;
}

export async function gitOut(repo: string, args: readonly string[]): Promise<string> {
  return (await git(repo, args)).stdout.trim();
}
