/**
 * What a test run's results come to once read: one `TestCase` per test the runner reported,
 * their counts, and the totals the runner claimed itself (its closing "Tests: 3 failed, 10
 * passed" line, a JUnit file's `tests=`/`failures=` attributes), kept apart so a grader can
 * check that the two agree. The code under test was written by an agent, so everything here
 * comes from hostile text: ids and names are single-line, terminal-safe strings.
 */

export type TestStatus = 'passed' | 'failed' | 'skipped' | 'errored';

/** Which reader made a report: the machine formats first, then the runners' text output. */
export type TestReportFormat =
  | 'junit-xml'
  | 'tap'
  | 'go-test-json'
  /** jest's `--json` shape, which vitest's `json` reporter writes too. */
  | 'jest-json'
  | 'ctrf-json'
  | 'node-test-spec'
  | 'vitest-text'
  | 'jest-text'
  | 'mocha-spec'
  | 'pytest-text'
  | 'go-test-text'
  | 'cargo-test-text';

export interface TestCase {
  /**
   * Stable within a report and across runs of the same suite: the file, the suites and the
   * name joined by ` > ` (pytest's node id as it is), one line, no escapes. A second test
   * with the same id gets ` [2]` appended, a third ` [3]`, in the order the runner reported.
   */
  id: string;
  name: string;
  /** The enclosing suites (describe blocks, a class, a Go package), joined by ` > `. */
  suite: string | null;
  file: string | null;
  /** A todo, an expected failure (pytest's xfail) and an ignored test count as skipped. */
  status: TestStatus;
  durationMs: number | null;
}

export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
  errored: number;
}

/**
 * Totals as the runner stated them, `null` where it stated none. Mapped to our statuses the
 * way the per-test results are (todo into skipped, pytest's errors into errored), so each
 * can be compared with `TestReport.counts`; a runner may still count differently (node's
 * spec reporter counts a test that has subtests, which the per-test results leave out).
 */
export interface ClaimedCounts {
  /** Which reader found the claim: the report's own format, or a text summary beside it. */
  source: TestReportFormat;
  total: number | null;
  passed: number | null;
  failed: number | null;
  skipped: number | null;
  errored: number | null;
}

export interface TestReport {
  format: TestReportFormat;
  tests: TestCase[];
  counts: TestCounts;
  claimed: ClaimedCounts | null;
  /** More tests than the reader keeps (`maxTests`): the rest were not read. */
  truncated: boolean;
}

export interface ReadOptions {
  /**
   * The repository's directory where the tests ran: file paths under it (absolute, or as
   * `file://` URLs) are made relative, so that ids do not depend on where a sandbox put it.
   */
  root?: string;
}

export function emptyCounts(): TestCounts {
  return { passed: 0, failed: 0, skipped: 0, errored: 0 };
}

/** A claim with nothing stated yet. */
export function emptyClaim(source: TestReportFormat): ClaimedCounts {
  return { source, total: null, passed: null, failed: null, skipped: null, errored: null };
}

/** Whether a claim states anything at all. */
export function claimsAnything(claim: ClaimedCounts): boolean {
  return [claim.total, claim.passed, claim.failed, claim.skipped, claim.errored].some(
    (n) => n !== null,
  );
}
