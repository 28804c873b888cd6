/**
 * readTestResults as a grader uses it: result files before the output, machine formats
 * before text, the runner that spoke last among text readers; and against what a hostile
 * test suite can print or write: fake result lines, fake machine formats, malformed files,
 * floods of results, endless lines, escapes in names. Outputs are the ones recorded by
 * test/fixtures/grading/record.sh (pytest 9.0.3, go 1.19.8, cargo 1.95.0) and the
 * documented formats beside them.
 */
import { describe, expect, it } from 'vitest';
import { fixture, statusesOf } from '../../test/fixtures/grading/fixtures.js';
import { maxOutputChars, maxTests } from './input-limits.js';
import { readTestResults } from './read-test-results.js';

const fakeLines = [
  '--- PASS: TestFake (0.00s)',
  'ok 5 - fake',
  '  ✓ fake (1 ms)',
  '✔ fake (1.2ms)',
  'PASSED tests/test_fake.py::test_fake',
  'test fake ... ok',
].join('\n');

describe('readTestResults: where results come from', () => {
  it('reads the result file, not the lines a test body printed in the output', () => {
    const output = `${fakeLines}\n${fixture('pytest-rA.txt')}\n${fakeLines}\n`;
    const report = readTestResults({
      output,
      files: [{ path: 'junit.xml', content: fixture('pytest-junit.xml') }],
    });
    expect(report?.format).toBe('junit-xml');
    expect(report?.tests).toHaveLength(8);
    expect(report?.tests.some((t) => /fake/i.test(t.id))).toBe(false);
  });

  it('merges the files of one format (Surefire writes one per class) and sums their claims', () => {
    const files = ['CalculatorTest', 'ParserTest'].map((name) => ({
      path: `target/surefire-reports/TEST-com.example.${name}.xml`,
      content: fixture(`surefire-reports/TEST-com.example.${name}.xml`),
    }));
    const report = readTestResults({ output: '', files });
    expect(statusesOf(report)).toEqual([
      'passed com.example.CalculatorTest > adds',
      'failed com.example.CalculatorTest > fails',
      'skipped com.example.CalculatorTest > skipped',
      'errored com.example.CalculatorTest > errors',
      'passed com.example.CalculatorTest > flaky',
      'passed com.example.ParserTest > parsesNumbers',
      'passed com.example.ParserTest > parsesNames',
    ]);
    expect(report?.claimed).toEqual({
      source: 'junit-xml',
      total: 7,
      passed: 4,
      failed: 1,
      skipped: 1,
      errored: 1,
    });
  });

  it('takes one format when a runner wrote two reports of the same run', () => {
    const ctrf = fixture('ctrf.json');
    const junit = `<testsuites><testsuite name="s" tests="1"><testcase name="only"/></testsuite></testsuites>`;
    const report = readTestResults({
      output: '',
      files: [
        { path: 'junit.xml', content: junit },
        { path: 'ctrf.json', content: ctrf },
      ],
    });
    expect(report?.format).toBe('ctrf-json');
    expect(report?.tests).toHaveLength(6);
  });

  it('falls back to the output when a result file is malformed, without throwing', () => {
    const whole = fixture('pytest-junit.xml');
    const report = readTestResults({
      output: fixture('cargo-test.txt'),
      files: [
        { path: 'junit.xml', content: whole.slice(0, 300) },
        { path: 'report.json', content: '{"testResults": [' },
        { path: 'ctrf.json', content: '{"results": {"tests": [1, 2' },
        { path: 'binary', content: '\u0000\u0001\u0002<testsuites' },
      ],
    });
    expect(report?.format).toBe('cargo-test-text');
    expect(report?.counts).toEqual({ passed: 4, failed: 1, skipped: 2, errored: 0 });
  });

  it('reads go test -json in the output, and not the fake result go 1.19 made of a printed line', () => {
    const report = readTestResults({ output: fixture('go-test-json.txt') });
    expect(report?.format).toBe('go-test-json');
    expect(report?.tests.map((t) => t.name)).not.toContain('TestFake');
    expect(report?.counts).toEqual({ passed: 2, failed: 3, skipped: 1, errored: 1 });
  });

  it('gives the claim of a text summary when the machine format states none', () => {
    const junit = `<testsuites><testsuite name="s"><testcase classname="t" name="a"/><testcase classname="t" name="b"><failure/></testcase></testsuite></testsuites>`;
    const output = '============ 1 failed, 1 passed in 0.03s ============\n';
    const report = readTestResults({ output, files: [{ path: 'junit.xml', content: junit }] });
    expect(report?.format).toBe('junit-xml');
    expect(report?.claimed).toEqual({
      source: 'pytest-text',
      total: 2,
      passed: 1,
      failed: 1,
      skipped: 0,
      errored: 0,
    });
  });

  it('returns null when the runner crashed before any test ran', () => {
    const crash = [
      'node:internal/modules/cjs/loader:1215',
      "Error: Cannot find module 'vitest/config'",
      '    at Module._resolveFilename (node:internal/modules/cjs/loader:1212:15)',
      'npm ERR! Test failed.  See above for more details.',
    ].join('\n');
    expect(readTestResults({ output: crash })).toBeNull();
    expect(readTestResults({ output: '' })).toBeNull();
    expect(
      readTestResults({ output: crash, files: [{ path: 'junit.xml', content: '<testsuites>' }] }),
    ).toBeNull();
  });

  it('makes paths relative to the root, so ids do not depend on where the sandbox put it', () => {
    const doc = {
      numTotalTests: 1,
      testResults: [
        {
          name: '/tmp/sandbox-1/repo/src/a.test.js',
          status: 'passed',
          assertionResults: [{ title: 't', ancestorTitles: ['s'], status: 'passed' }],
        },
        {
          name: 'file:///tmp/sandbox-1/repo/src/b%20c.test.js',
          status: 'passed',
          assertionResults: [{ title: 't', ancestorTitles: [], status: 'passed' }],
        },
      ],
    };
    const report = readTestResults({ output: JSON.stringify(doc), root: '/tmp/sandbox-1/repo/' });
    expect(statusesOf(report)).toEqual([
      'passed src/a.test.js > s > t',
      'passed src/b c.test.js > t',
    ]);
  });
});

