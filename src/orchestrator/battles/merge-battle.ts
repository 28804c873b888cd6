/**
 * `battle merge`: the winner's work (or a named contestant's) into the branch the battle
 * started from, then the other contestants' branches archived under
 * `corral/archive/<battle>/<name>` (or deleted with `prune`).
 *
 * How the work goes in depends on the base. A committed base: a fast-forward when the
 * branch has not moved, else a merge commit (in the checked-out branch; git itself refuses
 * when the user's uncommitted changes would be touched, and a conflicted merge is undone).
 * A base that was a snapshot of uncommitted changes: those changes are still uncommitted in
 * the user's tree, so the contestant's own change (base → its branch) is applied to the
 * tree, uncommitted, all or nothing. Nothing here ever leaves the repository half-merged.
 */
import { CorralError } from '../../lib/errors.js';
import { git } from '../../workspace/index.js';
import type { BattleRecord, ContestantState } from './battle-record.js';
import type { BattleResults } from './battle-results.js';

export interface MergeOutcome {
  contestant: string;
  branch: string;
  into: string;
  how: 'fast-forward' | 'merge' | 'applied-to-tree';
  commit: string;
  /** The other contestants' branches: where each went (null: deleted). */
  others: Array<{ name: string; branch: string; to: string | null }>;
}

export async function mergeBattle(
  record: BattleRecord,
  results: BattleResults,
  options: { contestant?: string; prune: boolean },
): Promise<MergeOutcome> {
  const chosen = pickContestant(record, results, options.contestant);
  const branch = chosen.run!.branch;
  const into = record.startBranch;
  if (into === null) {
    throw new CorralError('MERGE_REFUSED', `Battle ${record.id} started on a detached HEAD.`, {
      hint: `Merge by hand: git merge ${branch}`,
    });
  }
  const repo = record.repoDir;
  const tip = await revParse(repo, `refs/heads/${branch}`);
  if (tip === null) {
    throw new CorralError('BRANCH_NOT_FOUND', `Branch ${branch} of '${chosen.name}' is gone.`, {
      hint: 'It was deleted or archived; corral battle show lists what is left.',
    });
  }
  const checkedOut =
    (
      await git(repo, ['symbolic-ref', '-q', '--short', 'HEAD'], { allowFailure: true })
    ).stdout.trim() === into;
  let how: MergeOutcome['how'];
  if (record.baseDirty) {
    if (!checkedOut) throw notCheckedOut(into, 'its uncommitted changes were the base');
    await applyToTree(repo, record.base!, tip, branch);
    how = 'applied-to-tree';
  } else if (checkedOut) {
    how = await mergeCheckedOut(repo, branch, tip);
  } else {
    await fastForwardRef(repo, into, tip);
    how = 'fast-forward';
  }
  const commit = (await git(repo, ['rev-parse', 'HEAD'])).stdout.trim();
  const others = await putAwayOthers(record, chosen, options.prune);
  return { contestant: chosen.name, branch, into, how, commit, others };
}

/** The contestant to merge: the one named, else the winner (refused when there is none). */
export function pickContestant(
  record: BattleRecord,
  results: BattleResults,
  name: string | undefined,
): ContestantState {
  if (name !== undefined) {
    const named = record.contestants.find((c) => c.name === name);
    if (!named) {
      throw new CorralError('USAGE', `Battle ${record.id} has no contestant '${name}'.`, {
        hint: `Its contestants: ${record.contestants.map((c) => c.name).join(', ')}.`,
      });
    }
    if (!named.run) {
      throw new CorralError('MERGE_REFUSED', `'${name}' has not finished: nothing to merge.`, {
        hint: `corral battle resume ${record.id} finishes it.`,
      });
    }
    return named;
  }
  if (record.status !== 'graded') {
    throw new CorralError('MERGE_REFUSED', `Battle ${record.id} is not graded yet.`, {
      hint: `corral battle resume ${record.id} finishes it, or name the contestant to merge.`,
    });
  }
  const winner = results.ranked[0];
  const grade = winner ? results.grades.get(winner.name) : undefined;
  if (!winner || !grade?.resolved) {
    throw new CorralError('MERGE_REFUSED', `No contestant of ${record.id} resolved the task.`, {
      hint: 'Name one to merge it anyway: corral battle merge <battle> <contestant>',
    });
  }
  return record.contestants.find((c) => c.name === winner.name)!;
}

