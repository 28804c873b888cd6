/**
 * Signs that a contestant's test results should not be taken at face value. The code under
 * test is the contestant's, so its run may print what it likes: fake "✓" lines, a closing
 * summary that does not match the tests listed, fewer tests than the base had. Each sign is
 * a flag with a message; `integrityRules` says what each costs in the score and whether it
 * rules out `resolved`. A flag that only informs (the user's typo, restored test files) does
 * not disqualify.
 */
import type { TestReport } from '../../grading/index.js';
import { countTests, suiteRan, type GradingRun } from './grading-run.js';

export type IntegrityFlagCode =
  /** The command exited non-zero, yet the results list no failed or errored test (unlike the base's). */
  | 'exit-code-denies-results'
  /** The runner's own totals disagree with the tests listed, where the base's agreed. */
  | 'claims-disagree'
  /** The branch edited or deleted protected test files (the grader restored them). */
  | 'tests-changed'
  /** The branch's run counted fewer tests than the base's. */
  | 'fewer-tests'
  /** The branch's test suite did not run. */
  | 'no-tests'
  /** A test name the user gave selects nothing on the base or on the branch. */
  | 'unknown-test-names'
  /** The branch changed how the tests run (a runner's configuration, package.json's scripts). */
  | 'runner-changed'
  /** The `--build` check failed on the branch, where it passed on the base. */
  | 'build-failed'
  /** The `--lint` check failed on the branch, where it passed on the base. */
  | 'lint-failed';

export interface IntegrityFlag {
  code: IntegrityFlagCode;
  message: string;
}

export interface IntegrityRule {
  /** Subtracted from the score once per flag of this code. */
  penalty: number;
  /** Whether the flag rules out `resolved`. */
  disqualifies: boolean;
}

export const integrityRules: Record<IntegrityFlagCode, IntegrityRule> = {
  // Results the exit code or the runner's own totals contradict are not believed at all.
  'exit-code-denies-results': { penalty: 0.5, disqualifies: true },
  'claims-disagree': { penalty: 0.5, disqualifies: true },
  // The tests ran restored, so the results stand; editing them is still held against it.
  'tests-changed': { penalty: 0.1, disqualifies: false },
  // The missing tests already count as broken pass-to-pass tests; this only marks it.
  'fewer-tests': { penalty: 0.05, disqualifies: false },
  // Nothing ran, so nothing passed: the fractions already score it zero.
  'no-tests': { penalty: 0, disqualifies: true },
  // The user's name, not the contestant's doing; a named test that is missing already fails.
  'unknown-test-names': { penalty: 0, disqualifies: false },
  // Results of a test command the branch rewrote are its own word: not believed.
  'runner-changed': { penalty: 0.3, disqualifies: true },
  // A branch that does not build is not a fix, whatever its tests say.
  'build-failed': { penalty: 0.3, disqualifies: true },
  // Style is worth a little, not the task.
  'lint-failed': { penalty: 0.05, disqualifies: false },
};

/** Where a user-given name selected nothing. */
export interface UnknownTestName {
  name: string;
  on: 'base' | 'contestant';
}

export interface IntegrityInput {
  base: GradingRun;
  contestant: GradingRun;
  testFilesChanged: readonly string[];
  /** Files that configure how the tests run, changed by the branch (runner-changes.ts). */
  runnerFilesChanged?: readonly string[];
  unknownNames: readonly UnknownTestName[];
}

const listedFilesMax = 5;

/** How a report's claimed totals differ from its tests (`claimed 40 passed, listed 3`), or null. */
export function claimDisagreement(report: TestReport): string | null {
  const claim = report.claimed;
  if (claim === null) return null;
  const listed = { ...report.counts, total: countTests(report.counts) };
  const differences: string[] = [];
  for (const key of ['total', 'passed', 'failed', 'skipped', 'errored'] as const) {
    const claimed = claim[key];
    if (claimed !== null && claimed !== listed[key]) {
      differences.push(`claimed ${claimed} ${key}, listed ${listed[key]}`);
    }
  }
  return differences.length > 0 ? differences.join('; ') : null;
}

