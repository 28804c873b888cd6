/**
 * Whether a contestant changed how the tests run, not only what they test: a test command
 * is often the repository's own (`npm test` runs package.json's script), so a branch can
 * make it print passes and exit 0. Restoring those files would undo legitimate changes (a
 * new dependency in package.json), so they are compared instead, host-side, as blobs (no
 * diff driver, no textconv: nothing of the branch runs): the runner configurations of the
 * common ecosystems, and package.json's `scripts`.
 */
import { git } from '../../workspace/index.js';

/** Files that configure how tests run (git pathspecs). */
export const runnerPathspecs: readonly string[] = [
  ':(glob)Makefile',
  ':(glob)**/jest.config.*',
  ':(glob)**/vitest.config.*',
  ':(glob)**/vitest.workspace.*',
  ':(glob)**/.mocharc*',
  ':(glob)pytest.ini',
  ':(glob)tox.ini',
  ':(glob)noxfile.py',
];

/** A package.json larger than this is compared as a whole, not read. */
const maxPackageJsonBytes = 1024 * 1024;

/** The runner files `branch` changed against `base`, and `package.json (scripts)` if so. */
export async function findRunnerChanges(
  repoDir: string,
  base: string,
  branch: string,
): Promise<string[]> {
  const diff = await git(repoDir, [
    'diff',
    '--no-ext-diff',
    '--no-textconv',
    '--no-renames',
    '--name-only',
    base,
    branch,
    '--',
    ...runnerPathspecs,
  ]);
  const changed = diff.stdout.split('\n').filter(Boolean);
  const [before, after] = await Promise.all([scriptsOf(repoDir, base), scriptsOf(repoDir, branch)]);
  if (before !== after) changed.push('package.json (scripts)');
  return changed;
}

/** package.json's `scripts` at `ref`, as a comparable string ('' when absent). */
async function scriptsOf(repoDir: string, ref: string): Promise<string> {
  const size = await git(repoDir, ['cat-file', '-s', `${ref}:package.json`], {
    allowFailure: true,
  });
  if (size.exitCode !== 0) return '';
  const shown = await git(repoDir, ['cat-file', 'blob', `${ref}:package.json`]);
  if (Number(size.stdout) > maxPackageJsonBytes) return shown.stdout;
  try {
    const parsed = JSON.parse(shown.stdout) as { scripts?: unknown };
    return JSON.stringify(parsed.scripts ?? null);
  } catch {
    // Not JSON: compared as text.
    return shown.stdout;
  }
}
