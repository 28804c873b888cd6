/**
 * Grades one contestant of a battle against the base: which tests it was to fix
 * (fail-to-pass), which it was to keep passing (pass-to-pass), whether it resolved the task,
 * what looks wrong in its results, and a score with its breakdown (see score.ts).
 *
 * The sets are the user's (`--fail-to-pass`, `--pass-to-pass`, names matched as in
 * test-selection.ts) or else computed from the base: fail-to-pass is what failed or errored
 * there, pass-to-pass what passed there. On the branch a test counts only when it *passed*:
 * skipped, failed, errored or missing all count as failing. A base entry that stood for a
 * whole file or package (a runner's "suite failed to run") is absent once the branch fixes
 * it; it passes when the tests now listed beneath it (`<id> > …`, `<id>::…`) all pass. Other
 * tests new on the branch join no set, so a contestant cannot raise its fractions by adding
 * tests of its own.
 *
 * Whose fault a failed run is: a grade is `infrastructure` (to be retried, not scored) when
 * the sandbox failed on either side, or the base itself could not be graded (its setup
 * failed, it timed out, its suite counted no test). A setup that fails, a run that times out
 * or a runner that crashes before any test on the branch alone is the branch's doing (it
 * broke the build, it hangs): graded, not resolved, scored low.
 */
import type { TestCounts, TestReport, TestStatus } from '../../grading/index.js';
import { suiteRan, type GradingRun } from './grading-run.js';
import {
  findIntegrityFlags,
  integrityRules,
  type IntegrityFlag,
  type UnknownTestName,
} from './integrity-flags.js';
import { scoreGrade, type ScorePart } from './score.js';
import { selectTests } from './test-selection.js';

/** How many failing ids a grade lists; the rest are only counted. */
export const listedIdsMax = 20;

export interface FailToPass {
  /** Whether the user named the set, rather than it being computed from the base. */
  named: boolean;
  total: number;
  passed: number;
  /** Ids (or, for a name that selects nothing anywhere, the name) that did not pass, at most `listedIdsMax`. */
  failing: string[];
  /** How many more did not pass than `failing` lists. */
  unlisted: number;
}

export interface PassToPass {
  named: boolean;
  total: number;
  passed: number;
  /** Ids that no longer pass, at most `listedIdsMax`. */
  broken: string[];
  unlisted: number;
}

export interface Grade {
  resolved: boolean;
  /** The failure was not the contestant's: retry the grading, do not score it. */
  infrastructure: boolean;
  /** Why the grade is `infrastructure`; null when it is not. */
  infrastructureReason: string | null;
  /** Whether the branch's run counted any test. */
  suiteRan: boolean;
  /** The branch's counts; null when it printed nothing recognisable. */
  counts: TestCounts | null;
  failToPass: FailToPass;
  passToPass: PassToPass;
  flags: IntegrityFlag[];
  /** In [0, 1]: the sum of `weight × value` over `breakdown`. */
  score: number;
  breakdown: ScorePart[];
}

export interface GradeInput {
  base: GradingRun;
  contestant: GradingRun;
  /** Test names the user gave; absent or empty: computed from the base. */
  failToPass?: readonly string[];
  passToPass?: readonly string[];
  /** Protected test files the branch edited or deleted (restored before grading). */
  testFilesChanged: readonly string[];
  /** Files that configure how the tests run, changed by the branch (runner-changes.ts). */
  runnerFilesChanged?: readonly string[];
}

/** Why the grading is not the contestant's to answer for, or null. */
export function infrastructureReason(base: GradingRun, contestant: GradingRun): string | null {
  if (contestant.failure === 'sandbox-failed') return "The branch's grading sandbox failed.";
  switch (base.failure) {
    case 'sandbox-failed':
      return "The base's grading sandbox failed.";
    case 'setup-failed':
      return "The base's setup failed: the setup, not the branch, is at fault.";
    case 'timed-out':
      return "The base's tests timed out: raise the grading timeout.";
    case null:
      break;
  }
  if (!suiteRan(base)) return "The base's test suite counted no test: check the test command.";
  return null;
}

/**
 * What became of each test on the branch, by id; and for each id prefix ending before a
 * ` > ` or `::`, whether every test beneath it passed (the whole-file entries of the base).
 */
class Outcomes {
  readonly #status = new Map<string, TestStatus>();
  readonly #beneathPassed = new Map<string, boolean>();

  constructor(report: TestReport | null) {
    for (const test of report?.tests ?? []) {
      this.#status.set(test.id, test.status);
      for (const match of test.id.matchAll(/ > |::/g)) {
        const prefix = test.id.slice(0, match.index);
        const passed = this.#beneathPassed.get(prefix) ?? true;
        this.#beneathPassed.set(prefix, passed && test.status === 'passed');
      }
    }
  }

