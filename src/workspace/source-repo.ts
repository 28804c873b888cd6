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
  /** Absolute path of its git directory. */
  gitDir: string;
  /** The commit HEAD points at. */
  head: string;
  /** That commit's tree. */
  headTree: string;
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
  // One git for all four (each spawn from a busy engine costs): with no commit yet, git
  // still says where the repository is before it fails; outside one it says nothing.
  const r = await git(
    path,
    ['rev-parse', '--show-toplevel', '--absolute-git-dir', 'HEAD^{commit}', 'HEAD^{tree}', '--'],
    { allowFailure: true },
  );
  const [root, gitDir, head, headTree] = r.stdout.split('\n').map((l) => l.trim());
  if (!root || !gitDir) {
    throw new CorralError('NOT_A_GIT_REPO', `${path} is not a git repository.`, {
      hint: 'Run corral inside a git repository (git init && git commit), or pass --repo <path>.',
    });
  }
  if (r.exitCode !== 0 || !head || !headTree) {
    throw new CorralError('NO_COMMITS', `The repository at ${root} has no commits yet.`, {
      hint: 'Make a first commit (git add -A && git commit -m init), then run corral again.',
    });
  }
  return { root, gitDir, head, headTree };
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
