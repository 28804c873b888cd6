/**
 * The commit a grading sandbox starts from, made host-side before it starts: the graded tip
 * with the protected test files it changed restored from the base (edited ones reset,
 * deleted ones back, new ones kept) and the hidden tests (hidden-tests.ts) laid over them;
 * its parent is the tip. Nothing of the contestant's runs before its tests do but the setup
 * (its sandbox's setup phase), and the list of changed tests is the host's, not read from
 * a sandbox. All of it is plumbing on objects (no diff driver, no textconv, a temporary
 * index, write-tree, commit-tree): no checkout, no hook, no filter runs.
 */
import { corralIdentity, git, withTempIndex } from '../../workspace/index.js';
import type { HiddenTests } from './hidden-tests.js';

/** Where tests live in the common layouts (git pathspecs), when the battle names none. */
export const defaultTestPathspecs: readonly string[] = [
  ':(glob)**/test/**',
  ':(glob)**/tests/**',
  ':(glob)**/__tests__/**',
  ':(glob)**/spec/**',
  ':(glob)**/*.test.*',
  ':(glob)**/*.spec.*',
  ':(glob)**/*_test.go',
  ':(glob)**/test_*.py',
  ':(glob)**/*_test.py',
];

/** The protected test files (`tests`, pathspecs) that `tip` edited, deleted or retyped against `base`. */
export async function findTestChanges(
  repoDir: string,
  base: string,
  tip: string,
  tests: readonly string[],
): Promise<string[]> {
  if (tests.length === 0) return [];
  const diff = await git(repoDir, [
    'diff',
    '--no-ext-diff',
    '--no-textconv',
    '--no-renames',
    '--diff-filter=MDT',
    '--name-only',
    '-z',
    base,
    tip,
    '--',
    ...tests,
  ]);
  return diff.stdout.split('\0').filter(Boolean);
}

/**
 * `tip` as it is graded: its changed protected tests back as the base has them, the hidden
 * tests over them. `tip` itself when there is nothing to change.
 *
 * @example
 * const from = await makeGradingCommit(repo, { base, tip: 'corral/claude-k3x9q', tests, hidden: null });
 */
export async function makeGradingCommit(
  repoDir: string,
  input: { base: string; tip: string; tests: readonly string[]; hidden: HiddenTests | null },
): Promise<string> {
  const changed = await findTestChanges(repoDir, input.base, input.tip, input.tests);
  if (changed.length === 0 && !input.hidden) return input.tip;
  return withTempIndex(async (env) => {
    await git(repoDir, ['read-tree', `${input.tip}^{tree}`], { env });
    const restored = new Set(changed);
    const fromBase = (await treeEntries(repoDir, input.base)).filter((e) => restored.has(e.path));
    const hidden = input.hidden ? await treeEntries(repoDir, input.hidden.commit) : [];
    // The base's versions first, then the hidden files over them (a hidden file wins).
    for (const entries of [fromBase, hidden]) {
      if (entries.length === 0) continue;
      await git(repoDir, ['update-index', '--replace', '-z', '--index-info'], {
        env,
        input: entries.map((e) => `${e.mode} ${e.object}\t${e.path}\0`).join(''),
      });
    }
    const tree = (await git(repoDir, ['write-tree'], { env })).stdout.trim();
    const commit = await git(
      repoDir,
      ['commit-tree', tree, '-p', input.tip, '-m', 'corral: the tip as graded'],
      { env: { ...env, ...corralIdentity } },
    );
    return commit.stdout.trim();
  });
}

interface TreeEntry {
  mode: string;
  object: string;
  path: string;
}

/** Every file of `commit`'s tree: `<mode> <type> <object>\t<path>` entries. */
async function treeEntries(repoDir: string, commit: string): Promise<TreeEntry[]> {
  const listed = await git(repoDir, ['ls-tree', '-r', '-z', commit]);
  return listed.stdout
    .split('\0')
    .filter(Boolean)
    .map((entry) => {
      const tab = entry.indexOf('\t');
      const [mode, , object] = entry.slice(0, tab).split(' ') as [string, string, string];
      return { mode, object, path: entry.slice(tab + 1) };
    });
}
