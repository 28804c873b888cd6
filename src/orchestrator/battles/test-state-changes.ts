/**
 * Which tests a branch's grading run ended differently from the base's: the detail behind a
 * grade's fractions, for a person to read (the battle report). A test that one run lists and
 * the other does not changed from or to `null` (absent): deleted tests, new tests, and a base
 * entry for a whole file that the branch now lists test by test all show as such.
 */
import type { TestReport, TestStatus } from '../../grading/index.js';

export interface TestStateChange {
  id: string;
  /** Its status on the base; null when the base's run did not list it. */
  base: TestStatus | null;
  /** Its status on the branch; null when the branch's run did not list it. */
  branch: TestStatus | null;
}

/** The tests whose status differs, in the base's order and then the branch's new ones. */
export function testStateChanges(
  base: TestReport | null,
  branch: TestReport | null,
): TestStateChange[] {
  const before = new Map((base?.tests ?? []).map((test) => [test.id, test.status]));
  const after = new Map((branch?.tests ?? []).map((test) => [test.id, test.status]));
  const changes: TestStateChange[] = [];
  for (const [id, status] of before) {
    const now = after.get(id) ?? null;
    if (now !== status) changes.push({ id, base: status, branch: now });
  }
  for (const [id, status] of after) {
    if (!before.has(id)) changes.push({ id, base: null, branch: status });
  }
  return changes;
}