  passed(id: string): boolean {
    const status = this.#status.get(id);
    return status === undefined ? this.#beneathPassed.get(id) === true : status === 'passed';
  }
}

interface CheckedSet {
  total: number;
  passed: number;
  notPassing: string[];
}

function check(outcomes: Outcomes, ids: readonly string[]): CheckedSet {
  const notPassing = ids.filter((id) => !outcomes.passed(id));
  return { total: ids.length, passed: ids.length - notPassing.length, notPassing };
}

/**
 * The ids the user's names select on the base or on the branch; a name that selects nothing
 * on either stands for itself, so that the set still holds it and it counts as failing.
 */
function namedIds(
  names: readonly string[],
  base: TestReport | null,
  contestant: TestReport | null,
  unknown: UnknownTestName[],
): string[] {
  const ids = new Set<string>();
  for (const name of names) {
    const onBase = base === null ? [] : selectTests(base, name);
    const onBranch = contestant === null ? [] : selectTests(contestant, name);
    if (onBase.length === 0) unknown.push({ name, on: 'base' });
    // A branch whose suite did not run is flagged for that; its names are not unknown.
    if (onBranch.length === 0 && contestant !== null && contestant.tests.length > 0) {
      unknown.push({ name, on: 'contestant' });
    }
    for (const test of [...onBase, ...onBranch]) ids.add(test.id);
    if (onBase.length === 0 && onBranch.length === 0) ids.add(name);
  }
  return [...ids];
}

/** The first `listedIdsMax` ids, and how many are left out. */
function capped(ids: readonly string[]): [string[], number] {
  return [ids.slice(0, listedIdsMax), Math.max(0, ids.length - listedIdsMax)];
}

/**
 * @example
 * const grade = gradeContestant({ base, contestant, testFilesChanged: [] });
 * grade.resolved; // true when every test that failed on the base now passes and nothing broke
 */
export function gradeContestant(input: GradeInput): Grade {
  const { base, contestant } = input;
  const unknownNames: UnknownTestName[] = [];
  const baseTests = base.report?.tests ?? [];

  const f2pNamed = (input.failToPass?.length ?? 0) > 0;
  const f2pIds = f2pNamed
    ? namedIds(input.failToPass ?? [], base.report, contestant.report, unknownNames)
    : baseTests
        .filter((test) => test.status === 'failed' || test.status === 'errored')
        .map((test) => test.id);
  const p2pNamed = (input.passToPass?.length ?? 0) > 0;
  const inF2p = new Set(f2pIds);
  const p2pIds = p2pNamed
    ? namedIds(input.passToPass ?? [], base.report, contestant.report, unknownNames)
    : baseTests
        .filter((test) => test.status === 'passed' && !inF2p.has(test.id))
        .map((test) => test.id);

  const outcomes = new Outcomes(contestant.report);
  const f2p = check(outcomes, f2pIds);
  const p2p = check(outcomes, p2pIds);
  const flags = findIntegrityFlags({
    base,
    contestant,
    testFilesChanged: input.testFilesChanged,
    runnerFilesChanged: input.runnerFilesChanged ?? [],
    unknownNames,
  });
  // Nothing to check a change against (every test of the base skipped, none named): no
  // branch can be told from another, so none is resolved and none is scored.
  const infrastructure =
    infrastructureReason(base, contestant) ??
    (f2p.total + p2p.total === 0
      ? "No test to check the change against: the base's tests were all skipped (name some with --fail-to-pass)."
      : null);
  const resolved =
    infrastructure === null &&
    contestant.failure === null &&
    suiteRan(contestant) &&
    f2p.passed === f2p.total &&
    p2p.passed === p2p.total &&
    !flags.some((flag) => integrityRules[flag.code].disqualifies);

  const f2pCounts = { named: f2pNamed, total: f2p.total, passed: f2p.passed };
  const p2pCounts = { named: p2pNamed, total: p2p.total, passed: p2p.passed };
  const [failing, failingUnlisted] = capped(f2p.notPassing);
  const [broken, brokenUnlisted] = capped(p2p.notPassing);
  const { score, breakdown } =
    infrastructure === null
      ? scoreGrade({ resolved, failToPass: f2p, passToPass: p2p, flags })
      : {
          score: 0,
          breakdown: [{ part: 'infrastructure', weight: 0, value: 0, note: infrastructure }],
        };
  return {
    resolved,
    infrastructure: infrastructure !== null,
    infrastructureReason: infrastructure,
    suiteRan: suiteRan(contestant),
    counts: contestant.report?.counts ?? null,
    failToPass: { ...f2pCounts, failing, unlisted: failingUnlisted },
    passToPass: { ...p2pCounts, broken, unlisted: brokenUnlisted },
    flags,
    score,
    breakdown,
  };
}
