/**
 * Commits made host-side with git's plumbing, never touching the developer's index or tree:
 * a temporary index of their own (`withTempIndex`) and corral's own identity as author and
 * committer. Used for commits that exist only to start a sandbox from: a grading commit with
 * a battle's hidden tests laid over (battles/hidden-tests.ts), a base with a setup script put
 * in (setup/setup-commit.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Author and committer of the commits corral makes for itself. */
export const corralIdentity: Readonly<Record<string, string>> = {
  GIT_AUTHOR_NAME: 'corral',
  GIT_AUTHOR_EMAIL: 'corral@localhost',
  GIT_COMMITTER_NAME: 'corral',
  GIT_COMMITTER_EMAIL: 'corral@localhost',
};

/** Runs `work` with `GIT_INDEX_FILE` naming a fresh index, removed afterwards. */
export async function withTempIndex<T>(work: (env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'corral-index-'));
  try {
    return await work({ GIT_INDEX_FILE: join(dir, 'index') });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
