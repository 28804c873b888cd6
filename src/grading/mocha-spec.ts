/**
 * Reads mocha's `spec` reporter: suite titles indented two spaces per level, and under
 * them `✔ name` (with `(82ms)` when slow) passed, `1) name` failed, `- name` pending
 * (skipped); a failed hook (`1) "before all" hook for "x"`) errored. Mocha runs a suite's
 * tests before its child suites, so a test line that comes after a child suite of its
 * level opened cannot be mocha's: it is a test body's output and is skipped (a body's
 * indented output can hide tests this way, never add one). Reading stops
 * at the closing `4 passing (90ms)` line (the failure details after it repeat the
 * numbers), which with `N pending` and `N failing` is the claim, and must be there.
 */
import { isTooDeep } from './input-limits.js';
import { TestCaseCollector } from './test-case-collector.js';
import type { TextReading } from './text-reading.js';
import { emptyClaim, type ReadOptions, type TestStatus } from './test-results.js';

const passedLine = /^( +)[✔✓] (.+?)(?: \((\d+)ms\))?$/;
const failedLine = /^( +)\d+\) (.+)$/;
const pendingLine = /^( +)- (.+)$/;
const titleLine = /^( +)(\S.*)$/;
const passingLine = /^ +(\d+) passing \(\d+(?:\.\d+)?m?s\)$/;
const otherCount = /^ +(\d+) (pending|failing)$/;
const hook = /^"(before|after) (all|each)" hook/;

interface Suite {
  indent: number;
  title: string;
  /** A child suite opened: this suite's own tests are over. */
  childOpened: boolean;
}

export function readMochaSpec(
  lines: readonly string[],
  options: ReadOptions = {},
): TextReading | null {
  const tests = new TestCaseCollector('mocha-spec', options);
  const claim = emptyClaim('mocha-spec');
  let closingLine = -1;
  let suites: Suite[] = [];
  let rootClosed = false;
  let inSummary = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (isTooDeep(line)) continue;
    const passing = passingLine.exec(line);
    if (passing) {
      claim.passed = (claim.passed ?? 0) + Number(passing[1]);
      claim.failed ??= 0;
      claim.skipped ??= 0;
      closingLine = i;
      inSummary = true;
      continue;
    }
    if (inSummary) {
      const other = otherCount.exec(line);
      if (other) {
        if (other[2] === 'pending') claim.skipped = (claim.skipped ?? 0) + Number(other[1]);
        else claim.failed = (claim.failed ?? 0) + Number(other[1]);
        closingLine = i;
      }
      continue;
    }
    const found = testAt(line);
    if (found) {
      // A test sits two spaces under the innermost open suite (the root suite's at two),
      // which has no child suite yet.
      const parent = suites.at(-1);
      const parentDone = parent ? parent.childOpened : rootClosed;
      if (parentDone || found.indent !== (parent?.indent ?? 0) + 2) continue;
      tests.add({
        name: found.name,
        suites: suites.map((s) => s.title),
        status: found.status,
        durationMs: found.durationMs,
      });
      continue;
    }
    const title = titleLine.exec(line);
    if (title) {
      const indent = title[1]!.length;
      suites = suites.filter((s) => s.indent < indent);
      const parent = suites.at(-1);
      if (parent) parent.childOpened = true;
      else rootClosed = true;
      suites.push({ indent, title: title[2]!, childOpened: false });
    }
  }
  if (closingLine === -1) return null;
  claim.total = (claim.passed ?? 0) + (claim.failed ?? 0) + (claim.skipped ?? 0);
  return { report: tests.report(claim), closingLine };
}

function testAt(
  line: string,
): { indent: number; name: string; status: TestStatus; durationMs: number | null } | null {
  const passed = passedLine.exec(line);
  if (passed) {
    const ms = passed[3] === undefined ? null : Number(passed[3]);
    return { indent: passed[1]!.length, name: passed[2]!, status: 'passed', durationMs: ms };
  }
  const failed = failedLine.exec(line);
  if (failed) {
    const status = hook.test(failed[2]!) ? 'errored' : 'failed';
    return { indent: failed[1]!.length, name: failed[2]!, status, durationMs: null };
  }
  const pending = pendingLine.exec(line);
  if (pending) {
    return { indent: pending[1]!.length, name: pending[2]!, status: 'skipped', durationMs: null };
  }
  return null;
}
