/**
 * Test reports and grading runs built by hand for the battle unit tests: a test is an id
 * (`file > suite > name`, or pytest's `file::name`) and a status, and the rest (name, suite,
 * file, counts) is derived the way the grading readers derive it. Test-only: the build
 * leaves `*.fixture.ts` out of dist.
 */
import type { ClaimedCounts, TestReport, TestStatus } from '../../grading/index.js';
import type { GradingRun } from './grading-run.js';

export function sampleReport(
  tests: Record<string, TestStatus>,
  claimed: Partial<ClaimedCounts> | null = null,
): TestReport {
  const counts = { passed: 0, failed: 0, skipped: 0, errored: 0 };
  const cases = Object.entries(tests).map(([id, status]) => {
    counts[status] += 1;
    const parts = id.split(/ > |::/);
    const name = parts.at(-1) ?? id;
    return {
      id,
      name,
      suite: parts.length > 2 ? parts.slice(1, -1).join(' > ') : null,
      file: parts.length > 1 ? (parts[0] ?? null) : null,
      status,
      durationMs: 1,
    };
  });
  const claim: ClaimedCounts | null =
    claimed === null
      ? null
      : {
          source: 'vitest-text',
          total: null,
          passed: null,
          failed: null,
          skipped: null,
          errored: null,
          ...claimed,
        };
  return { format: 'vitest-text', tests: cases, counts, claimed: claim, truncated: false };
}

/** A run that ended by itself; its exit code follows its results unless given. */
export function sampleRun(
  tests: Record<string, TestStatus>,
  overrides: Partial<GradingRun> = {},
): GradingRun {
  const failing = Object.values(tests).some(
    (status) => status === 'failed' || status === 'errored',
  );
  return { report: sampleReport(tests), exitCode: failing ? 1 : 0, failure: null, ...overrides };
}
