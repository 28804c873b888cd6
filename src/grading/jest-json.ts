/**
 * Reads the JSON document `jest --json` prints, which vitest's `json` reporter copies:
 * `testResults[]`, one per test file, each with `assertionResults[]` whose `status` is
 * passed, failed, pending, todo, skipped or disabled (the last four count as skipped). A
 * file that failed to run (a syntax error, a throw at load) has no assertion results and a
 * `failed` status: it is one errored entry named after the file. The document's
 * `numTotalTests`, `numPassedTests`, `numFailedTests`, `numPendingTests` + `numTodoTests`
 * and (jest only) `numRuntimeErrorTestSuites` are the runner's claim.
 */
import { z } from 'zod';
import { parseJsonObject } from './embedded-documents.js';
import { TestCaseCollector } from './test-case-collector.js';
import {
  emptyClaim,
  type ClaimedCounts,
  type ReadOptions,
  type TestReport,
  type TestStatus,
} from './test-results.js';

const count = z.number().int().nonnegative().optional();

const AssertionResult = z.object({
  title: z.string(),
  ancestorTitles: z.array(z.string()).catch([]),
  status: z.string(),
  duration: z.number().nullish().catch(null),
});

const FileResult = z.object({
  name: z.string().catch(''),
  status: z.string().catch(''),
  assertionResults: z.array(z.unknown()).catch([]),
});

const JestReport = z.object({
  testResults: z.array(z.unknown()),
  numTotalTests: count,
  numPassedTests: count,
  numFailedTests: count,
  numPendingTests: count,
  numTodoTests: count,
  numRuntimeErrorTestSuites: count,
});
type JestReport = z.infer<typeof JestReport>;

const statuses: Record<string, TestStatus> = {
  passed: 'passed',
  failed: 'failed',
  pending: 'skipped',
  todo: 'skipped',
  skipped: 'skipped',
  disabled: 'skipped',
};

/** A report of jest's (or vitest's) JSON document, or null when `text` is not one. */
export function parseJestJson(text: string, options: ReadOptions = {}): TestReport | null {
  if (!text.includes('"testResults"')) return null;
  const value = parseJsonObject(text);
  if (value === undefined) return null;
  return readJestJson(value, options);
}

export function readJestJson(value: unknown, options: ReadOptions = {}): TestReport | null {
  const parsed = JestReport.safeParse(value);
  if (!parsed.success) return null;
  const tests = new TestCaseCollector('jest-json', options);
  for (const entry of parsed.data.testResults) {
    const file = FileResult.safeParse(entry);
    if (!file.success) continue;
    let read = 0;
    for (const item of file.data.assertionResults) {
      if (tests.full) break;
      const result = AssertionResult.safeParse(item);
      const status = result.success ? statuses[result.data.status] : undefined;
      if (!result.success || !status) continue;
      read++;
      tests.add({
        name: result.data.title,
        suites: result.data.ancestorTitles,
        file: file.data.name || null,
        status,
        durationMs: result.data.duration ?? null,
      });
    }
    if (read === 0 && file.data.status === 'failed' && file.data.name) {
      tests.add({ name: file.data.name, file: file.data.name, status: 'errored' });
    }
  }
  return tests.report(claimOf(parsed.data));
}

function claimOf(report: JestReport): ClaimedCounts | null {
  if (report.numTotalTests === undefined) return null;
  const claim = emptyClaim('jest-json');
  claim.total = report.numTotalTests;
  claim.passed = report.numPassedTests ?? null;
  claim.failed = report.numFailedTests ?? null;
  const pending = report.numPendingTests;
  const todo = report.numTodoTests;
  claim.skipped = pending === undefined && todo === undefined ? null : (pending ?? 0) + (todo ?? 0);
  // jest counts the files that failed to run; vitest does not say.
  claim.errored = report.numRuntimeErrorTestSuites ?? null;
  return claim;
}
