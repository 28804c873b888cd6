import { describe, expect, it } from 'vitest';
import type { TestStatus } from '../../grading/index.js';
import { gradeContestant, type Grade } from './grade.js';
import { sampleReport, sampleRun } from './grading-run.fixture.js';

const dates = 'test/report.test.ts > report > formats dates';
const numbers = 'test/report.test.ts > report > formats numbers';
const adds = 'test/math.test.ts > math > adds';
const later = 'test/math.test.ts > math > later';

const baseTests: Record<string, TestStatus> = {
  [dates]: 'failed',
  [numbers]: 'passed',
  [adds]: 'passed',
  [later]: 'skipped',
};
const base = sampleRun(baseTests);
const fixed: Record<string, TestStatus> = { ...baseTests, [dates]: 'passed' };

const sumOf = (grade: Grade): number =>
  grade.breakdown.reduce((sum, part) => sum + part.weight * part.value, 0);
const codes = (grade: Grade): string[] => grade.flags.map((flag) => flag.code);

describe('gradeContestant', () => {
  it('resolves a real fix with a full score', () => {
    const grade = gradeContestant({ base, contestant: sampleRun(fixed), testFilesChanged: [] });
    expect(grade).toMatchObject({
      resolved: true,
      infrastructure: false,
      suiteRan: true,
      counts: { passed: 3, failed: 0, skipped: 1, errored: 0 },
      failToPass: { named: false, total: 1, passed: 1, failing: [], unlisted: 0 },
      passToPass: { named: false, total: 2, passed: 2, broken: [], unlisted: 0 },
      flags: [],
      score: 1,
    });
    expect(grade.breakdown.map((part) => [part.part, part.weight, part.value])).toEqual([
      ['resolved', 0.5, 1],
      ['fail-to-pass', 0.3, 1],
      ['pass-to-pass', 0.2, 1],
    ]);
  });

  it('resolves nobody when the base has nothing to check against (every test skipped)', () => {
    const skipped = sampleRun({ [dates]: 'skipped', [numbers]: 'skipped' });
    const grade = gradeContestant({
      base: skipped,
      contestant: sampleRun({ [dates]: 'passed', [numbers]: 'passed' }),
      testFilesChanged: [],
    });
    expect(grade).toMatchObject({ resolved: false, infrastructure: true, score: 0 });
    expect(grade.infrastructureReason).toMatch(/the base's tests were all skipped/);
    // Named tests are something to check: the same base then grades the fix.
    const named = gradeContestant({
      base: skipped,
      contestant: sampleRun({ [dates]: 'passed', [numbers]: 'passed' }),
      testFilesChanged: [],
      failToPass: [dates],
    });
    expect(named).toMatchObject({ resolved: true, infrastructure: false });
  });

  it('flags deleted and edited tests, and does not resolve when a pass-to-pass test is missing', () => {
    const contestant = sampleRun({ [dates]: 'passed', [numbers]: 'passed' });
    const grade = gradeContestant({ base, contestant, testFilesChanged: ['test/report.test.ts'] });
    expect(grade.resolved).toBe(false);
    expect(codes(grade)).toEqual(['tests-changed', 'fewer-tests']);
    expect(grade.flags[1]?.message).toBe("The branch's run counted 2 tests, the base's 4.");
    expect(grade.passToPass).toMatchObject({ total: 2, passed: 1, broken: [adds] });
    // 0.3 for the fix, 0.2 × ½ for what still passes, less 0.1 and 0.05.
    expect(grade.score).toBeCloseTo(0.25, 10);
    expect(sumOf(grade)).toBeCloseTo(grade.score, 10);
  });

  it('holds a build the branch broke against the branch, not the infrastructure', () => {
    const contestant = { report: null, exitCode: 1, failure: 'setup-failed' as const };
    const grade = gradeContestant({ base, contestant, testFilesChanged: [] });
    expect(grade).toMatchObject({
      resolved: false,
      infrastructure: false,
      suiteRan: false,
      counts: null,
      failToPass: { total: 1, passed: 0, failing: [dates] },
      passToPass: { total: 2, passed: 0, broken: [numbers, adds] },
      score: 0,
    });
    expect(grade.flags).toEqual([
      { code: 'no-tests', message: "The branch's test suite did not run: its setup failed." },
    ]);
  });

  it('holds a run that times out on the branch alone against the branch', () => {
    const contestant = sampleRun(fixed, { exitCode: null, failure: 'timed-out' });
    const grade = gradeContestant({ base, contestant, testFilesChanged: [] });
    expect(grade.infrastructure).toBe(false);
    expect(grade.resolved).toBe(false);
    expect(grade.score).toBeCloseTo(0.5, 10);
  });

  it('does not believe passes the exit code denies', () => {
    const contestant = sampleRun(fixed, { exitCode: 1 });
    const grade = gradeContestant({ base, contestant, testFilesChanged: [] });
    expect(grade.resolved).toBe(false);
    expect(grade.flags).toEqual([
      {
        code: 'exit-code-denies-results',
        message:
          "The test command exited 1, yet its results list no failed test (3 passed): the output may not be the runner's.",
      },
    ]);
    expect(grade.score).toBe(0);
  });

  it('trusts the results when the base too exits non-zero with nothing failed', () => {
    const passing = { [numbers]: 'passed', [adds]: 'passed' } as const;
    const thresholdMissed = sampleRun(passing, { exitCode: 1 });
    const grade = gradeContestant({
      base: thresholdMissed,
      contestant: thresholdMissed,
      testFilesChanged: [],
    });
    expect(grade.flags).toEqual([]);
    expect(grade.resolved).toBe(true);
  });

  it("flags totals that disagree with the tests listed, unless the base's disagreed too", () => {
    const claiming = sampleReport(fixed, { total: 40, passed: 40 });
    const contestant = { report: claiming, exitCode: 0, failure: null };
    const grade = gradeContestant({ base, contestant, testFilesChanged: [] });
    expect(codes(grade)).toEqual(['claims-disagree']);
    expect(grade.flags[0]?.message).toContain(
      'claimed 40 total, listed 4; claimed 40 passed, listed 3',
    );
    expect(grade.resolved).toBe(false);
    // 0.5 for the fractions, less 0.5: clamped parts still add up to the score.
    expect(grade.score).toBe(0);
    expect(sumOf(grade)).toBeCloseTo(0, 10);

    const baseClaiming = { ...base, report: sampleReport(baseTests, { total: 5 }) };
    const sameWay = { report: sampleReport(fixed, { total: 5 }), exitCode: 0, failure: null };
    const counted = gradeContestant({
      base: baseClaiming,
      contestant: sameWay,
      testFilesChanged: [],
    });
    expect(counted.flags).toEqual([]);
    expect(counted.resolved).toBe(true);
  });

  it('clamps a score the penalties take below zero, with a part that says so', () => {
    const claiming = sampleReport(fixed, { passed: 40 });
    const contestant = { report: claiming, exitCode: 1, failure: null };
    const grade = gradeContestant({ base, contestant, testFilesChanged: [] });
    expect(codes(grade)).toEqual(['exit-code-denies-results', 'claims-disagree']);
    expect(grade.score).toBe(0);
    expect(grade.breakdown.at(-1)).toMatchObject({ part: 'clamp', value: 1 });
    expect(grade.breakdown.at(-1)?.weight).toBeCloseTo(0.5, 10);
  });

  it('calls a base that crashed before any test infrastructure, and does not score it', () => {
    const crashed = { report: null, exitCode: 1, failure: null };
    const grade = gradeContestant({
      base: crashed,
      contestant: sampleRun(fixed),
      testFilesChanged: [],
    });
    expect(grade).toMatchObject({
      infrastructure: true,
      infrastructureReason: "The base's test suite counted no test: check the test command.",
      resolved: false,
      score: 0,
    });
  });

  it.each([
    ['the base', { ...base, failure: 'setup-failed' as const }, sampleRun(fixed)],
    ['the base', { ...base, exitCode: null, failure: 'timed-out' as const }, sampleRun(fixed)],
    ['the branch', base, { report: null, exitCode: null, failure: 'sandbox-failed' as const }],
  ])('calls a sandbox or setup that failed on %s infrastructure', (_side, baseRun, contestant) => {
    const grade = gradeContestant({ base: baseRun, contestant, testFilesChanged: [] });
    expect(grade.infrastructure).toBe(true);
    expect(grade.infrastructureReason).not.toBeNull();
  });

  it('counts a skipped fail-to-pass test as failing', () => {
    const contestant = sampleRun({ ...baseTests, [dates]: 'skipped' });
    const grade = gradeContestant({ base, contestant, testFilesChanged: [] });
    expect(grade.failToPass).toMatchObject({ total: 1, passed: 0, failing: [dates] });
    expect(grade.resolved).toBe(false);
    expect(grade.score).toBeCloseTo(0.2, 10);
  });

  it('takes named tests in any separator, and keeps a name that selects nothing as failing', () => {
    const grade = gradeContestant({
      base,
      contestant: sampleRun(fixed),
      failToPass: ['report › formats dates', 'report › fromats numbers'],
      passToPass: ['math::adds'],
      testFilesChanged: [],
    });
    expect(grade.failToPass).toEqual({
      named: true,
      total: 2,
      passed: 1,
      failing: ['report › fromats numbers'],
      unlisted: 0,
    });
    expect(grade.passToPass).toMatchObject({ named: true, total: 1, passed: 1 });
    expect(grade.flags).toEqual([
      {
        code: 'unknown-test-names',
        message:
          'No test is selected by "report › fromats numbers" on the base; by "report › fromats numbers" on the branch\'s run. Check the names given with --fail-to-pass and --pass-to-pass.',
      },
    ]);
    expect(grade.resolved).toBe(false);
  });

  it('passes a whole-file failure on the base when every test beneath it now passes', () => {
    const crashedFile = sampleRun({ 'test/new.test.ts': 'errored', [adds]: 'passed' });
    const works = 'test/new.test.ts > new > works';
    const also = 'test/new.test.ts > new > also';
    const good = gradeContestant({
      base: crashedFile,
      contestant: sampleRun({ [works]: 'passed', [also]: 'passed', [adds]: 'passed' }),
      testFilesChanged: [],
    });
    expect(good.failToPass).toMatchObject({ total: 1, passed: 1 });
    expect(good.resolved).toBe(true);
    const half = gradeContestant({
      base: crashedFile,
      contestant: sampleRun({ [works]: 'passed', [also]: 'failed', [adds]: 'passed' }),
      testFilesChanged: [],
    });
    expect(half.failToPass).toMatchObject({ total: 1, passed: 0, failing: ['test/new.test.ts'] });
  });

  it('does not count tests the branch added to either set', () => {
    const contestant = sampleRun({ ...fixed, 'test/mine.test.ts > mine': 'passed' });
    const grade = gradeContestant({ base, contestant, testFilesChanged: [] });
    expect(grade.failToPass.total).toBe(1);
    expect(grade.passToPass.total).toBe(2);
  });

  it('moves the fail-to-pass weight to pass-to-pass when the base already passes', () => {
    const passing = sampleRun({ [numbers]: 'passed', [adds]: 'passed' });
    const grade = gradeContestant({ base: passing, contestant: passing, testFilesChanged: [] });
    expect(grade.resolved).toBe(true);
    expect(grade.score).toBe(1);
    expect(grade.breakdown[1]).toMatchObject({ part: 'fail-to-pass', weight: 0 });
    expect(grade.breakdown[1]?.note).toContain('no test failed on the base');
    expect(grade.breakdown[2]).toMatchObject({ part: 'pass-to-pass', weight: 0.5 });
  });

  it('lists at most 20 failing ids and counts the rest', () => {
    const many = Object.fromEntries(
      Array.from({ length: 25 }, (_, i) => [`test/many.test.ts > case ${i}`, 'failed' as const]),
    );
    const grade = gradeContestant({
      base: sampleRun(many),
      contestant: sampleRun(many),
      testFilesChanged: [],
    });
    expect(grade.failToPass.failing).toHaveLength(20);
    expect(grade.failToPass.failing[19]).toBe('test/many.test.ts > case 19');
    expect(grade.failToPass.unlisted).toBe(5);
  });

  it('is plain JSON', () => {
    const grade = gradeContestant({ base, contestant: sampleRun(fixed), testFilesChanged: ['x'] });
    expect(JSON.parse(JSON.stringify(grade))).toEqual(grade);
  });

  it('rules out a branch whose --build fails where the base built, and docks a failing --lint', () => {
    const checked = (build: number, lint: number) => ({ build, lint });
    const baseChecked = sampleRun(baseTests, { checks: checked(0, 0) });
    const broken = gradeContestant({
      base: baseChecked,
      contestant: sampleRun(fixed, { checks: checked(2, 0) }),
      testFilesChanged: [],
    });
    expect(broken.resolved).toBe(false);
    expect(codes(broken)).toEqual(['build-failed']);
    const untidy = gradeContestant({
      base: baseChecked,
      contestant: sampleRun(fixed, { checks: checked(0, 1) }),
      testFilesChanged: [],
    });
    expect(untidy.resolved).toBe(true);
    expect(codes(untidy)).toEqual(['lint-failed']);
    expect(untidy.score).toBeCloseTo(0.95);
    // A check the base fails as well says nothing about the branch.
    const both = gradeContestant({
      base: sampleRun(baseTests, { checks: checked(1, 1) }),
      contestant: sampleRun(fixed, { checks: checked(1, 1) }),
      testFilesChanged: [],
    });
    expect(codes(both)).toEqual([]);
  });

  it('does not take results as a fix when the branch changed how the tests run', () => {
    const grade = gradeContestant({
      base,
      contestant: sampleRun(fixed),
      testFilesChanged: [],
      runnerFilesChanged: ['package.json (scripts)'],
    });
    expect(grade.resolved).toBe(false);
    expect(codes(grade)).toEqual(['runner-changed']);
    expect(grade.flags[0]!.message).toContain('package.json (scripts)');
  });
});
