import { describe, expect, it } from 'vitest';
import { gradeContestant, type Grade } from './grade.js';
import { sampleRun } from './grading-run.fixture.js';
import { rankContestants, type RankEntry } from './rank.js';

const graded = gradeContestant({
  base: sampleRun({ 'a > fixed': 'failed' }),
  contestant: sampleRun({ 'a > fixed': 'passed' }),
  testFilesChanged: [],
});

function grade(resolved: boolean, score: number, flags = 0): Grade {
  const flag = { code: 'tests-changed' as const, message: 'changed' };
  return { ...graded, resolved, score, flags: Array.from({ length: flags }, () => flag) };
}

function entry(name: string, overrides: Partial<RankEntry> = {}): RankEntry {
  return {
    name,
    grade: grade(true, 1),
    durationMs: 60_000,
    diffLines: 40,
    costUsd: 0.5,
    ...overrides,
  };
}

const summary = (entries: readonly RankEntry[], rule?: Parameters<typeof rankContestants>[1]) =>
  rankContestants(entries, rule).map(({ name, rank, reason }) => [rank, name, reason]);

describe('rankContestants', () => {
  it('orders by resolved, score, flags, diff, cost, time, and says why each is above the next', () => {
    const entries = [
      entry('ungraded', { grade: null }),
      entry('slow', { durationMs: 300_000 }),
      entry('partial', { grade: grade(false, 0.45) }),
      entry('fast'),
      entry('cheap', { costUsd: 0.2, durationMs: 600_000 }),
      entry('flagged', { grade: grade(true, 1, 1), diffLines: 1 }),
      entry('small', { diffLines: 10, costUsd: 3 }),
      entry('lower', { grade: grade(true, 0.9), diffLines: 1 }),
    ];
    expect(summary(entries)).toEqual([
      [1, 'small', "diff of 10 lines to cheap's 40 lines"],
      [2, 'cheap', "cost $0.20 to fast's $0.50"],
      [3, 'fast', "took 1m to slow's 5m"],
      [4, 'slow', "0 integrity flags to flagged's 1"],
      [5, 'flagged', "score 1.000 over lower's 0.900"],
      [6, 'lower', 'resolved; partial is not'],
      [7, 'partial', 'graded; ungraded was not'],
      [8, 'ungraded', 'not graded: the grading could not run'],
    ]);
  });

  it('gives ties one rank and the next entry the rank after them all', () => {
    const entries = [entry('b'), entry('a'), entry('c', { grade: grade(false, 0.5) })];
    expect(summary(entries)).toEqual([
      [1, 'a', 'tied with b on resolved, score, flags, diff, cost, time'],
      [1, 'b', 'resolved; c is not'],
      [3, 'c', 'last'],
    ]);
  });

  it('puts an infrastructure grade with the ungraded, with its reason', () => {
    const infrastructure = {
      ...grade(false, 0),
      infrastructure: true,
      infrastructureReason: 'The base timed out.',
    };
    const entries = [
      entry('retry', { grade: infrastructure }),
      entry('lost', { grade: null }),
      entry('ok'),
    ];
    expect(summary(entries)).toEqual([
      [1, 'ok', 'graded; lost was not'],
      [2, 'lost', 'not graded: the grading could not run'],
      [2, 'retry', 'not graded: The base timed out.'],
    ]);
  });

  it('follows a custom rule, unknown values after known ones', () => {
    const entries = [
      entry('resolved', { costUsd: 2 }),
      entry('unpriced', { costUsd: null }),
      entry('cheap', { grade: grade(false, 0.1), costUsd: 0.1 }),
    ];
    expect(summary(entries, ['cost'])).toEqual([
      [1, 'cheap', "cost $0.10 to resolved's $2.00"],
      [2, 'resolved', "cost $2.00 to unpriced's unknown"],
      [3, 'unpriced', 'last'],
    ]);
  });

  it("keeps the caller's own fields", () => {
    const [first] = rankContestants([{ ...entry('a'), branch: 'corral/a' }]);
    expect(first).toMatchObject({ name: 'a', branch: 'corral/a', rank: 1, reason: 'last' });
  });
});
