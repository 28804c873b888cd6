/**
 * Diffs of an instance's work against its recorded base. After the instance has ended the
 * branch is in the source repository and the diff is taken there (trusted config). While
 * it runs, the diff has to be taken inside the sandbox: `liveDiffCommand` builds it with a
 * throwaway index so the agent's own index is left alone.
 */
import { git } from './git.js';

export interface FileStat {
  path: string;
  added: number | null;
  deleted: number | null;
}

export function parseNumstat(text: string): FileStat[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [a, d, ...rest] = line.split('\t');
      return {
        path: rest.join('\t'),
        added: a === '-' ? null : Number(a),
        deleted: d === '-' ? null : Number(d),
      };
    });
}

export async function diffBranch(
  sourceRoot: string,
  baseTip: string,
  branch: string,
  options: { stat?: boolean; color?: boolean } = {},
): Promise<{ patch: string; files: FileStat[] }> {
  const range = [baseTip, `refs/heads/${branch}`];
  const patch = await git(sourceRoot, [
    'diff',
    options.color ? '--color=always' : '--no-color',
    ...(options.stat ? ['--stat'] : []),
    ...range,
    '--',
  ]);
  const numstat = await git(sourceRoot, ['diff', '--numstat', ...range, '--']);
  return { patch: patch.stdout, files: parseNumstat(numstat.stdout) };
}

/** A command that prints `--numstat`, a NUL, then the patch, of the live workspace vs base. */
export function liveDiffCommand(
  baseTip: string,
  options: { stat?: boolean; color?: boolean } = {},
): string[] {
  const flags = [
    options.color ? '--color=always' : '--no-color',
    ...(options.stat ? ['--stat'] : []),
  ].join(' ');
  const script = [
    'set -eu',
    'export GIT_INDEX_FILE="$(mktemp -u /tmp/corral-diff-index.XXXXXX)"',
    'g() { git -c core.hooksPath=/dev/null -c core.fsmonitor=false "$@"; }',
    'g read-tree HEAD',
    'g add -A',
    `g diff --cached --numstat "$1" --`,
    "printf '\\0'",
    `g diff --cached ${flags} "$1" --`,
    'rm -f "$GIT_INDEX_FILE"',
  ].join('\n');
  return ['sh', '-c', script, 'corral-diff', baseTip];
}