/** The command exited non-zero, yet the results list nothing failed or errored. */
function exitDeniesResults(run: GradingRun): boolean {
  if (run.report === null || run.exitCode === null || run.exitCode === 0) return false;
  return run.report.counts.failed + run.report.counts.errored === 0;
}

function quoted(names: readonly UnknownTestName[], on: UnknownTestName['on']): string {
  return names
    .filter((unknown) => unknown.on === on)
    .map((unknown) => JSON.stringify(unknown.name))
    .join(', ');
}

function notRunReason(run: GradingRun): string {
  switch (run.failure) {
    case 'setup-failed':
      return 'its setup failed';
    case 'timed-out':
      return 'it timed out';
    case 'sandbox-failed':
      return 'its sandbox failed';
    case null:
      return run.report === null ? 'nothing recognisable was printed' : 'it counted no test';
  }
}

export function findIntegrityFlags(input: IntegrityInput): IntegrityFlag[] {
  const { base, contestant } = input;
  const flags: IntegrityFlag[] = [];
  const report = contestant.report;
  if (!suiteRan(contestant)) {
    flags.push({
      code: 'no-tests',
      message: `The branch's test suite did not run: ${notRunReason(contestant)}.`,
    });
  }
  // A test command that exits non-zero on the base with nothing failed (a coverage threshold,
  // a linter run after the tests) says nothing through its exit code; only on the branch alone
  // does it deny the results.
  if (report !== null && exitDeniesResults(contestant) && !exitDeniesResults(base)) {
    flags.push({
      code: 'exit-code-denies-results',
      message: `The test command exited ${contestant.exitCode}, yet its results list no failed test (${report.counts.passed} passed): the output may not be the runner's.`,
    });
  }
  const disagreement = report === null ? null : claimDisagreement(report);
  // A runner that counts its own way (node's spec reporter counts parent tests) disagrees on
  // the base as well; only a disagreement the base did not have is the branch's doing.
  if (disagreement !== null && (base.report === null || claimDisagreement(base.report) === null)) {
    flags.push({
      code: 'claims-disagree',
      message: `The runner's totals disagree with the tests it listed (${disagreement}), unlike on the base.`,
    });
  }
  if (input.testFilesChanged.length > 0) {
    const files = input.testFilesChanged;
    const shown = files.slice(0, listedFilesMax).join(', ');
    const more = files.length > listedFilesMax ? ` and ${files.length - listedFilesMax} more` : '';
    flags.push({
      code: 'tests-changed',
      message: `The branch changed ${files.length} protected test file${files.length === 1 ? '' : 's'} (${shown}${more}); they were restored before grading.`,
    });
  }
  if (report !== null && base.report !== null) {
    const before = countTests(base.report.counts);
    const after = countTests(report.counts);
    if (after < before) {
      flags.push({
        code: 'fewer-tests',
        message: `The branch's run counted ${after} tests, the base's ${before}.`,
      });
    }
  }
  const runner = input.runnerFilesChanged ?? [];
  if (runner.length > 0) {
    flags.push({
      code: 'runner-changed',
      message: `The branch changed how the tests run (${runner.slice(0, listedFilesMax).join(', ')}): its results are not taken as a fix.`,
    });
  }
  for (const check of ['build', 'lint'] as const) {
    const exit = contestant.checks?.[check] ?? null;
    const before = base.checks?.[check] ?? null;
    // A check the base fails too says nothing about the branch.
    if (exit !== null && exit !== 0 && before === 0) {
      flags.push({
        code: `${check}-failed`,
        message: `The --${check} command exited ${exit} on the branch; it passed on the base.`,
      });
    }
  }
  if (input.unknownNames.length > 0) {
    const parts = [
      ['the base', quoted(input.unknownNames, 'base')],
      ["the branch's run", quoted(input.unknownNames, 'contestant')],
    ]
      .filter(([, names]) => names !== '')
      .map(([where, names]) => `${names} on ${where}`);
    flags.push({
      code: 'unknown-test-names',
      message: `No test is selected by ${parts.join('; by ')}. Check the names given with --fail-to-pass and --pass-to-pass.`,
    });
  }
  return flags;
}
