/**
 * Reads a CTRF report (Common Test Report Format, https://ctrf.io): `results.tests[]`,
 * each with a `name` and a `status` of passed, failed, skipped, pending (skipped here) or
 * other (errored: the tool could not say it passed or failed), and optionally `suite` (a
 * list of suite names since spec 1.0; a single string before) and `filePath`.
 * `results.summary` is the runner's claim.
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

const count = z.number().int().nonnegative();

const CtrfTest = z.object({
  name: z.string(),
  status: z.string(),
  duration: z.number().nullish().catch(null),
  suite: z
    .union([z.array(z.string()), z.string().transform((s) => [s])])
    .optional()
    .catch(undefined),
  filePath: z.string().optional().catch(undefined),
});

const CtrfSummary = z.object({
  tests: count,
  passed: count,
  failed: count,
  skipped: count,
  pending: count.optional(),
  other: count.optional(),
});
type CtrfSummary = z.infer<typeof CtrfSummary>;

const CtrfReport = z.object({
  results: z.object({
    tool: z.object({ name: z.string() }).optional(),
    summary: z.unknown().optional(),
    tests: z.array(z.unknown()),
  }),
});

const statuses: Record<string, TestStatus> = {
  passed: 'passed',
  failed: 'failed',
  skipped: 'skipped',
  pending: 'skipped',
  other: 'errored',
};

/** A report of a CTRF document, or null when `text` is not one. */
export function parseCtrfJson(text: string, options: ReadOptions = {}): TestReport | null {
  if (!text.includes('"results"')) return null;
  const value = parseJsonObject(text);
  if (value === undefined) return null;
  const parsed = CtrfReport.safeParse(value);
  if (!parsed.success) return null;
  const tests = new TestCaseCollector('ctrf-json', options);
  for (const item of parsed.data.results.tests) {
    if (tests.full) break;
    const test = CtrfTest.safeParse(item);
    const status = test.success ? statuses[test.data.status] : undefined;
    if (!test.success || !status) continue;
    tests.add({
      name: test.data.name,
      suites: test.data.suite ?? [],
      file: test.data.filePath ?? null,
      status,
      durationMs: test.data.duration ?? null,
    });
  }
  const summary = CtrfSummary.safeParse(parsed.data.results.summary);
  return tests.report(summary.success ? claimOf(summary.data) : null);
}

function claimOf(summary: CtrfSummary): ClaimedCounts {
  const claim = emptyClaim('ctrf-json');
  claim.total = summary.tests;
  claim.passed = summary.passed;
  claim.failed = summary.failed;
  claim.skipped = summary.skipped + (summary.pending ?? 0);
  claim.errored = summary.other ?? null;
  return claim;
}
