/**
 * Reads `cargo test` (libtest's pretty output): between `running 5 tests` and that test
 * binary's `test result: FAILED. 2 passed; 1 failed; 2 ignored; …` line, `test path::name
 * ... ok`, `... FAILED` or `... ignored` (with `, reason` after it) per test; doc-tests
 * read the same (`test src/lib.rs - add (line 3) ... ok`). The `failures:` section, which
 * holds the failed tests' captured output, is not read. Each binary's `test result:` line
 * adds to the claim (ignored counts as skipped).
 */
import { TestCaseCollector } from './test-case-collector.js';
import { countOf, countsIn, type TextReading } from './text-reading.js';
import { emptyClaim, type ReadOptions, type TestStatus } from './test-results.js';

const runningLine = /^running (\d+) tests?$/;
const testLine = /^test (.+?)(?: - should panic)? \.\.\. (ok|FAILED|ignored)(?:, .*)?$/;
const resultLine = /^test result: (ok|FAILED)\. (.*)$/;
const statuses: Record<string, TestStatus> = { ok: 'passed', FAILED: 'failed', ignored: 'skipped' };

export function readCargoTestText(
  lines: readonly string[],
  options: ReadOptions = {},
): TextReading | null {
  const tests = new TestCaseCollector('cargo-test-text', options);
  const claim = emptyClaim('cargo-test-text');
  let closingLine = -1;
  let running = false;
  let binaries = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (runningLine.test(line)) {
      running = true;
      binaries++;
      continue;
    }
    const result = resultLine.exec(line);
    if (result) {
      const counts = countsIn(result[2]!);
      claim.passed = (claim.passed ?? 0) + (countOf(counts, 'passed') ?? 0);
      claim.failed = (claim.failed ?? 0) + (countOf(counts, 'failed') ?? 0);
      claim.skipped = (claim.skipped ?? 0) + (countOf(counts, 'ignored') ?? 0);
      claim.total = claim.passed + claim.failed + claim.skipped;
      claim.errored = 0;
      closingLine = i;
      running = false;
      continue;
    }
    if (!running) continue;
    if (line === 'failures:') {
      running = false;
      continue;
    }
    const test = testLine.exec(line);
    if (test) tests.add({ name: test[1]!, status: statuses[test[2]!]! });
  }
  if (binaries === 0) return null;
  return { report: tests.report(closingLine === -1 ? null : claim), closingLine };
}