describe('readTestResults: hostile output', () => {
  it('does not take a fake TAP stream a test body printed for the runner that ran', () => {
    const fakeTap = 'TAP version 14\n1..3\nok 1 - fake one\nok 2 - fake two\nok 3 - fake three\n';
    const [head, tail] = splitBefore(fixture('pytest-rA.txt'), '=== short test summary info');
    const report = readTestResults({ output: `${head}${fakeTap}${tail}` });
    expect(report?.format).toBe('pytest-text');
    expect(report?.tests.some((t) => t.id.includes('fake'))).toBe(false);
  });

  it('does not take fake go test -json lines printed before another runner finished', () => {
    const events = [
      '{"Action":"run","Package":"x","Test":"TestFake"}',
      '{"Action":"pass","Package":"x","Test":"TestFake"}',
    ].join('\n');
    const report = readTestResults({ output: `${events}\n${fixture('cargo-test.txt')}` });
    expect(report?.format).toBe('cargo-test-text');
  });

  it('picks the runner whose summary comes last, whatever its tests printed', () => {
    const manyFakes = Array.from({ length: 50 }, (_, i) => `--- PASS: TestFake${i} (0.00s)`).join(
      '\n',
    );
    const [head, tail] = splitBefore(fixture('cargo-test.txt'), 'test result: FAILED');
    const report = readTestResults({ output: `${head}${manyFakes}\n${tail}` });
    expect(report?.format).toBe('cargo-test-text');
    expect(report?.tests).toHaveLength(7);
  });

  it('bounds a flood of 200,000 fake result lines', () => {
    const flood = Array.from({ length: 200_000 }, (_, i) => `ok ${i + 1} - fake ${i}`).join('\n');
    const started = Date.now();
    const report = readTestResults({ output: `TAP version 14\n${flood}\n` });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(report?.tests).toHaveLength(maxTests);
    expect(report?.truncated).toBe(true);

    const textFlood = Array.from({ length: 200_000 }, (_, i) => `  ✔ fake ${i}`).join('\n');
    const started2 = Date.now();
    const text = readTestResults({ output: `${textFlood}\n\n  1 passing (5ms)\n` });
    expect(Date.now() - started2).toBeLessThan(10_000);
    expect(text?.format).toBe('mocha-spec');
    expect(text?.tests).toHaveLength(maxTests);
    expect(text?.truncated).toBe(true);
    expect(text?.claimed?.passed).toBe(1);
  });

  it('reads only the end of an endless output, and survives an endless line', () => {
    const junk = 'x'.repeat(maxOutputChars + 1024);
    const started = Date.now();
    expect(readTestResults({ output: junk })).toBeNull();
    const report = readTestResults({ output: `${junk}\n${fixture('cargo-test.txt')}` });
    expect(report?.format).toBe('cargo-test-text');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('survives deep nesting', () => {
    const deep = Array.from(
      { length: 5000 },
      (_, i) => `${' '.repeat(i * 4)}# Subtest: level ${i}`,
    ).join('\n');
    const report = readTestResults({ output: `TAP version 14\n${deep}\nok 1 - top\n1..1\n` });
    expect(statusesOf(report)).toEqual(['passed top']);
  });

  it('cleans test names of escapes and line breaks', () => {
    const name =
      'Test\u001b[31mRed\u001b[0m\u001b]52;c;ZXZpbA==\u0007/with\nnewline\r\tand\u0000nul';
    const events = [
      { Action: 'run', Package: 'x', Test: name },
      { Action: 'fail', Package: 'x', Test: name, Elapsed: 0.5 },
    ];
    const report = readTestResults({ output: events.map((e) => JSON.stringify(e)).join('\n') });
    expect(report?.tests[0]).toMatchObject({
      id: 'x > TestRed/with newline andnul',
      name: 'TestRed/with newline andnul',
      status: 'failed',
      durationMs: 500,
    });
    // eslint-disable-next-line no-control-regex -- the point of the test
    expect(report?.tests[0]?.id).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('never throws on arbitrary bytes', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 50; round++) {
      const text = Array.from({ length: 2000 }, () =>
        String.fromCharCode(Math.floor(random() * 0x3000)),
      ).join('');
      const mixed = `${text}\nok 1 - x\n${text}<testsuites>${text}`;
      expect(() =>
        readTestResults({ output: mixed, files: [{ path: 'f', content: mixed }] }),
      ).not.toThrow();
    }
  });
});

function splitBefore(text: string, marker: string): [string, string] {
  const at = text.indexOf(marker);
  const lineStart = text.lastIndexOf('\n', at) + 1;
  return [text.slice(0, lineStart), text.slice(lineStart)];
}
