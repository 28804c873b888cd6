/**
 * Reads pytest's terminal output. Two places name tests: with `-v`, the run itself
 * (`tests/test_x.py::test_a PASSED  [ 12%]`, read only between the `test session starts`
 * banner and the next `====` section, since failure details and captured output come after
 * it); with `-rA` (or `-ra`, or the failures-only default), the `short test summary info`
 * section (`PASSED tests/test_x.py::test_a`, `FAILED … - message`). When both are there
 * the verbose lines, which name every test, are used. XFAIL counts as skipped, XPASS as
 * passed, ERROR as errored (a test that passed and then errored in teardown is errored).
 * The summary's `SKIPPED [2] tests/test_x.py:10: reason` lines carry no test id: each
 * stands for as many skipped tests, named after the location. The closing `=== 1 failed,
 * 4 passed, 1 skipped in 0.12s ===` line is the claim.
 */
import { TestCaseCollector } from './test-case-collector.js';
import { countOf, countsIn, type TextReading } from './text-reading.js';
import { emptyClaim, type ReadOptions, type TestStatus } from './test-results.js';

const statuses: Record<string, TestStatus> = {
  PASSED: 'passed',
  FAILED: 'failed',
  SKIPPED: 'skipped',
  ERROR: 'errored',
  XFAIL: 'skipped',
  XPASS: 'passed',
};
/** The worse of two results for the same test (pytest reports a teardown error apart). */
const rank: Record<TestStatus, number> = { passed: 0, skipped: 1, failed: 2, errored: 3 };

const sessionStart = /^=+ test session starts =+$/;
const section = /^=+ .* =+$/;
const shortSummary = /^=+ short test summary info =+$/;
const verboseLine =
  /^(?:\[gw\d+\] (?:\[ *\d+%\] )?(PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS) (\S+::\S.*?)|(\S+::\S.*?) (PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS)(?: \(.*\))?(?: +\[ *\d+%\])?)$/;
/** A node id, or a bare file for an error while collecting it. */
const summaryEntry = /^(PASSED|FAILED|ERROR|XFAIL|XPASS) (\S+::\S.*?|\S+)(?: - .*)?$/;
const skippedEntry = /^SKIPPED \[(\d+)\] (\S+?:\d+): (.*)$/;
const closing = /^=*\s*((?:\d+ [a-z]+(?:, )?)+|no tests ran) in [\d.]+s(?: \([^)]*\))?\s*=*$/;

interface Entry {
  nodeId: string;
  status: TestStatus;
}

export function readPytestText(
  lines: readonly string[],
  options: ReadOptions = {},
): TextReading | null {
  const verbose: Entry[] = [];
  const summary: Entry[] = [];
  const skippedAt: { location: string; count: number }[] = [];
  let inSession = false;
  let inSummary = false;
  let sawBanner = false;
  let closingLine = -1;
  let claimed: Map<string, number> | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (sessionStart.test(line)) {
      inSession = true;
      inSummary = false;
      sawBanner = true;
      continue;
    }
    const end = closing.exec(line);
    if (end) {
      const counts = countsIn(end[1]!);
      claimed ??= new Map();
      for (const [word, n] of counts) claimed.set(word, (claimed.get(word) ?? 0) + n);
      closingLine = i;
      inSession = inSummary = false;
      continue;
    }
    if (shortSummary.test(line)) {
      inSession = false;
      inSummary = true;
      continue;
    }
    if (section.test(line)) {
      inSession = inSummary = false;
      continue;
    }
    if (inSession) {
      const match = verboseLine.exec(line);
      if (match) {
        const word = match[1] ?? match[4]!;
        verbose.push({ nodeId: match[2] ?? match[3]!, status: statuses[word]! });
      }
    } else if (inSummary) {
      const entry = summaryEntry.exec(line);
      if (entry) summary.push({ nodeId: entry[2]!, status: statuses[entry[1]!]! });
      const skipped = skippedEntry.exec(line);
      if (skipped) skippedAt.push({ location: skipped[2]!, count: Number(skipped[1]) });
    }
  }
  if (!sawBanner && closingLine === -1) return null;
  const tests = new TestCaseCollector('pytest-text', options);
  const entries = verbose.length > 0 ? verbose : summary;
  for (const { nodeId, status } of worstPerTest(entries)) {
    if (!tests.add(testOf(nodeId, status))) break;
  }
  if (verbose.length === 0) {
    for (const { location, count } of skippedAt) {
      for (let n = 0; n < Math.min(count, 100_000) && !tests.full; n++) {
        tests.add({
          name: location,
          id: location,
          file: location.replace(/:\d+$/, ''),
          status: 'skipped',
        });
      }
    }
  }
  const claim = emptyClaim('pytest-text');
  if (claimed) {
    claim.passed = countOf(claimed, 'passed', 'xpassed') ?? 0;
    claim.failed = countOf(claimed, 'failed') ?? 0;
    claim.skipped = countOf(claimed, 'skipped', 'xfailed') ?? 0;
    claim.errored = countOf(claimed, 'error', 'errors') ?? 0;
    claim.total = claim.passed + claim.failed + claim.skipped + claim.errored;
  }
  return { report: tests.report(claimed ? claim : null), closingLine };
}

/** One entry per node id, in first-seen order, with the worst status reported for it. */
function worstPerTest(entries: readonly Entry[]): Entry[] {
  const byId = new Map<string, Entry>();
  for (const entry of entries) {
    const seen = byId.get(entry.nodeId);
    if (!seen) byId.set(entry.nodeId, { ...entry });
    else if (rank[entry.status] > rank[seen.status]) seen.status = entry.status;
  }
  return [...byId.values()];
}

/** `tests/test_x.py::TestGroup::test_a[1]`: file, class suites, name; the node id is the id. */
function testOf(nodeId: string, status: TestStatus) {
  const parts = nodeId.split('::');
  const file = parts.shift()!;
  const name = parts.pop() ?? file;
  return { id: nodeId, name, suites: parts, file, status };
}
