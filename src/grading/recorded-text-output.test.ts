/**
 * The text readers over what real pytest 9.0.3 (`-rA` and `-v`), go 1.19.8 (`go test -v`)
 * and cargo 1.95.0 (`cargo test --no-fail-fast`) printed, recorded by
 * test/fixtures/grading/record.sh from the projects beside it. In each project a test body
 * prints a fake result line (`PASSED tests/test_fake.py::test_fake`, `--- PASS: TestFake
 * (0.00s)`, `test fake ... ok`); none may be read as a result.
 */
import { describe, expect, it } from 'vitest';
import { fixture, statusesOf } from '../../test/fixtures/grading/fixtures.js';
import { readCargoTestText } from './cargo-test-text.js';
import { readGoTestText } from './go-test-text.js';
import { toPlainLines } from './plain-lines.js';
import { readPytestText } from './pytest-text.js';

const lines = (name: string) => toPlainLines(fixture(name));

describe('pytest text, recorded', () => {
  const claimed = { source: 'pytest-text', total: 8, passed: 4, failed: 1, skipped: 2, errored: 1 };

  it('reads -rA: the short test summary, skips by location', () => {
    const reading = readPytestText(lines('pytest-rA.txt'));
    expect(statusesOf(reading?.report ?? null)).toEqual([
      'passed tests/test_math.py::test_adds',
      'passed tests/test_math.py::test_param[1]',
      'passed tests/test_math.py::test_param[2]',
      'passed tests/test_math.py::TestGroup::test_in_class',
      'skipped tests/test_math.py::test_xfail',
      'errored tests/test_math.py::test_errors',
      'failed tests/test_math.py::test_fails',
      'skipped tests/test_math.py:10',
    ]);
    expect(reading?.report.claimed).toEqual(claimed);
    expect(reading?.report.tests[3]).toMatchObject({
      name: 'test_in_class',
      suite: 'TestGroup',
      file: 'tests/test_math.py',
    });
  });

  it('reads -v: every test by node id, in the order run', () => {
    const reading = readPytestText(lines('pytest-v.txt'));
    expect(statusesOf(reading?.report ?? null)).toEqual([
      'passed tests/test_math.py::test_adds',
      'failed tests/test_math.py::test_fails',
      'skipped tests/test_math.py::test_skipped',
      'errored tests/test_math.py::test_errors',
      'skipped tests/test_math.py::test_xfail',
      'passed tests/test_math.py::test_param[1]',
      'passed tests/test_math.py::test_param[2]',
      'passed tests/test_math.py::TestGroup::test_in_class',
    ]);
    expect(reading?.report.counts).toEqual({ passed: 4, failed: 1, skipped: 2, errored: 1 });
    expect(reading?.report.claimed).toEqual(claimed);
  });

  it('keeps the worse result of a test reported twice (a teardown error after a pass)', () => {
    const text = [
      '============================= test session starts ==============================',
      '=========================== short test summary info ============================',
      'PASSED t.py::test_a',
      'ERROR t.py::test_a - RuntimeError: teardown',
      '========================= 1 passed, 1 error in 0.01s ==========================',
    ].join('\n');
    expect(statusesOf(readPytestText(toPlainLines(text))?.report ?? null)).toEqual([
      'errored t.py::test_a',
    ]);
  });
});

describe('go test -v, recorded', () => {
  it('reads results by package, drops the fake one, and errs the package that did not build', () => {
    const reading = readGoTestText(lines('go-test-v.txt'));
    expect(statusesOf(reading?.report ?? null)).toEqual([
      'errored example.com/demo/broken',
      'passed example.com/demo/calc > TestAdd',
      'failed example.com/demo/calc > TestFails',
      'skipped example.com/demo/calc > TestSkipped',
      'failed example.com/demo/calc > TestTable',
      'passed example.com/demo/calc > TestTable/one_plus_one',
      'failed example.com/demo/calc > TestTable/wrong',
    ]);
    expect(reading?.report.claimed).toBeNull();
  });

  it('reads go test without -v: only failures are printed, and all are kept', () => {
    const text =
      '--- FAIL: TestB (0.01s)\n    b_test.go:9: nope\nFAIL\nFAIL\texample.com/m\t0.011s\n';
    const reading = readGoTestText(toPlainLines(text));
    expect(statusesOf(reading?.report ?? null)).toEqual(['failed example.com/m > TestB']);
    expect(reading?.report.tests[0]?.durationMs).toBe(10);
  });
});

describe('cargo test, recorded', () => {
  it('reads every binary and the doc-tests; the failures section is not read', () => {
    const reading = readCargoTestText(lines('cargo-test.txt'));
    expect(statusesOf(reading?.report ?? null)).toEqual([
      'passed tests::adds',
      'failed tests::fails',
      'skipped tests::ignored_one',
      'skipped tests::ignored_reason',
      'passed tests::panics',
      'passed integration_passes',
      'passed src/lib.rs - add (line 3)',
    ]);
    expect(reading?.report.claimed).toEqual({
      source: 'cargo-test-text',
      total: 7,
      passed: 4,
      failed: 1,
      skipped: 2,
      errored: 0,
    });
  });
});
