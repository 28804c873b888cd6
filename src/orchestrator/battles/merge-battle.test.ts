/**
 * battle merge on real repositories: a fast-forward of a branch not checked out, a merge
 * commit when the start branch moved on, the change applied to the tree for a battle from
 * uncommitted changes, the others archived or pruned, and each refusal leaving the
 * repository exactly as it was.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, type TestRepo } from '../../../test/helpers/git-repo.js';
import type { BattleRecord } from './battle-record.js';
import type { BattleResults } from './battle-results.js';
import { gradeContestant } from './grade.js';
import { sampleRun } from './grading-run.fixture.js';
import { mergeBattle } from './merge-battle.js';

const resolvedGrade = gradeContestant({
  base: sampleRun({ 'a > fixed': 'failed' }),
  contestant: sampleRun({ 'a > fixed': 'passed' }),
  testFilesChanged: [],
});
const unresolvedGrade = gradeContestant({
  base: sampleRun({ 'a > fixed': 'failed' }),
  contestant: sampleRun({ 'a > fixed': 'failed' }),
  testFilesChanged: [],
});

/** A repository with two contestants' branches off the base: `win` and `lose`. */
async function battleRepo(): Promise<{ repo: TestRepo; base: string }> {
  const repo = await makeRepo({ 'code.txt': 'bug\n', 'other.txt': 'other\n' });
  const base = repo.git('rev-parse', 'HEAD').trim();
  for (const [name, text] of [
    ['win', 'fixed\n'],
    ['lose', 'worse\n'],
  ] as const) {
    repo.git('checkout', '-qb', `corral/shell-${name}`, base);
    await repo.write('code.txt', text);
    repo.git('commit', '-qam', name);
  }
  repo.git('checkout', '-q', 'main');
  return { repo, base };
}

function record(repo: TestRepo, base: string, over: Partial<BattleRecord> = {}): BattleRecord {
  const contestant = (name: string) => ({
    name,
    agent: 'shell',
    model: null,
    instanceId: `shell-${name}`,
    run: {
      status: 'succeeded' as const,
      exitCode: 0,
      durationMs: 1,
      branch: `corral/shell-${name}`,
    },
    work: { files: 1, added: 1, deleted: 1 },
    spent: null,
    grading: { attempts: 1, instanceId: null, nonce: null, outcome: 'graded' as const, note: null },
  });
  return {
    schemaVersion: 1,
    id: 'battle-test1',
    createdAt: new Date().toISOString(),
    endedAt: new Date().toISOString(),
    status: 'graded',
    repoDir: repo.dir,
    startBranch: 'main',
    base,
    baseDirty: false,
    backend: 'docker',
    limits: { memoryBytes: 2 ** 30, cpus: 1, pids: 100 },
    spec: {} as BattleRecord['spec'],
    baseGrading: { attempts: 1, instanceId: null, nonce: null, outcome: 'graded', note: null },
    contestants: [contestant('win'), contestant('lose')],
    ranking: null,
    budgetReached: null,
    merged: null,
    proposed: null,
    hidden: null,
    ...over,
  };
}

function results(winnerResolved = true): BattleResults {
  return {
    base: null,
    grades: new Map([
      ['win', winnerResolved ? resolvedGrade : unresolvedGrade],
      ['lose', unresolvedGrade],
    ]),
    gradingFiles: new Map(),
    ranked: [
      { name: 'win', rank: 1, reason: '' },
      { name: 'lose', rank: 2, reason: '' },
    ],
  };
}

describe('mergeBattle', () => {
  // A merge commit needs an identity; a fresh machine's git has none.
  beforeAll(() => {
    Object.assign(process.env, {
      GIT_AUTHOR_NAME: 'test',
      GIT_AUTHOR_EMAIL: 'test@localhost',
      GIT_COMMITTER_NAME: 'test',
      GIT_COMMITTER_EMAIL: 'test@localhost',
    });
  });

  it('fast-forwards the start branch and archives the others', async () => {
    const { repo, base } = await battleRepo();
    const out = await mergeBattle(record(repo, base), results(), { prune: false });
    expect(out).toMatchObject({ contestant: 'win', how: 'fast-forward', into: 'main' });
    expect(repo.show('main', 'code.txt')).toBe('fixed\n');
    expect(repo.git('status', '--porcelain')).toBe('');
    expect(repo.branchExists('corral/shell-lose')).toBe(false);
    expect(repo.show('corral/archive/battle-test1/lose', 'code.txt')).toBe('worse\n');
    expect(repo.branchExists('corral/shell-win')).toBe(true);
  });

  it('makes a merge commit when the start branch moved on, and prunes with --prune', async () => {
    const { repo, base } = await battleRepo();
    await repo.write('other.txt', 'moved on\n');
    repo.git('commit', '-qam', 'meanwhile');
    const out = await mergeBattle(record(repo, base), results(), { prune: true });
    expect(out.how).toBe('merge');
    expect(repo.show('main', 'code.txt')).toBe('fixed\n');
    expect(repo.show('main', 'other.txt')).toBe('moved on\n');
    expect(repo.git('rev-list', '--parents', '-n1', 'main').trim().split(' ')).toHaveLength(3);
    expect(out.others).toEqual([{ name: 'lose', branch: 'corral/shell-lose', to: null }]);
    expect(repo.branchExists('corral/shell-lose')).toBe(false);
  });

  it('refuses, changing nothing, when the merge conflicts with the moved branch', async () => {
    const { repo, base } = await battleRepo();
    await repo.write('code.txt', 'a fix of my own\n');
    repo.git('commit', '-qam', 'mine');
    const head = repo.git('rev-parse', 'HEAD');
    await expect(
      mergeBattle(record(repo, base), results(), { prune: false }),
    ).rejects.toMatchObject({ code: 'MERGE_REFUSED' });
    expect(repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(repo.git('status', '--porcelain')).toBe('');
    expect(repo.branchExists('corral/shell-lose')).toBe(true);
  });

  it('applies the change to the tree for a battle from uncommitted changes, or refuses whole', async () => {
    const { repo, base } = await battleRepo();
    await repo.write('other.txt', 'uncommitted\n');
    const head = repo.git('rev-parse', 'HEAD');
    const out = await mergeBattle(record(repo, base, { baseDirty: true }), results(), {
      prune: false,
    });
    expect(out.how).toBe('applied-to-tree');
    expect(repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(repo.git('status', '--porcelain')).toBe(' M code.txt\n M other.txt\n');
    expect(repo.git('diff', '--', 'code.txt')).toContain('+fixed');

    const again = await battleRepo();
    await again.repo.write('code.txt', 'my own edit\n');
    await expect(
      mergeBattle(record(again.repo, again.base, { baseDirty: true }), results(), { prune: false }),
    ).rejects.toMatchObject({ code: 'MERGE_REFUSED' });
    expect(again.repo.git('diff', '--', 'code.txt')).toContain('+my own edit');
  });

  it('refuses a winner that did not resolve the task unless it is named', async () => {
    const { repo, base } = await battleRepo();
    await expect(
      mergeBattle(record(repo, base), results(false), { prune: false }),
    ).rejects.toMatchObject({ code: 'MERGE_REFUSED' });
    expect(repo.show('main', 'code.txt')).toBe('bug\n');
    const out = await mergeBattle(record(repo, base), results(false), {
      contestant: 'lose',
      prune: false,
    });
    expect(out.contestant).toBe('lose');
    expect(repo.show('main', 'code.txt')).toBe('worse\n');
  });
});
