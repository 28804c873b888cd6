/**
 * Hidden tests (`--hidden-tests <dir|ref>`): tests no contestant ever sees, laid over the
 * tree only when grading. When the battle starts they are stored in the source repository
 * as a commit of their own (a directory's files at the same paths from the repository's
 * root; a ref's tree, e.g. `hidden-tests` or `main:tests/hidden`, as it is), kept alive by
 * `refs/corral/hidden/<battle>`. Contestants never get it: their workspaces fetch the
 * base's history alone. For each grading they are laid over the graded tip, after its
 * protected tests are restored, in the grading commit (grading-commit.ts). All of it is
 * plumbing on objects (a temporary index, write-tree, commit-tree): no checkout, no hook,
 * no filter runs.
 */
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { CorralError } from '../../lib/errors.js';
import { corralIdentity, git, withTempIndex } from '../../workspace/index.js';

export const HiddenTests = z.object({
  /** What the battle was given: a directory (absolute) or a ref. */
  source: z.string(),
  /** The commit holding them alone. */
  commit: z.string(),
  /** Their paths from the repository's root. */
  paths: z.array(z.string()),
});
export type HiddenTests = z.infer<typeof HiddenTests>;

/** Stores the hidden tests of battle `id` in the repository; refuses a source with none. */
export async function storeHiddenTests(
  repoDir: string,
  id: string,
  source: string,
): Promise<HiddenTests> {
  const isDir = await stat(source).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const tree = isDir ? await treeOfDirectory(repoDir, source) : await treeOfRef(repoDir, source);
  const listed = await git(repoDir, ['ls-tree', '-r', '-z', '--name-only', tree]);
  const paths = listed.stdout.split('\0').filter(Boolean);
  if (paths.length === 0) {
    throw new CorralError('USAGE', `--hidden-tests ${source} holds no file.`, {
      hint: 'Give a directory of test files, or a ref whose tree holds them.',
    });
  }
  const commit = (
    await git(repoDir, ['commit-tree', tree, '-m', `corral: hidden tests of ${id}`], {
      env: corralIdentity,
    })
  ).stdout.trim();
  await git(repoDir, ['update-ref', `refs/corral/hidden/${id}`, commit]);
  return { source, commit, paths };
}

async function treeOfDirectory(repoDir: string, dir: string): Promise<string> {
  return withTempIndex(async (env) => {
    // The directory's own files only: no .gitignore of the repository decides what counts.
    await git(
      repoDir,
      ['--work-tree', dir, '-c', 'core.excludesFile=/dev/null', 'add', '-A', '-f', '--', '.'],
      { env },
    );
    return (await git(repoDir, ['write-tree'], { env })).stdout.trim();
  });
}

async function treeOfRef(repoDir: string, ref: string): Promise<string> {
  // `ref:path` names a tree already; a branch or a tag peels to its commit's tree.
  const r = ref.startsWith('-')
    ? null
    : await git(repoDir, ['rev-parse', '--verify', '--quiet', ref], { allowFailure: true });
  const object = r?.exitCode === 0 ? r.stdout.trim() : null;
  const tree =
    object &&
    (await git(repoDir, ['rev-parse', '--verify', '--quiet', `${object}^{tree}`], {
      allowFailure: true,
    }));
  if (!tree || tree.exitCode !== 0) {
    throw new CorralError('USAGE', `--hidden-tests ${ref} is neither a directory nor a ref.`, {
      hint: 'Give a directory of test files, or a ref (a branch, or ref:path) of the repository.',
    });
  }
  return tree.stdout.trim();
}
