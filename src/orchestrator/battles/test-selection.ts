/**
 * Which tests a name given on the command line (`--fail-to-pass "report › formats dates"`)
 * selects in a report. Users copy names from whatever their runner printed, so the match is
 * forgiving, in three tiers, the first that selects anything winning:
 *
 * 1. the exact id (`test/report.test.ts > report > formats dates`, pytest's node id);
 * 2. the exact name (`formats dates`), which may select tests in several files;
 * 3. the id's trailing part, once both are split into parts at `›` (jest), `>` (our ids),
 *    `::` (pytest), `/` and white space: `report › formats dates`, `report::formats dates`
 *    and `formats dates` all select `test/report.test.ts > report > formats dates`. Parts
 *    match whole and case-sensitively: `mats dates` does not select `formats dates`.
 *
 * Splitting at spaces means `formats dates` also selects a test `dates` in a suite `formats`;
 * that ambiguity is the price of accepting every runner's separator. A name that selects
 * nothing is returned as unknown, for the caller to report, never dropped.
 */
import type { TestCase, TestReport } from '../../grading/index.js';

const separators = /\s*(?:›|>|::|\/)\s*|\s+/;

/** A test name or id cut into its parts: `a › b::c` → `['a', 'b', 'c']`. */
export function testNameParts(text: string): string[] {
  return text.split(separators).filter((part) => part !== '');
}

function endsWith(parts: readonly string[], tail: readonly string[]): boolean {
  if (tail.length === 0 || tail.length > parts.length) return false;
  const offset = parts.length - tail.length;
  return tail.every((part, i) => parts[offset + i] === part);
}

/**
 * The tests of `report` that `name` selects, in report order; empty when it selects none.
 *
 * @example
 * selectTests(report, 'report › formats dates'); // [{ id: 'test/report.test.ts > report > formats dates', … }]
 */
export function selectTests(report: TestReport, name: string): TestCase[] {
  const wanted = name.trim();
  const byId = report.tests.filter((test) => test.id === wanted);
  if (byId.length > 0) return byId;
  const byName = report.tests.filter((test) => test.name === wanted);
  if (byName.length > 0) return byName;
  const tail = testNameParts(wanted);
  return report.tests.filter((test) => endsWith(testNameParts(test.id), tail));
}

export interface TestSelection {
  /** The ids selected, each once, in report order. */
  ids: string[];
  /** The names that selected nothing, as given. */
  unknown: string[];
}

/** The tests that any of `names` selects, and the names that select none. */
export function selectNamedTests(report: TestReport, names: readonly string[]): TestSelection {
  const ids = new Set<string>();
  const unknown: string[] = [];
  for (const name of names) {
    const selected = selectTests(report, name);
    if (selected.length === 0) unknown.push(name);
    for (const test of selected) ids.add(test.id);
  }
  const order = report.tests.map((test) => test.id).filter((id) => ids.has(id));
  return { ids: order, unknown };
}
