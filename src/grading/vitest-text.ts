/**
 * Reads vitest's `default` and `verbose` reporters (vitest 3, no TTY). The default one
 * prints a line per file (` ❯ a.test.js (5 tests | 1 failed) 12ms`) and lists the tests of
 * a file only when one of them failed (`   ✓ math > adds 1ms`, `   × …`, `   ↓ …` for a skip
 * or todo); the verbose one lists every test with its file (` ✓ a.test.js > math > adds
 * 1ms`). A file that failed to load appears under "Failed Suites" as ` FAIL  c.test.js [
 * c.test.js ]`: one errored entry. A test body's console output (`stdout | …` up to a blank
 * line) is skipped. The closing `Tests  1 failed | 4 passed | 1 skipped (6)` line is the
 * claim, and must be there.
 */
import { TestCaseCollector, idSeparator } from './test-case-collector.js';
import { countOf, countsIn, type TextReading } from './text-reading.js';
import { emptyClaim, type ReadOptions, type TestStatus } from './test-results.js';

const marks: Record<string, TestStatus> = { '✓': 'passed', '×': 'failed', '↓': 'skipped' };
const fileLine = /^ [✓×❯↓] (.+?) \(\d+ tests?(?: \| [^)]*)?\)(?: \d+(?:\.\d+)?m?s)?$/;
const testLine = /^( +)([✓×↓]) (.+?)(?: (\d+(?:\.\d+)?)(ms|s))?$/;
const consoleBlock = /^(stdout|stderr) \| /;
const failedSuite = /^ FAIL {2}(.+?) \[ (.+) \]$/;
const summaryLine = /^ +Tests {2}(.*?)(?: \((\d+)\))?$/;
const testFile = /\.[cm]?[jt]sx?$/;

export function readVitestText(
  lines: readonly string[],
  options: ReadOptions = {},
): TextReading | null {
  const tests = new TestCaseCollector('vitest-text', options);
  const claim = emptyClaim('vitest-text');
  let closingLine = -1;
  let file: string | null = null;
  let inConsole = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (inConsole) {
      inConsole = line.trim() !== '';
      continue;
    }
    if (consoleBlock.test(line)) {
      inConsole = true;
      continue;
    }
    const header = fileLine.exec(line);
    if (header) {
      file = header[1]!;
      continue;
    }
    const suite = failedSuite.exec(line);
    if (suite) {
      const [, title, suiteFile] = suite;
      const path = title!.split(idSeparator);
      if (path[0] === suiteFile) path.shift();
      const name = path.pop() ?? suiteFile!; // no name: the file itself failed
      tests.add({ name, suites: path, file: suiteFile!, status: 'errored' });
      continue;
    }
    const summary = summaryLine.exec(line);
    if (summary) {
      const counts = countsIn(summary[1]!);
      claim.total =
        summary[2] === undefined ? (claim.total ?? 0) : (claim.total ?? 0) + Number(summary[2]);
      claim.passed = (claim.passed ?? 0) + (countOf(counts, 'passed') ?? 0);
      claim.failed = (claim.failed ?? 0) + (countOf(counts, 'failed') ?? 0);
      claim.skipped = (claim.skipped ?? 0) + (countOf(counts, 'skipped', 'todo') ?? 0);
      closingLine = i;
      file = null;
      continue;
    }
    const test = testLine.exec(line);
    if (!test) continue;
    const [, indent, mark, title, amount, unit] = test;
    const durationMs = amount === undefined ? null : Number(amount) * (unit === 's' ? 1000 : 1);
    // The default reporter indents a file's tests by three; verbose names the file itself.
    const path = title!.split(idSeparator);
    const ownFile = indent!.length === 1 && path.length > 1 && testFile.test(path[0]!);
    if (indent!.length === 1 && !ownFile) continue;
    const fileOf = ownFile ? path.shift()! : file;
    tests.add({
      name: path.pop()!,
      suites: path,
      file: fileOf,
      status: marks[mark!]!,
      durationMs,
    });
  }
  if (closingLine === -1) return null;
  return { report: tests.report(claim), closingLine };
}
