/**
 * Finds and checks the source repository a command was started in: it must be a git
 * repository with at least one commit. Each failure is a one-line CorralError that says
 * what to do.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CorralError } from '../lib/errors.js';
import { git } from './git.js';

export interface SourceRepo {
  /** Absolute path of the repository's top level. */
  root: string;
  /** The commit HEAD points at. */
  head: string;
}

export async function loadSourceRepo(dir: string): Promise<SourceRepo> {
  const path = resolve(dir);
  const isDir = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) {
    throw new CorralError('NOT_A_GIT_REPO', `${path} is not a directory.`, {
      hint: 'Run corral inside a git repository, or pass --repo <path>.',
    });
  }
  const top = await git(path, ['rev-parse', '--show-toplevel'], { allowFailure: true });
  if (top.exitCode !== 0) {
    throw new CorralError('NOT_A_GIT_REPO', `${path} is not a git repository.`, {
      hint: 'Run corral inside a git repository (git init && git commit), or pass --repo <path>.',
    });
  }
  const root = top.stdout.trim();
  const head = await git(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], {
    allowFailure: true,
  });
  if (head.exitCode !== 0) {
    throw new CorralError('NO_COMMITS', `The repository at ${root} has no commits yet.`, {
      hint: 'Make a first commit (git add -A && git commit -m init), then run corral again.',
    });
  }
  return { root, head: head.stdout.trim() };
}

/** Resolves a user-given ref to a commit, or fails with BAD_REF. */
export async function resolveCommit(root: string, ref: string): Promise<string> {
  const r = await git(
    root,
    ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`],
    {
      allowFailure: true,
    },
  );
  if (r.exitCode !== 0 || !r.stdout.trim()) {
    throw new CorralError('BAD_REF', `'${ref}' is not a commit in ${root}.`, {
      hint: 'Check the name with `git log --oneline` or `git branch -a`.',
    });
  }
  return r.stdout.trim();
}
