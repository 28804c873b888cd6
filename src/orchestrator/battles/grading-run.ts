/**
 * What the grader hands back for one sandboxed run of a repository's test command, on the
 * battle's base or on a contestant's branch: the parsed results, the exit code, and what
 * stopped the run short. Grading compares two of these; this file only says what one is and
 * whether its suite ran at all.
 */
import type { TestCounts, TestReport } from '../../grading/index.js';

export interface GradingRun {
  /** Parsed results; null when nothing recognisable was printed (the runner crashed before any test). */
  report: TestReport | null;
  /** The test command's exit code; null when it did not end by itself (killed, timed out). */
  exitCode: number | null;
  /** What stopped it short, if anything: the setup failed, the grading timed out, the sandbox died/could not start. */
  failure: 'setup-failed' | 'timed-out' | 'sandbox-failed' | null;
  /** The `--build` and `--lint` checks' exit codes; null (or absent) when not run. */
  checks?: { build: number | null; lint: number | null };
}

export function countTests(counts: TestCounts): number {
  return counts.passed + counts.failed + counts.skipped + counts.errored;
}

/** Whether the run counted any test: a report with nothing in it says as little as no report. */
export function suiteRan(run: GradingRun): boolean {
  return run.report !== null && countTests(run.report.counts) > 0;
}
