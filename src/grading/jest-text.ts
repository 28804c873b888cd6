/**
 * Reads jest's default reporter. Each test file gets a `PASS ./a.test.js` or `FAIL …`
 * line; when jest is verbose (`--verbose`, or a run of a single file) the lines right
 * after it, up to a blank line, list the tests: `✓ name (3 ms)` passed, `✕ name` failed,
 * `○ skipped name`, `✎ todo name`, under describe titles indented two spaces per level.
 * A test body's console output and the failure details come after that blank line (or
 * before the file's line), so they are never read as results. When jest is not verbose,
 * only the failures are known, from their details' headings (`  ● math › fails`). A file
 * whose details start with `● Test suite failed to run` is one errored entry. The closing `Tests: 1 failed, 1
 * skipped, 4 passed, 6 total` line is the claim, and must be there.
 */
import { isTooDeep } from './input-limits.js';
import { TestCaseCollector } from './test-case-collector.js';
import { countOf, countsIn, type TextReading } from './text-reading.js';
import { emptyClaim, type ReadOptions, type TestStatus } from './test-results.js';

const fileLine = /^ ?(PASS|FAIL) +(\S.*?)(?: \([\d.]+ m?s(?:, [^)]*)?\))?$/;
const testLine = /^( +)(✓|✕|○ skipped|✎ todo) (.+?)(?: \((\d+(?:\.\d+)?) m?s\))?$/;
const titleLine = /^( +)(\S.*)$/;
const failedToRun = /^ +● Test suite failed to run$/;
/** The heading of a failure's details, two spaces in (a test's console output is deeper). */
const failureHeading = /^ {2}● (.+)$/;
const summaryLine = /^Tests: +(.*)$/;

const marks: Record<string, TestStatus> = {
  '✓': 'passed',
  '✕': 'failed',
  '○ skipped': 'skipped',
  '✎ todo': 'skipped',
};

export function readJestText(
  lines: readonly string[],
  options: ReadOptions = {},
): TextReading | null {
  const tests = new TestCaseCollector('jest-text', options);
  const claim = emptyClaim('jest-text');
  let closingLine = -1;
  let file: string | null = null;
  /** In the block of test lines right after a file's line. */
  let listing = false;
  let titles: { indent: number; title: string }[] = [];
  let listed = 0;
  let headings: string[] = [];
  /** A file's failures from their headings, when its tests were not listed. */
  const endFile = () => {
    if (listed === 0) {
      for (const heading of headings) {
        const path = heading.split(' › ');
        tests.add({ name: path.pop()!, suites: path, file, status: 'failed' });
      }
    }
    headings = [];
    listed = 0;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (isTooDeep(line)) continue;
    const header = fileLine.exec(line);
    if (header) {
      endFile();
      file = header[2]!;
      listing = true;
      titles = [];
      continue;
    }
    if (file && failedToRun.test(line)) {
      tests.add({ name: file, file, status: 'errored' });
      listed++;
      continue;
    }
    const heading = file ? failureHeading.exec(line) : null;
    if (heading && heading[1] !== 'Console') headings.push(heading[1]!);
    const summary = summaryLine.exec(line);
    if (summary) {
      endFile();
      const counts = countsIn(summary[1]!);
      claim.total = (claim.total ?? 0) + (countOf(counts, 'total') ?? 0);
      claim.passed = (claim.passed ?? 0) + (countOf(counts, 'passed') ?? 0);
      claim.failed = (claim.failed ?? 0) + (countOf(counts, 'failed') ?? 0);
      claim.skipped = (claim.skipped ?? 0) + (countOf(counts, 'skipped', 'todo') ?? 0);
      closingLine = i;
      file = null;
      listing = false;
      continue;
    }
    if (!listing) continue;
    if (line.trim() === '' || /^ *● /.test(line)) {
      listing = false;
      continue;
    }
    const test = testLine.exec(line);
    const indent = (test ?? titleLine.exec(line))?.[1]?.length ?? 0;
    titles = titles.filter((t) => t.indent < indent);
    if (test) {
      listed++;
      tests.add({
        name: test[3]!,
        suites: titles.map((t) => t.title),
        file,
        status: marks[test[2]!]!,
        durationMs: test[4] === undefined ? null : Number(test[4]),
      });
    } else if (indent > 0) {
      titles.push({ indent, title: line.trim() });
    }
  }
  if (closingLine === -1) return null;
  return { report: tests.report(claim), closingLine };
}
