/**
 * The JUnit XML reader over reports of real dialects: pytest 9.0.3's `--junitxml`
 * (recorded by test/fixtures/grading/record.sh), go-junit-report v2 (written to the shape
 * of its own testdata: a `[build failed]` case with an <error>, <skipped message=…>, zero
 * counts left off), and Surefire 3.0 (a root <testsuite> per class with <properties>,
 * <flakyFailure>); and over XML that is broken or hostile. vitest's and jest-junit's
 * dialects are read from the real runners in real-runners.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { fixture, statusesOf } from '../../test/fixtures/grading/fixtures.js';
import { parseJUnitXml } from './junit-xml.js';

describe('parseJUnitXml', () => {
  it("reads pytest's --junitxml: xfail as skipped, a fixture error as errored", () => {
    const report = parseJUnitXml(fixture('pytest-junit.xml'));
    expect(statusesOf(report)).toEqual([
      'passed tests.test_math > test_adds',
      'failed tests.test_math > test_fails',
      'skipped tests.test_math > test_skipped',
      'errored tests.test_math > test_errors',
      'skipped tests.test_math > test_xfail',
      'passed tests.test_math > test_param[1]',
      'passed tests.test_math > test_param[2]',
      'passed tests.test_math.TestGroup > test_in_class',
    ]);
    expect(report?.counts).toEqual({ passed: 4, failed: 1, skipped: 2, errored: 1 });
    expect(report?.claimed).toEqual({
      source: 'junit-xml',
      total: 8,
      passed: 4,
      failed: 1,
      skipped: 2,
      errored: 1,
    });
  });

  it('reads go-junit-report: packages as suites, a build failure as an errored case', () => {
    const report = parseJUnitXml(fixture('go-junit-report.xml'));
    expect(statusesOf(report)).toEqual([
      'errored example.com/demo/broken > [build failed]',
      'passed example.com/demo/calc > TestAdd',
      'failed example.com/demo/calc > TestFails',
      'skipped example.com/demo/calc > TestSkipped',
      'passed example.com/demo/calc > TestTable',
      'passed example.com/demo/calc > TestTable/one_plus_one',
      'failed example.com/demo/calc > TestTable/wrong',
    ]);
    expect(report?.claimed).toMatchObject({
      total: 7,
      passed: 3,
      failed: 2,
      skipped: 1,
      errored: 1,
    });
    expect(report?.tests.find((t) => t.name === 'TestFake')).toBeUndefined();
  });

  it('reads a Surefire report: a flaky test that passed on a rerun passed', () => {
    const report = parseJUnitXml(fixture('surefire-reports/TEST-com.example.CalculatorTest.xml'));
    expect(statusesOf(report)).toEqual([
      'passed com.example.CalculatorTest > adds',
      'failed com.example.CalculatorTest > fails',
      'skipped com.example.CalculatorTest > skipped',
      'errored com.example.CalculatorTest > errors',
      'passed com.example.CalculatorTest > flaky',
    ]);
    expect(report?.tests[1]).toMatchObject({ suite: 'com.example.CalculatorTest', durationMs: 11 });
    expect(report?.claimed).toMatchObject({
      total: 5,
      passed: 2,
      failed: 1,
      skipped: 1,
      errored: 1,
    });
  });

  it('reads nested suites and a testcase without classname under its suite', () => {
    const xml = `<testsuites><testsuite name="outer" tests="2"><testsuite name="inner" tests="2">
      <testcase name="a"/><testcase name="b"><failure/></testcase></testsuite></testsuite></testsuites>`;
    const report = parseJUnitXml(xml);
    expect(statusesOf(report)).toEqual(['passed outer > inner > a', 'failed outer > inner > b']);
    expect(report?.tests[0]?.suite).toBe('outer > inner');
  });

  it('returns null for what is not a JUnit report', () => {
    expect(parseJUnitXml('')).toBeNull();
    expect(parseJUnitXml('<html><body>testsuite</body></html>')).toBeNull();
    expect(parseJUnitXml('{"testsuites": []}')).toBeNull();
  });

  it('returns null for a report cut short (a runner killed while writing it)', () => {
    const whole = fixture('pytest-junit.xml');
    expect(parseJUnitXml(whole)).not.toBeNull();
    expect(parseJUnitXml(whole.slice(0, Math.floor(whole.length / 2)))).toBeNull();
    expect(parseJUnitXml('<testsuites><testsuite><testcase name="a"></testsuite>')).toBeNull();
  });

  it('does not expand an entity bomb', () => {
    const bomb = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lollollollollollollollollollol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<testsuites><testsuite name="s"><testcase name="&lol5;&lol5;&lol5;&lol5;"/></testsuite></testsuites>`;
    const started = Date.now();
    const report = parseJUnitXml(bomb);
    expect(Date.now() - started).toBeLessThan(2000);
    for (const test of report?.tests ?? []) expect(test.name.length).toBeLessThanOrEqual(1000);
  });

  it('cleans names: no escapes, no line breaks', () => {
    // ESC and BEL cannot stand in XML 1.0, not even as character references: the parser
    // drops those, and what is left of the sequences is plain text.
    const name = 'red&#10;&#27;[31mtext&#27;[0m &#27;]0;title&#7; tab&#9;end&#x0A;';
    const xml = `<testsuites><testsuite name="s"><testcase classname="c" name="${name}"/></testsuite></testsuites>`;
    const report = parseJUnitXml(xml);
    expect(report?.tests[0]?.name).toBe('red [31mtext[0m ]0;title tab end');
    expect(report?.tests[0]?.id).toBe('c > red [31mtext[0m ]0;title tab end');
  });
});