async function mergeCheckedOut(
  repo: string,
  branch: string,
  tip: string,
): Promise<'fast-forward' | 'merge'> {
  const head = (await git(repo, ['rev-parse', 'HEAD'])).stdout.trim();
  const ff =
    (await git(repo, ['merge-base', '--is-ancestor', head, tip], { allowFailure: true }))
      .exitCode === 0;
  const merged = await git(
    repo,
    [
      'merge',
      '--no-edit',
      ff ? '--ff-only' : '--no-ff',
      '-m',
      `Merge ${branch} (corral battle)`,
      tip,
    ],
    { allowFailure: true },
  );
  if (merged.exitCode !== 0) {
    // A conflicted merge is undone: the user's tree is as it was.
    await git(repo, ['merge', '--abort'], { allowFailure: true });
    throw new CorralError(
      'MERGE_REFUSED',
      `Merging ${branch} failed: ${firstLine(merged.stderr || merged.stdout)}`,
      {
        hint: `Commit or stash your changes and run again, or merge by hand: git merge ${branch}`,
      },
    );
  }
  return ff ? 'fast-forward' : 'merge';
}

async function fastForwardRef(repo: string, into: string, tip: string): Promise<void> {
  const old = await revParse(repo, `refs/heads/${into}`);
  if (old === null) {
    throw new CorralError('BRANCH_NOT_FOUND', `Branch ${into}, where the battle started, is gone.`);
  }
  const ff =
    (await git(repo, ['merge-base', '--is-ancestor', old, tip], { allowFailure: true }))
      .exitCode === 0;
  if (!ff)
    throw notCheckedOut(into, 'it has moved on since the battle began (a merge commit is needed)');
  await git(repo, ['update-ref', `refs/heads/${into}`, tip, old]);
}

async function applyToTree(repo: string, base: string, tip: string, branch: string): Promise<void> {
  const patch = (await git(repo, ['diff', '--binary', '--no-color', '--no-ext-diff', base, tip]))
    .stdout;
  if (!patch) return;
  const checked = await git(repo, ['apply', '--check', '-'], { input: patch, allowFailure: true });
  if (checked.exitCode !== 0) {
    throw new CorralError(
      'MERGE_REFUSED',
      `${branch} does not apply to your tree: ${firstLine(checked.stderr)}`,
      {
        hint: `Your uncommitted changes moved on since the battle began; merge by hand: git diff ${base} ${branch} | git apply --3way`,
      },
    );
  }
  await git(repo, ['apply', '-'], { input: patch });
}

async function putAwayOthers(
  record: BattleRecord,
  chosen: ContestantState,
  prune: boolean,
): Promise<MergeOutcome['others']> {
  const out: MergeOutcome['others'] = [];
  for (const c of record.contestants) {
    if (c === chosen || !c.run) continue;
    const branch = c.run.branch;
    if ((await revParse(record.repoDir, `refs/heads/${branch}`)) === null) continue;
    if (prune) {
      await git(record.repoDir, ['branch', '-D', branch]);
      out.push({ name: c.name, branch, to: null });
    } else {
      const to = `corral/archive/${record.id}/${c.name}`;
      await git(record.repoDir, ['branch', '-M', branch, to]);
      out.push({ name: c.name, branch, to });
    }
  }
  return out;
}

function notCheckedOut(branch: string, why: string): CorralError {
  return new CorralError('MERGE_REFUSED', `Cannot merge into ${branch} from here: ${why}.`, {
    hint: `Check out ${branch} (git switch ${branch}) and run again.`,
  });
}

async function revParse(repo: string, ref: string): Promise<string | null> {
  const r = await git(repo, ['rev-parse', '-q', '--verify', `${ref}^{commit}`], {
    allowFailure: true,
  });
  return r.exitCode === 0 ? r.stdout.trim() : null;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
