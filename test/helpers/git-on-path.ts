/**
 * Puts a `git` first on this process's PATH that runs a shell snippet around the real git,
 * so that a test can count or slow what corral's git calls do (git found through PATH by
 * `exec('git', …)`; git's own children use its exec-path and are not seen).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GitOnPath {
  /** A directory of the test's own, for logs and markers. */
  dir: string;
  restore(): void;
}

/**
 * `around` is sh run with the arguments in "$@" and the real git in $REAL_GIT; it must run
 * it itself (e.g. `"$REAL_GIT" "$@"; rc=$?; …; exit $rc`).
 */
export async function putGitOnPath(around: (dir: string) => string): Promise<GitOnPath> {
  const dir = await mkdtemp(join(tmpdir(), 'corral-git-on-path-'));
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  await writeFile(join(dir, 'git'), `#!/bin/sh\nREAL_GIT='${real}'\n${around(dir)}\n`, {
    mode: 0o755,
  });
  const path = process.env.PATH;
  process.env.PATH = `${dir}:${path}`;
  return { dir, restore: () => void (process.env.PATH = path) };
}
