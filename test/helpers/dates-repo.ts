/**
 * The battle tests' task: a repository whose `nextDay` is off by one (`day + 2`), with a
 * node:test file whose test fails on it, so the fix (`day + 1`) is what turns it green.
 */
import { makeRepo, type TestRepo } from './git-repo.js';

export const buggyDate = 'export function nextDay(day) {\n  return day + 2;\n}\n';

/** A node:test file for `src/date.js`: the given tests (name, call, expected). */
export function dateTests(cases: ReadonlyArray<[name: string, call: string, expected: string]>) {
  return [
    "import { test } from 'node:test';",
    "import assert from 'node:assert/strict';",
    "import { nextDay } from '../src/date.js';",
    ...cases.map(
      ([name, call, expected]) => `test('${name}', () => assert.equal(${call}, ${expected}));`,
    ),
    '',
  ].join('\n');
}

/** The repository with the bug and one failing test, plus `extra` files. */
export function makeDatesRepo(extra: Record<string, string> = {}): Promise<TestRepo> {
  return makeRepo({
    'src/date.js': buggyDate,
    'test/date.test.js': dateTests([['next day adds one', 'nextDay(1)', '2']]),
    ...extra,
  });
}
