/**
 * Reads the `spec` reporter of node's test runner (`node --test`, Node 20): `✔ name (1.2ms)`
 * passed, `✖ name (1.2ms)` failed, `﹣ name (1.2ms) # reason` skipped, `# TODO` after a
 * result a todo (skipped); `▶ name` opens a group (a describe block, or a test with
 * subtests) indented two spaces deeper, closed by its own result line. The spec reporter
 * does not say which groups are suites, so a group is left out unless it failed by itself
 * (no test inside it failed: a hook or the parent's own body did). A todo with a reason
 * prints only the reason, and so reads as a plain pass or fail. The `✖ failing tests:`
 * section repeats failures and is not read again. The closing `ℹ tests 8`, `ℹ pass 5`, …
 * lines are the claim, and must be there: without them the output is not node's.
 */
import { isTooDeep } from './input-limits.js';
import { TestCaseCollector, type FoundTest } from './test-case-collector.js';
import { countOf, type TextReading } from './text-reading.js';
import { emptyClaim, type ReadOptions, type TestStatus } from './test-results.js';

const marks: Record<string, TestStatus> = { '✔': 'passed', '✖': 'failed', '﹣': 'skipped' };
const resultLine = /^( *)([✔✖﹣]) (.*?) \((\d+(?:\.\d+)?)ms\)(?: # (.*))?$/;
const markOnly = /^ *[✔✖﹣▶] /;
const resultMark = /^ *[✔✖﹣] /;
const groupLine = /^( *)▶ (.*)$/;
const summaryLine =
  /^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) (\d+(?:\.\d+)?)$/;
const failingTests = /^✖ failing tests:$/;

interface Group {
  indent: number;
  name: string;
  childFailed: boolean;
}

export function readNodeTestSpec(
  lines: readonly string[],
  options: ReadOptions = {},
): TextReading | null {
  const tests = new TestCaseCollector('node-test-spec', options);
  const totals = new Map<string, number>();
  let closingLine = -1;
  let groups: Group[] = [];
  let repeating = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (isTooDeep(line)) continue;
    const summary = summaryLine.exec(line);
    if (summary) {
      totals.set(summary[1]!, (totals.get(summary[1]!) ?? 0) + Number(summary[2]));
      closingLine = i;
      groups = [];
      continue;
    }
    if (failingTests.test(line)) {
      repeating = true;
      continue;
    }
    // The failing-tests section holds only failures; a pass or a new group is a new run.
    if (repeating && !/^[✔﹣▶] /.test(line)) continue;
    repeating = false;
    const group = groupLine.exec(line);
    if (group) {
      const indent = group[1]!.length;
      groups = groups.filter((g) => g.indent < indent);
      groups.push({ indent, name: group[2]!, childFailed: false });
      continue;
    }
    const joined = resultAt(lines, i);
    if (!joined) continue;
    i += joined.extraLines;
    const [, spaces, mark, name, ms, comment] = joined.match;
    const indent = spaces!.length;
    let status = marks[mark!]!;
    if (comment !== undefined && /^TODO\b/.test(comment)) status = 'skipped';
    groups = groups.filter((g) => g.indent <= indent);
    const closing = groups.at(-1);
    const found: FoundTest = { name: name!, status, durationMs: Number(ms) };
    if (closing && closing.indent === indent && closing.name === name) {
      groups.pop();
      markFailed(groups, status);
      if (status === 'failed' && !closing.childFailed) {
        tests.add({ ...found, suites: groups.map((g) => g.name) });
      }
      continue;
    }
    markFailed(groups, status);
    if (!tests.full) tests.add({ ...found, suites: groups.map((g) => g.name) });
  }
  if (closingLine === -1 || !totals.has('tests')) return null;
  const claim = emptyClaim('node-test-spec');
  claim.total = countOf(totals, 'tests');
  claim.passed = countOf(totals, 'pass');
  claim.failed = countOf(totals, 'fail');
  claim.skipped = countOf(totals, 'skipped', 'todo');
  claim.errored = countOf(totals, 'cancelled');
  return { report: tests.report(claim), closingLine };
}

function markFailed(groups: Group[], status: TestStatus): void {
  if (status === 'failed') for (const g of groups) g.childFailed = true;
}

/**
 * The result line at `i`; a name with line breaks in it spreads over the next lines (up to
 * three), which are joined with spaces.
 */
function resultAt(
  lines: readonly string[],
  i: number,
): { match: RegExpExecArray; extraLines: number } | null {
  let text = lines[i]!;
  const direct = resultLine.exec(text);
  if (direct) return { match: direct, extraLines: 0 };
  if (!resultMark.test(text)) return null;
  for (let k = 1; k <= 3; k++) {
    const next = lines[i + k];
    if (next === undefined || next.trim() === '' || markOnly.test(next)) return null;
    text += ` ${next}`;
    const match = resultLine.exec(text);
    if (match) return { match, extraLines: k };
  }
  return null;
}
